/**
 * Block solves on the job queue (`globe plan --workers queue`, `globe worker`)
 * against a throwaway PostgreSQL: real worker processes, one killed with
 * SIGKILL while it holds a block; the plan's bytes are the in-process plan's.
 * Waits are for events (a row in the members table, a line of output), never
 * for a fixed time.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { generateWorld } from '../../bench/generate-world.js';
import { writeProject } from '../../bench/write-project.js';
import { CLI, ensureBuilt, globe, ROOT } from '../support/cli.js';
import { startCluster, type Cluster } from '../../bench/throwaway-postgres.js';
import { copyExample } from '../support/examples.js';
import { ensureMembersTable, joinMembers } from '../../planner/distribute/queue-schema.js';

let cluster: Cluster;
let env: NodeJS.ProcessEnv;
let db: pg.Client;
const dirs: string[] = [];
const children: ChildProcess[] = [];

beforeAll(async () => {
  ensureBuilt();
  cluster = await startCluster();
  env = { GLOBE_TEST_PG: cluster.url };
  db = new pg.Client({ connectionString: cluster.url });
  await db.connect();
}, 120_000);

afterAll(async () => {
  for (const c of children) if (c.exitCode === null && c.signalCode === null) c.kill('SIGKILL');
  await db?.end();
  cluster?.stop();
  for (const d of dirs) rmSync(d, { recursive: true, force: true });
});

const tempDir = (prefix: string) => {
  const d = mkdtempSync(join(tmpdir(), prefix));
  dirs.push(d);
  return d;
};

/** A generated world of 120 tenants (three blocks of ~50) on the postgres backend, its state pushed. */
function worldProject(schema: string): string {
  const dir = tempDir('globe-queue-');
  const world = generateWorld({ tenants: 120, regions: 6, resources: 3, seed: 19 });
  writeProject(dir, world.dsl, world.current);
  writeFileSync(join(dir, 'backend.globe'), `backend postgres { url_env = GLOBE_TEST_PG  schema = ${schema} }\n`);
  expect(globe(['init', dir], { env }).code).toBe(0);
  const pushed = globe(['state', 'push', join(dir, '.globe', 'state.json'), dir, '--force'], { env });
  expect(pushed.code, pushed.stderr).toBe(0);
  return dir;
}

interface Proc {
  child: ChildProcess;
  stdout: () => string;
  stderr: () => string;
  exited: Promise<number | null>;
  /** Resolves once stdout holds `text`. */
  said: (text: string) => Promise<void>;
}

function run(args: string[], extraEnv: NodeJS.ProcessEnv = {}): Proc {
  const child = spawn(process.execPath, [CLI, ...args], { cwd: ROOT, env: { ...process.env, NO_COLOR: '1', CI: 'true', ...env, ...extraEnv } });
  children.push(child);
  let out = '';
  let err = '';
  const waiters: { text: string; resolve: () => void }[] = [];
  child.stdout!.on('data', (d: Buffer) => {
    out += d.toString();
    for (const w of waiters.filter((w) => out.includes(w.text))) w.resolve();
  });
  child.stderr!.on('data', (d: Buffer) => (err += d.toString()));
  const exited = new Promise<number | null>((resolve) => child.on('exit', (code) => resolve(code)));
  return {
    child,
    stdout: () => out,
    stderr: () => err,
    exited,
    said: (text) =>
      new Promise<void>((resolve, reject) => {
        if (out.includes(text)) return resolve();
        waiters.push({ text, resolve });
        void exited.then(() => reject(new Error(`exited before saying ${text}: ${out}${err}`)));
      }),
  };
}

const worker = (dir: string, name: string, extraEnv: NodeJS.ProcessEnv = {}) => run(['worker', dir, '--name', name], extraEnv);

/** Poll the members table until `worker` holds a job: the event that it is mid-block. */
async function holdsJob(qs: string, name: string): Promise<void> {
  for (;;) {
    const r = await db.query(`SELECT job_id FROM ${qs}.globe_members WHERE id = $1`, [name]).catch(() => ({ rows: [] as { job_id: string | null }[] }));
    if (r.rows[0]?.job_id) return;
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}

async function jobsLeft(qs: string): Promise<number> {
  const r = await db.query(`SELECT (SELECT count(*) FROM ${qs}.job)::int + (SELECT count(*) FROM ${qs}.archive)::int AS n`);
  return r.rows[0].n as number;
}

describe('block solves on the job queue', () => {
  it('gives the in-process plan byte for byte with 3 workers, one SIGKILLed mid-block, and with 1 worker (another SIGTERMed mid-block); leaves the queue empty', async () => {
    const dir = worldProject('q-kill');
    const qs = 'q_kill_queue';
    const local = globe(['plan', dir, '--out', join(dir, 'local.json')], { env });
    expect(local.code, local.stderr).toBe(0);

    // The victim holds its first job (the test delay) until it is killed.
    const victim = worker(dir, 'victim', { GLOBE_TEST_SOLVE_DELAY_MS: '600000' });
    await victim.said('is taking block solves');
    const plan = run(['plan', dir, '--workers', 'queue', '--out', join(dir, 'queue.json')]);
    await holdsJob(qs, 'victim');
    const others = [worker(dir, 'w2'), worker(dir, 'w3')];
    await Promise.all(others.map((w) => w.said('is taking block solves')));
    victim.child.kill('SIGKILL');
    expect(await plan.exited, plan.stderr()).toBe(0);
    expect(readFileSync(join(dir, 'queue.json'), 'utf8')).toBe(readFileSync(join(dir, 'local.json'), 'utf8'));
    expect(plan.stderr()).toContain('goes back to the queue: worker victim is gone');
    expect(plan.stderr()).toMatch(/running \(solve \d+ on (victim|w2|w3)/);
    const solved = others.flatMap((w) => w.stdout().split('\n')).filter((l) => / solve \d+ of plan:.* in [0-9.]+ s$/.test(l));
    expect(solved.length).toBeGreaterThanOrEqual(3);
    expect(await jobsLeft(qs)).toBe(0);

    // Stopped with SIGTERM while idle: exit 0, their rows gone.
    for (const w of others) w.child.kill('SIGTERM');
    for (const w of others) expect(await w.exited).toBe(0);
    expect(others[0].stdout()).toContain('worker w2 stopped');
    const members = await db.query(`SELECT id FROM ${qs}.globe_members WHERE kind = 'worker' AND id <> 'victim'`);
    expect(members.rows).toEqual([]);

    // A worker stopped with SIGTERM mid-block hands its job back; one worker alone finishes: the same bytes again.
    const polite = worker(dir, 'polite', { GLOBE_TEST_SOLVE_DELAY_MS: '600000' });
    await polite.said('is taking block solves');
    const again = run(['plan', dir, '--workers', 'queue', '--out', join(dir, 'single.json')]);
    await holdsJob(qs, 'polite');
    const single = worker(dir, 'single');
    await single.said('is taking block solves');
    polite.child.kill('SIGTERM');
    expect(await polite.exited).toBe(0);
    expect(await again.exited, again.stderr()).toBe(0);
    expect(readFileSync(join(dir, 'single.json'), 'utf8')).toBe(readFileSync(join(dir, 'local.json'), 'utf8'));
    expect(polite.stdout()).not.toMatch(/ solve \d+ of /);
    expect(again.stderr()).not.toContain('worker polite is gone'); // handed back by the worker, not found dead by the plan
    expect(await jobsLeft(qs)).toBe(0);
    single.child.kill('SIGTERM');
    expect(await single.exited).toBe(0);
  }, 240_000);

  it('fails clearly after --time-limit when no worker takes the solves, and leaves nothing in the queue', async () => {
    const dir = worldProject('q-none');
    const r = globe(['plan', dir, '--workers', 'queue', '--time-limit', '2s'], { env });
    expect(r.code).toBe(1);
    expect(r.stderr).toContain('globe: no globe worker took solve 1 within the time limit (2 s)');
    expect(r.stderr).toContain('nothing was left in the queue');
    expect(r.stderr).not.toContain(cluster.url);
    expect(await jobsLeft('q_none_queue')).toBe(0);
  }, 120_000);

  it('keeps waiting past --time-limit while a live worker is busy, and plans once one takes the solves', async () => {
    const dir = worldProject('q-busy');
    const qs = 'q_busy_queue';
    // A live worker that takes nothing (busy elsewhere): a member row held by this test's own session.
    await ensureMembersTable(db, qs);
    await joinMembers(db, qs, 'busy-elsewhere', 'worker', 'test');
    // --fail-on none: under load a block may stop at its 1 s time limit, which is not what this test is about.
    const plan = run(['plan', dir, '--workers', 'queue', '--time-limit', '1s', '--fail-on', 'none', '--out', join(dir, 'busy.json')]);
    // The event: the plan has looked at its jobs when one had waited twice its time limit.
    for (;;) {
      await db.query(`UPDATE ${qs}.globe_members SET seen_at = now() WHERE id = 'busy-elsewhere'`);
      const r = await db
        .query(`SELECT 1 FROM ${qs}.globe_members m, ${qs}.job j WHERE m.kind = 'plan' AND m.seen_at > j.created_on + interval '2 seconds' LIMIT 1`)
        .catch(() => ({ rows: [] }));
      if (r.rows.length > 0 || plan.child.exitCode !== null) break;
      await new Promise((resolve) => setTimeout(resolve, 50));
    }
    expect(plan.child.exitCode, plan.stderr()).toBeNull();
    const taker = worker(dir, 'taker');
    expect(await plan.exited, plan.stderr()).toBe(0);
    expect(JSON.parse(readFileSync(join(dir, 'busy.json'), 'utf8')).placement.solver.blocks.count).toBeGreaterThan(1);
    await db.query(`DELETE FROM ${qs}.globe_members WHERE id = 'busy-elsewhere'`);
    taker.child.kill('SIGTERM');
    expect(await taker.exited).toBe(0);
    expect(await jobsLeft(qs)).toBe(0);
  }, 240_000);

  it('wakes each side by notification: a queued solve on <queue>_jobs, each stored outcome on <queue>_done for the plan that sent it', async () => {
    const dir = worldProject('q-notify');
    const qs = 'q_notify_queue';
    const listener = new pg.Client({ connectionString: cluster.url });
    await listener.connect();
    try {
      const heard: { channel: string; payload: string }[] = [];
      listener.on('notification', (n) => heard.push({ channel: n.channel, payload: n.payload ?? '' }));
      await listener.query(`LISTEN ${qs}_jobs`);
      await listener.query(`LISTEN ${qs}_done`);
      const w = worker(dir, 'notifier');
      await w.said('is taking block solves');
      const plan = run(['plan', dir, '--workers', 'queue', '--out', join(dir, 'notify.json')]);
      expect(await plan.exited, plan.stderr()).toBe(0);
      // Every NOTIFY the worker sends comes before it logs the solve, and before it stops.
      w.child.kill('SIGTERM');
      expect(await w.exited).toBe(0);
      await listener.query('SELECT 1'); // a round trip delivers what is pending
      const solved = w.stdout().split('\n').filter((l) => / solve \d+ of plan:.* in [0-9.]+ s$/.test(l));
      expect(solved.length).toBeGreaterThanOrEqual(3);
      const done = heard.filter((n) => n.channel === `${qs}_done`);
      expect(done).toHaveLength(solved.length);
      const planId = / of (plan:\S+):/.exec(solved[0])![1];
      expect(new Set(done.map((n) => n.payload))).toEqual(new Set([planId]));
      expect(heard.filter((n) => n.channel === `${qs}_jobs`)).toHaveLength(solved.length);
    } finally {
      await listener.end();
    }
  }, 120_000);

  it('a worker drops, unsolved, the jobs of a plan that was killed', async () => {
    const dir = worldProject('q-orphan');
    const qs = 'q_orphan_queue';
    const plan = run(['plan', dir, '--workers', 'queue']);
    for (;;) {
      const r = await db.query(`SELECT count(*)::int AS n FROM ${qs}.job`).catch(() => ({ rows: [{ n: 0 }] }));
      if (r.rows[0].n > 0) break;
      await new Promise((resolve) => setTimeout(resolve, 50));
    }
    plan.child.kill('SIGKILL');
    await plan.exited;
    // The event the worker's check relies on: PostgreSQL has ended the dead plan's sessions.
    for (;;) {
      const r = await db.query(`SELECT count(*)::int AS n FROM pg_stat_activity WHERE application_name = 'globe plan'`);
      if (r.rows[0].n === 0) break;
      await new Promise((resolve) => setTimeout(resolve, 50));
    }
    const w = worker(dir, 'sweeper');
    await w.said('skipped: the plan that sent it is gone');
    for (;;) {
      if ((await jobsLeft(qs)) === 0) break;
      await new Promise((resolve) => setTimeout(resolve, 50));
    }
    expect(w.stdout()).not.toMatch(/ solve \d+ of /);
    w.child.kill('SIGTERM');
    expect(await w.exited).toBe(0);
  }, 120_000);

  it('refuses --workers queue on the file backend, and globe worker without the postgres backend', () => {
    const dir = tempDir('globe-queue-file-');
    copyExample(join(ROOT, 'examples', 'quickstart'), dir);
    const plan = globe(['plan', dir, '--workers', 'queue']);
    expect(plan.code).toBe(1);
    expect(plan.stderr).toContain('--workers queue needs the postgres backend');
    const w = globe(['worker', dir]);
    expect(w.code).toBe(1);
    expect(w.stderr).toContain('globe worker needs the postgres backend');
  });
});
