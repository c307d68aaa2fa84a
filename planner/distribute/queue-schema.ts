/**
 * What the coordinator (`globe plan --workers queue`) and the workers
 * (`globe worker`) agree on: the pg-boss schema and queue, the timings of
 * the liveness rules, and the one table of globe's own beside pg-boss's:
 * who is alive and which job each worker holds. pg-boss knows when a job
 * started but not who took it; a plan shows that, and re-queues the job of a
 * worker that is gone.
 */
import type pg from 'pg';

/** The pg-boss queue all block solves go through. */
export const QUEUE = 'globe-solve';
/** Workers and coordinators refresh their row this often. */
export const HEARTBEAT_SECONDS = 2;
/**
 * A worker not seen for this long is gone (a machine that lost power or its
 * network), and its job is re-queued. One whose database connection has
 * closed (a killed process) is gone at once: PostgreSQL drops the session.
 */
export const EXPIRY_SECONDS = 15;
/**
 * How often an idle worker asks for a job, and a coordinator for its jobs' states, when no
 * notification wakes it first (notifyChannels): the backstop for a lost notification and the
 * clock of the liveness rules.
 */
export const POLL_MS = 250;
/** Times a job is re-queued after its worker vanished before the plan gives up on it. */
export const RETRY_LIMIT = 3;

/** The pg-boss schema of a backend schema (pg-boss takes letters, digits and underscores only). */
export function queueSchema(backendSchema: string): string {
  const name = `${backendSchema.replace(/-/g, '_')}_queue`;
  if (!/^[a-z_][a-z0-9_]{0,49}$/.test(name)) throw new Error(`the backend schema ${backendSchema} is too long for a job queue schema (${name}: at most 50 characters)`);
  return name;
}

/**
 * PostgreSQL notifications (LISTEN/NOTIFY) that wake a waiting side at once instead of at its
 * next poll: `jobs` when a plan queued a solve (workers listen), `done` when a worker stored an
 * outcome (its payload is the plan's member id; that plan listens). At 520 solves for 10,000
 * tenants, up to a poll interval per solve on each side was the queue's overhead.
 */
export function notifyChannels(schema: string): { jobs: string; done: string } {
  return { jobs: `${schema}_jobs`, done: `${schema}_done` };
}

/** LISTEN on a channel (an identifier: quoted, since LISTEN takes no parameters). */
export async function listen(client: pg.Client, channel: string): Promise<void> {
  await client.query(`LISTEN ${client.escapeIdentifier(channel)}`);
}

/** NOTIFY a channel (pg_notify takes the channel as a value). */
export async function notify(client: pg.Client, channel: string, payload = ''): Promise<void> {
  await client.query('SELECT pg_notify($1, $2)', [channel, payload]);
}

/** Created once, under a lock: several workers starting together must not race on CREATE. */
export async function ensureMembersTable(client: pg.Client, schema: string): Promise<void> {
  await client.query('BEGIN');
  try {
    await client.query(`SELECT pg_advisory_xact_lock(hashtext($1))`, [`globe-queue:${schema}`]);
    await client.query(`CREATE SCHEMA IF NOT EXISTS ${schema}`);
    await client.query(
      `CREATE TABLE IF NOT EXISTS ${schema}.globe_members (id text PRIMARY KEY, kind text NOT NULL, host text NOT NULL, pid integer NOT NULL, ` +
        `backend_pid integer NOT NULL, seen_at timestamptz NOT NULL DEFAULT now(), job_id uuid, job_since timestamptz)`,
    );
    await client.query('COMMIT');
  } catch (e) {
    await client.query('ROLLBACK').catch(() => undefined);
    throw e;
  }
}

/** Register (or take over) a member row; its liveness is this session (pg_backend_pid) and seen_at. */
export async function joinMembers(client: pg.Client, schema: string, id: string, kind: 'worker' | 'plan', host: string): Promise<void> {
  await client.query(
    `INSERT INTO ${schema}.globe_members (id, kind, host, pid, backend_pid) VALUES ($1, $2, $3, $4, pg_backend_pid()) ` +
      `ON CONFLICT (id) DO UPDATE SET kind = $2, host = $3, pid = $4, backend_pid = pg_backend_pid(), seen_at = now(), job_id = NULL, job_since = NULL`,
    [id, kind, host, process.pid],
  );
}

/** SQL: whether the member row `m` is gone (no session, or not seen within EXPIRY_SECONDS). */
export function memberGone(m: string): string {
  return `(${m}.id IS NULL OR ${m}.seen_at < now() - interval '${EXPIRY_SECONDS} seconds' OR NOT EXISTS (SELECT 1 FROM pg_stat_activity a WHERE a.pid = ${m}.backend_pid))`;
}
