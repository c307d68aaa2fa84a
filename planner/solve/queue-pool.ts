/**
 * Solving on other machines (`globe plan --workers queue`): each solve
 * request — a packed model, its stages, its options — becomes one job of a
 * pg-boss queue in the postgres backend's database; `globe worker`
 * processes take the jobs, solve them with the same worker-thread code
 * (SolverPool, highs-worker.js) and store the outcome as the job's output.
 * This pool has SolverPool's interface, so the planner does not know where
 * its models are solved.
 *
 * The same answer everywhere: a request carries everything that changes the
 * answer, bit for bit (wire.ts); outcomes are handed back to the solve that
 * asked, so the planner assembles them in block order whatever order the
 * workers finish in.
 *
 * Failures: a job whose worker is gone (its database session closed, or not
 * seen for EXPIRY_SECONDS) is failed here, and pg-boss re-queues it for
 * another worker (RETRY_LIMIT times). A job that waits the time limit with
 * no live worker in the queue fails the plan with a clear message (while a
 * worker is alive, a job behind others only waits its turn); every job of the
 * plan is deleted first, so nothing is left in the queue. A job is deleted as soon as
 * its outcome is read.
 */
import { hostname } from 'node:os';
import pg from 'pg';
import PgBoss from 'pg-boss';
import { maskUrl } from '../../lang/mask-url.js';
import type { PackedModel } from '../model/sparse-model.js';
import { ensureMembersTable, EXPIRY_SECONDS, HEARTBEAT_SECONDS, joinMembers, listen, memberGone, notify, notifyChannels, POLL_MS, QUEUE, queueSchema, RETRY_LIMIT } from '../distribute/queue-schema.js';
import { outcomeFromWire, requestToWire } from '../distribute/wire.js';
import { solveElsewhere, sparseStage, type SolveFailure, type SolveOptions, type SolveOutcome, type SolvePool, type StageInput } from './solve.js';

/** Solves a plan keeps in the queue at once: enough for 16 workers, few enough that the models in flight stay small. */
export const QUEUE_IN_FLIGHT = 16;

export interface QueueStatus {
  queued: number;
  /** Solve number (in the order the planner asked) → the worker holding it, sorted by solve. */
  running: { solve: number; worker: string }[];
  done: number;
  /** A solve sent back to the queue because its worker is gone. */
  requeued?: { solve: number; worker: string };
}

export interface QueueConfig {
  /** The connection URL (from the backend's environment variable; never printed). */
  url: string;
  /** The backend's schema; the queue lives in `<schema>_queue`. */
  schema: string;
  onStatus?: (s: QueueStatus) => void;
}

/** From now on the planner's solves go through the queue (until `solveElsewhere(undefined)`). */
export function solveOnQueue(config: QueueConfig): void {
  solveElsewhere({ create: () => new QueueSolverPool(config), inFlight: QUEUE_IN_FLIGHT });
}

interface Pending {
  solve: number;
  resolve: (o: SolveOutcome) => void;
  /** Since when it has waited with no live worker in the queue; undefined while a worker holds it. */
  waitingSince?: number;
  timeLimitSeconds: number;
  worker?: string;
}

interface JobRow {
  id: string;
  state: string;
  output: unknown;
  worker: string | null;
  gone: boolean;
}

const failure = (error: string): SolveFailure => ({ ok: false, status: 'error', error, stages: [], seconds: 0 });

export class QueueSolverPool implements SolvePool {
  readonly size = QUEUE_IN_FLIGHT;
  private readonly qs: string;
  private readonly boss: PgBoss;
  private readonly client: pg.Client;
  private readonly ready: Promise<void>;
  private readonly pending = new Map<string, Pending>();
  private readonly id = `plan:${hostname()}:${process.pid}:${Date.now().toString(36)}`;
  private readonly channels: { jobs: string; done: string };
  private timer: NodeJS.Timeout | undefined;
  private polling: Promise<void> = Promise.resolve();
  private inPoll = false;
  /** A worker said it finished one of ours while a poll ran: poll again at once after it. */
  private finishedMeanwhile = false;
  private nextSolve = 0;
  private done = 0;
  private lastStatus = '';
  private closed = false;
  /** Set when the plan's solves were abandoned (no worker, or the database failed): later solves fail at once. */
  private failed: string | undefined;

  constructor(private readonly config: QueueConfig) {
    this.qs = queueSchema(config.schema);
    this.channels = notifyChannels(this.qs);
    this.boss = new PgBoss({ connectionString: config.url, schema: this.qs, max: 2, supervise: false, schedule: false, application_name: 'globe plan' });
    this.boss.on('error', () => undefined); // its operations report their own errors to us
    this.client = new pg.Client({ connectionString: config.url, application_name: 'globe plan' });
    this.client.on('error', () => undefined); // the next query reports it
    this.client.on('notification', (n) => {
      if (n.channel === this.channels.done && n.payload === this.id) this.workerFinished();
    });
    this.ready = this.start();
    this.ready.catch(() => undefined); // reported by solve()
  }

  private async start(): Promise<void> {
    await this.client.connect();
    await ensureMembersTable(this.client, this.qs);
    await this.boss.start();
    await this.boss.createQueue(QUEUE);
    await joinMembers(this.client, this.qs, this.id, 'plan', hostname());
    await listen(this.client, this.channels.done);
  }

  async solve(model: PackedModel, stageInputs: StageInput[], options: SolveOptions): Promise<SolveOutcome> {
    if (this.closed) return failure('the solver pool is closed');
    if (this.failed) return failure(this.failed);
    const solve = ++this.nextSolve;
    try {
      await this.ready;
      const request = requestToWire({ model, stages: stageInputs.map(sparseStage), start: options.start, timeLimitSeconds: options.timeLimitSeconds, gapLimit: options.gapLimit, absGapLimit: options.absGapLimit, lpBound: options.lpBound });
      // pg-boss's own expiry is a backstop for a worker that is alive but stuck: the solve's time limit, its
      // LP grace and HiGHS's backstop for a first plan (highs-worker.js), and a minute. Earlier solves first
      // (a higher priority): the planner waits for them in order.
      const expireInSeconds = Math.ceil(options.timeLimitSeconds * 1.1) + 360;
      const id = await this.boss.send(QUEUE, { plan: this.id, solve, request }, { retryLimit: RETRY_LIMIT, retryDelay: 0, expireInSeconds, priority: -solve });
      if (!id) return failure('the job queue did not take the solve');
      await notify(this.client, this.channels.jobs);
      return await new Promise<SolveOutcome>((resolve) => {
        this.pending.set(id, { solve, resolve, waitingSince: Date.now(), timeLimitSeconds: options.timeLimitSeconds });
        this.report();
        this.schedule();
      });
    } catch (e) {
      return failure(this.message(e));
    }
  }

  /** Stop; solves still waiting end as failures and their jobs are deleted. */
  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    clearTimeout(this.timer);
    await this.polling;
    await this.ready.catch(() => undefined);
    await this.abandon('the solver pool was closed');
    await this.client.query(`DELETE FROM ${this.qs}.globe_members WHERE id = $1`, [this.id]).catch(() => undefined);
    await this.client.end().catch(() => undefined);
    await this.boss.stop({ graceful: false, wait: true, close: true }).catch(() => undefined);
  }

  private schedule(delay = POLL_MS): void {
    if (this.closed || this.timer || this.inPoll || this.pending.size === 0) return;
    this.timer = setTimeout(() => {
      this.timer = undefined;
      this.inPoll = true;
      this.polling = this.poll()
        .catch((e) => this.abandon(this.message(e)))
        .finally(() => {
          this.inPoll = false;
          const again = this.finishedMeanwhile;
          this.finishedMeanwhile = false;
          this.schedule(again ? 0 : POLL_MS);
        });
    }, delay);
  }

  /** A worker stored the outcome of one of our solves (its notification): look now, not at the next poll. */
  private workerFinished(): void {
    if (this.inPoll) {
      this.finishedMeanwhile = true;
      return;
    }
    clearTimeout(this.timer);
    this.timer = undefined;
    this.schedule(0);
  }

  /** One look at this plan's jobs: collect outcomes, re-queue those of vanished workers, time out the unclaimed. */
  private async poll(): Promise<void> {
    await this.client.query(`UPDATE ${this.qs}.globe_members SET seen_at = now() WHERE id = $1`, [this.id]);
    const ids = [...this.pending.keys()];
    const { rows } = await this.client.query<JobRow>(
      `SELECT j.id::text AS id, j.state::text AS state, CASE WHEN j.state = 'completed' THEN j.output END AS output, w.id AS worker, ${memberGone('w')} AS gone ` +
        `FROM ${this.qs}.job j LEFT JOIN ${this.qs}.globe_members w ON w.job_id = j.id AND w.kind = 'worker' WHERE j.name = $1 AND j.id = ANY($2::uuid[])`,
      [QUEUE, ids],
    );
    const byId = new Map(rows.map((r) => [r.id, r]));
    const finished: { id: string; p: Pending; outcome: SolveOutcome }[] = [];
    const now = Date.now();
    // A solve waiting behind others while some worker is alive is queued, not abandoned: the time limit runs
    // only while no live worker is there to take it (at 100,000 × 50, 16 solves in flight on 2 busy workers
    // waited more than a block's 60 s, and the plan failed as if there were no worker at all).
    const waiting = [...this.pending.values()].filter((p) => p.waitingSince !== undefined);
    if (waiting.length > 0 && (await this.anyLiveWorker())) for (const p of waiting) p.waitingSince = now;
    for (const id of ids) {
      const p = this.pending.get(id)!;
      const row = byId.get(id);
      if (!row) finished.push({ id, p, outcome: failure(`solve ${p.solve} disappeared from the job queue (deleted by someone else?)`) });
      else if (row.state === 'completed') finished.push({ id, p, outcome: outcomeFromWire(row.output) });
      else if (row.state === 'failed' || row.state === 'cancelled') {
        const error = `solve ${p.solve} failed on ${RETRY_LIMIT + 1} workers in turn: each stopped before it finished (out of memory, or killed?)`;
        finished.push({ id, p, outcome: { ...failure(error), status: 'crashed' } });
      } else if (row.state === 'active' && row.gone) {
        // pg-boss puts it back in the queue (state retry) for the next worker that asks.
        await this.boss.fail(QUEUE, id, { message: `worker ${row.worker ?? '(unknown)'} is gone` });
        p.worker = undefined;
        p.waitingSince = now;
        this.report({ solve: p.solve, worker: row.worker ?? '(unknown)' });
      } else if (row.state === 'active') {
        p.worker = row.worker ?? '(starting)';
        p.waitingSince = undefined;
      } else if (p.waitingSince !== undefined && now - p.waitingSince > p.timeLimitSeconds * 1000) {
        await this.abandon(
          `no globe worker took solve ${p.solve} within the time limit (${p.timeLimitSeconds} s): start \`globe worker DIR\` on a machine that ` +
            `reaches the database (the same backend block and URL variable as this project); nothing was left in the queue`,
        );
        return;
      }
    }
    if (finished.length > 0) {
      await this.boss.deleteJob(QUEUE, finished.map((f) => f.id));
      for (const f of finished) this.pending.delete(f.id);
      this.done += finished.length;
      for (const f of finished) f.p.resolve(f.outcome);
    }
    this.report();
  }

  /** Whether a `globe worker` of this queue is alive now (its session open, seen within EXPIRY_SECONDS). */
  private async anyLiveWorker(): Promise<boolean> {
    const { rows } = await this.client.query<{ n: number }>(`SELECT count(*)::int AS n FROM ${this.qs}.globe_members w WHERE w.kind = 'worker' AND NOT ${memberGone('w')}`);
    return rows[0].n > 0;
  }

  /** Delete every job of this plan still in the queue, then fail their solves with `error`. */
  private async abandon(error: string): Promise<void> {
    const ids = [...this.pending.keys()];
    if (ids.length === 0) return;
    const waiting = [...this.pending.values()];
    this.pending.clear();
    this.failed = error;
    try {
      await this.boss.deleteJob(QUEUE, ids);
    } finally {
      for (const p of waiting) p.resolve(failure(error));
    }
  }

  /** Tell the caller when the picture changed (or a solve was re-queued: always). */
  private report(requeued?: QueueStatus['requeued']): void {
    const all = [...this.pending.values()];
    const running = all.filter((p) => p.worker !== undefined).map((p) => ({ solve: p.solve, worker: p.worker! })).sort((a, b) => a.solve - b.solve);
    const status: QueueStatus = { queued: all.length - running.length, running, done: this.done, ...(requeued ? { requeued } : {}) };
    const key = JSON.stringify(status);
    if (key === this.lastStatus && !requeued) return;
    this.lastStatus = key;
    this.config.onStatus?.(status);
  }

  private message(e: unknown): string {
    return maskUrl(`the job queue (PostgreSQL): ${(e as Error).message}`, this.config.url);
  }
}
