/**
 * `globe worker`: takes block solves from the queue (queue-pool.ts) one at a
 * time and solves them in a worker thread with the same code as an
 * in-process plan (SolverPool, highs-worker.js). The job is taken and the
 * worker's member row names it in one transaction, so a plan always sees who
 * holds each running job. A heartbeat keeps the row fresh; when this process
 * dies, its session closes and the plan re-queues the job at once.
 */
import { hostname } from 'node:os';
import pg from 'pg';
import PgBoss from 'pg-boss';
import { maskUrl } from '../../lang/mask-url.js';
import { SolverPool, type SolveOutcome } from '../solve/solve.js';
import { ensureMembersTable, HEARTBEAT_SECONDS, joinMembers, listen, memberGone, notify, notifyChannels, POLL_MS, QUEUE, queueSchema } from './queue-schema.js';
import { outcomeToWire, requestFromWire } from './wire.js';

export interface WorkerConfig {
  url: string;
  /** The backend's schema (the queue lives in `<schema>_queue`). */
  schema: string;
  /** How this worker is shown in plans and logs; default host:pid. */
  name?: string;
  /** One line per job (and start/stop), without a newline. */
  log: (line: string) => void;
}

export interface RunningWorker {
  name: string;
  /** Resolves when the worker has stopped (after stop(), or a lost database). */
  stopped: Promise<void>;
  /** Finish nothing more: a job in hand goes back to the queue for another worker. */
  stop(): Promise<void>;
}

interface Job {
  id: string;
  data: { plan: string; solve: number; request: unknown };
}

/** GLOBE_TEST_SOLVE_DELAY_MS: tests hold a job this long before solving it, so that a kill lands mid-job. */
const testDelayMs = Number(process.env.GLOBE_TEST_SOLVE_DELAY_MS ?? 0);

export class WorkerError extends Error {}

export async function startWorker(config: WorkerConfig): Promise<RunningWorker> {
  const qs = queueSchema(config.schema);
  const channels = notifyChannels(qs);
  const name = config.name ?? `${hostname()}:${process.pid}`;
  const hide = (e: unknown) => new WorkerError(maskUrl(`the job queue (PostgreSQL): ${(e as Error).message}`, config.url));
  const client = new pg.Client({ connectionString: config.url, application_name: 'globe worker' });
  const boss = new PgBoss({ connectionString: config.url, schema: qs, max: 2, supervise: true, schedule: false, application_name: 'globe worker' });
  boss.on('error', () => undefined); // maintenance errors are retried by pg-boss; ours surface from our own queries
  try {
    await client.connect();
    await ensureMembersTable(client, qs);
    await boss.start();
    await boss.createQueue(QUEUE);
    await joinMembers(client, qs, name, 'worker', hostname());
    await listen(client, channels.jobs);
  } catch (e) {
    await client.end().catch(() => undefined);
    await boss.stop({ graceful: false, close: true }).catch(() => undefined);
    throw hide(e);
  }
  const pool = new SolverPool(1);
  pool.load();
  let stopping = false;
  let held: string | undefined;
  let wake: (() => void) | undefined;
  let lost: Error | undefined;
  const heartbeat = setInterval(() => {
    client.query(`UPDATE ${qs}.globe_members SET seen_at = now() WHERE id = $1`, [name]).catch(() => undefined);
  }, HEARTBEAT_SECONDS * 1000);
  /** Ends the idle wait when a plan queues a solve (not the test delay of a job in hand). */
  let jobQueued: (() => void) | undefined;
  client.on('notification', (n) => {
    if (n.channel === channels.jobs) jobQueued?.();
  });
  client.on('error', (e) => {
    lost = hide(e);
    stopping = true;
    wake?.();
  });

  const pause = (ms: number) =>
    new Promise<void>((resolve) => {
      const t = setTimeout(resolve, ms);
      wake = () => (clearTimeout(t), resolve());
    });

  /** Take the next job and name it in our row, in one transaction. */
  const take = async (): Promise<Job | undefined> => {
    await client.query('BEGIN');
    try {
      const db = { executeSql: (text: string, values: unknown[]) => client.query(text, values) };
      const [job] = (await boss.fetch(QUEUE, { batchSize: 1, db })) as unknown as Job[];
      if (job) await client.query(`UPDATE ${qs}.globe_members SET job_id = $2, job_since = now(), seen_at = now() WHERE id = $1`, [name, job.id]);
      await client.query('COMMIT');
      return job;
    } catch (e) {
      await client.query('ROLLBACK').catch(() => undefined);
      throw e;
    }
  };

  const planGone = async (plan: string): Promise<boolean> => {
    const r = await client.query(`SELECT ${memberGone('p')} AS gone FROM (SELECT 1) one LEFT JOIN ${qs}.globe_members p ON p.id = $1`, [plan]);
    return r.rows[0].gone as boolean;
  };

  /** Solve one job and store its outcome; false when stopped first (the job then goes back to the queue). */
  const work = async (job: Job): Promise<boolean> => {
    const started = Date.now();
    if (await planGone(job.data.plan)) {
      await boss.deleteJob(QUEUE, job.id);
      config.log(`${job.id} skipped: the plan that sent it is gone`);
      return true;
    }
    if (testDelayMs > 0) await pause(testDelayMs);
    if (stopping) return false;
    let size = '?';
    let outcome: SolveOutcome;
    try {
      const request = requestFromWire(job.data.request);
      size = `${request.model.numRows}×${request.model.numCols}`;
      outcome = await pool.solve(request.model, request.stages, { timeLimitSeconds: request.timeLimitSeconds, gapLimit: request.gapLimit, absGapLimit: request.absGapLimit, start: request.start, lpBound: request.lpBound });
    } catch (e) {
      // A request this worker cannot read fails the same on every worker: an outcome, not a retry.
      outcome = { ok: false, status: 'error', error: `the worker could not read the solve request: ${(e as Error).message}`, stages: [], seconds: 0 };
    }
    if (stopping) return false; // stopped mid-solve: the outcome is the pool's shutdown, not the model's
    await boss.complete(QUEUE, job.id, outcomeToWire(outcome) as object);
    await notify(client, channels.done, job.data.plan);
    const seconds = ((Date.now() - started) / 1000).toFixed(2);
    config.log(`${job.id} solve ${job.data.solve} of ${job.data.plan}: ${size}, ${outcome.ok ? outcome.status : `failed (${outcome.status})`} in ${seconds} s`);
    return true;
  };

  const loop = async (): Promise<void> => {
    while (!stopping) {
      const job = await take();
      if (!job) {
        const idle = pause(POLL_MS);
        jobQueued = wake;
        await idle;
        jobQueued = undefined;
        continue;
      }
      held = job.id;
      const finished = await work(job);
      // Handed back (state retry) for another worker at once, rather than waiting for a plan to notice.
      if (!finished) await boss.fail(QUEUE, job.id, { message: `worker ${name} stopped` });
      held = undefined;
      await client.query(`UPDATE ${qs}.globe_members SET job_id = NULL, job_since = NULL WHERE id = $1`, [name]);
    }
  };

  const cleanUp = async (): Promise<void> => {
    clearInterval(heartbeat);
    // A job still held (the database failed mid-job) goes back to the queue when a plan sees this session gone.
    if (!lost) await client.query(`DELETE FROM ${qs}.globe_members WHERE id = $1`, [name]).catch(() => undefined);
    await client.end().catch(() => undefined);
    await boss.stop({ graceful: false, close: true, wait: true }).catch(() => undefined);
    await pool.close();
  };

  const stopped = loop()
    .catch((e) => {
      lost ??= hide(e);
    })
    .finally(cleanUp)
    .then(() => {
      if (lost) throw lost;
    });
  config.log(`worker ${name} is taking block solves from ${qs} (queue ${QUEUE})`);
  return {
    name,
    stopped,
    stop: async () => {
      stopping = true;
      wake?.();
      if (held) void pool.close(); // do not wait for the solve: the job goes back to the queue
      await stopped.catch(() => undefined);
    },
  };
}
