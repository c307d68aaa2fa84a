/**
 * The `postgres` backend: one shared world for many teams and CI runners.
 * State rows are versioned (lineage, serial) with full history; the lock is a
 * session advisory lock, so a dead client's lock vanishes with its
 * connection; the journal is a table, and `capacity_intents` keeps one row
 * per move — a timeline of upcoming capacity changes other systems can read.
 * The connection URL comes from an environment variable and never appears
 * in files, plans, logs or errors.
 */
import { randomUUID } from 'node:crypto';
import { hostname, userInfo } from 'node:os';
import pg from 'pg';
import type { Move } from '../../schemas/plan.js';
import { applyMove } from '../../schemas/apply-move.js';
import type { BackendCapabilities, OpenBackend, QueueDatabase } from '../backend.js';
import { replayRecords, type JournalRecord, type JournalReplay, type JournalStore } from '../journal.js';
import { LockError, type HeldLock, type LockInfo, type LockWaitListener } from '../lock.js';
import { stateProblem } from '../state-file.js';
import { emptyDeployment, STATE_VERSION, type Deployment, type IntentDigests, type State } from '../../schemas/state.js';
import { maskUrl } from '../../lang/mask-url.js';
import { GlobeError } from '../../schemas/diagnostic.js';
import { BackendUnavailable } from './unavailable.js';

/** The schema version this globe writes; migrations bring older schemas up to it. */
export const SCHEMA_VERSION = 1;

export class PostgresError extends GlobeError {
  readonly code = 'postgres';
}

/** A server that does not answer is reported, not waited for forever. */
const CONNECT_TIMEOUT_MS = 15_000;

const MIGRATIONS: Record<number, (s: string) => string[]> = {
  1: (s) => [
    `CREATE TABLE ${s}.states (lineage text NOT NULL, serial integer NOT NULL, document jsonb NOT NULL, written_at timestamptz NOT NULL DEFAULT now(), PRIMARY KEY (lineage, serial))`,
    `CREATE TABLE ${s}.journal (seq bigserial PRIMARY KEY, plan_id text NOT NULL, record jsonb NOT NULL, at timestamptz NOT NULL DEFAULT now())`,
    `CREATE INDEX journal_plan ON ${s}.journal (plan_id, seq)`,
    `CREATE TABLE ${s}.capacity_intents (plan_id text NOT NULL, move_id text NOT NULL, kind text NOT NULL, subject text NOT NULL, region text, resource text, from_value double precision, to_value double precision, state text NOT NULL, estimated_seconds double precision, updated_at timestamptz NOT NULL DEFAULT now(), PRIMARY KEY (plan_id, move_id))`,
    `CREATE TABLE ${s}.lock_holder (id text NOT NULL, who text NOT NULL, operation text NOT NULL, since timestamptz NOT NULL, pid integer NOT NULL)`,
  ],
};

function quoteIdent(name: string): string {
  if (!/^[a-z_][a-z0-9_-]*$/.test(name)) throw new PostgresError(`invalid schema name ${name}`);
  return `"${name}"`;
}


/**
 * What failed, said plainly: the pg driver's own messages range from clear to "Connection
 * terminated unexpectedly", and "run `globe init`" is the answer only when the schema is missing.
 * The URL is never part of the answer (only which variable it came from).
 */
export function describeFailure(e: unknown, url: string, urlEnv: string): string {
  const err = e as { code?: string; message?: string };
  const from = `the connection URL in ${urlEnv}`;
  switch (err.code) {
    case '28P01':
      return `PostgreSQL refused the password: check the user and password in ${from}`;
    case '28000':
      return `PostgreSQL refused the user of ${from} (no pg_hba.conf entry allows it, or the role may not log in)`;
    case '3D000':
      return `the database named in ${from} does not exist on that server (create it, or fix the URL)`;
    case 'ECONNREFUSED':
      return `connection refused: no PostgreSQL server is listening at the host and port of ${from}`;
    case 'ENOTFOUND':
    case 'EAI_AGAIN':
      return `unknown host: the host name in ${from} does not resolve`;
    case 'ETIMEDOUT':
    case 'EHOSTUNREACH':
    case 'ENETUNREACH':
      return `cannot reach the host of ${from} (${err.code})`;
    case '42501':
      return maskUrl(`PostgreSQL: permission denied (${err.message ?? ''}): grant the user of ${from} access to the schema`, url);
    default:
      if (/timeout/i.test(err.message ?? '')) return `connecting to the server of ${from} timed out`;
      return maskUrl(`PostgreSQL: ${err.message ?? String(e)}`, url);
  }
}

/** Failures that mean the server was not reached or would not let globe in: BackendUnavailable, not PostgresError. */
const UNREACHABLE = new Set(['28P01', '28000', '3D000', 'ECONNREFUSED', 'ENOTFOUND', 'EAI_AGAIN', 'ETIMEDOUT', 'EHOSTUNREACH', 'ENETUNREACH']);

function isUnreachable(e: unknown): boolean {
  const err = e as { code?: string; message?: string };
  return (err.code !== undefined && UNREACHABLE.has(err.code)) || (err.code === undefined && /timeout/i.test(err.message ?? ''));
}

export function connectionUrl(urlEnv: string, env: NodeJS.ProcessEnv = process.env): string {
  const url = env[urlEnv];
  if (!url) throw new PostgresError(`the postgres backend reads its connection URL from the environment variable ${urlEnv}, which is not set`);
  return url;
}

export const POSTGRES_CAPABILITIES: BackendCapabilities = {
  serialPerMove: true,
  hookProcesses: false,
  validateGates: false,
  sharedWriters: true,
  statePush: true,
  plannedFrom: true,
  needsInit: true,
  sharedQueue: true,
  forceUnlock: false,
};

/** The postgres backend of a project: its URL from the environment variable the config names. */
export function openPostgresBackend(config: { urlEnv: string; schema: string }, env: NodeJS.ProcessEnv): PostgresBackend {
  return new PostgresBackend(connectionUrl(config.urlEnv, env), config.schema, config.urlEnv);
}

export class PostgresBackend implements OpenBackend {
  readonly name = 'postgres' as const;
  readonly capabilities = POSTGRES_CAPABILITIES;
  private readonly pool: pg.Pool;
  private readonly s: string;
  private ready: Promise<void> | undefined;

  constructor(
    private readonly url: string,
    readonly schema: string,
    private readonly urlEnv = 'GLOBE_PG_URL',
  ) {
    this.pool = new pg.Pool({ connectionString: url, max: 4, connectionTimeoutMillis: CONNECT_TIMEOUT_MS });
    this.pool.on('error', () => undefined); // a dropped idle connection is replaced on next use
    this.s = quoteIdent(schema);
  }

  private async q<T extends pg.QueryResultRow>(sql: string, params: unknown[] = []): Promise<pg.QueryResult<T>> {
    try {
      return await this.pool.query<T>(sql, params);
    } catch (e) {
      throw this.failure(e);
    }
  }

  private failure(e: unknown): PostgresError | BackendUnavailable {
    if (e instanceof PostgresError || e instanceof BackendUnavailable) return e;
    const message = describeFailure(e, this.url, this.urlEnv);
    return isUnreachable(e) ? new BackendUnavailable(message) : new PostgresError(message);
  }

  private connect(): Promise<pg.PoolClient> {
    return this.pool.connect().then(
      (client) => {
        // A connection dropped while checked out (pg_terminate_backend, a restart) emits 'error'
        // on the client; unheard, Node crashes with a stack trace. The query in flight rejects
        // with its own error, which the caller reports, so the event itself says nothing more.
        if (client.listenerCount('error') === 0) client.on('error', () => undefined);
        return client;
      },
      (e: unknown) => {
        throw this.failure(e);
      },
    );
  }

  /** Create or migrate the schema: idempotent, serialised by an advisory lock, refusing a newer schema. */
  async init(): Promise<{ from: number; to: number; what: string }> {
    const client = await this.connect();
    try {
      await client.query('BEGIN');
      await client.query('SELECT pg_advisory_xact_lock(hashtext($1))', [`globe-migrate:${this.schema}`]);
      await client.query(`CREATE SCHEMA IF NOT EXISTS ${this.s}`);
      await client.query(`CREATE TABLE IF NOT EXISTS ${this.s}.schema_version (version integer NOT NULL, applied_at timestamptz NOT NULL DEFAULT now())`);
      const row = await client.query<{ v: number | null }>(`SELECT max(version) AS v FROM ${this.s}.schema_version`);
      const from = row.rows[0].v ?? 0;
      if (from > SCHEMA_VERSION) {
        throw new PostgresError(`the schema ${this.schema} is at version ${from}, newer than this globe understands (${SCHEMA_VERSION}): upgrade globe`);
      }
      for (let v = from + 1; v <= SCHEMA_VERSION; v++) {
        for (const sql of MIGRATIONS[v](this.s)) await client.query(sql);
        await client.query(`INSERT INTO ${this.s}.schema_version (version) VALUES ($1)`, [v]);
      }
      await client.query('COMMIT');
      return { from, to: SCHEMA_VERSION, what: `Schema ${this.schema}` };
    } catch (e) {
      await client.query('ROLLBACK').catch(() => undefined);
      throw this.failure(e);
    } finally {
      client.release();
    }
  }

  private ensureReady(): Promise<void> {
    this.ready ??= (async () => {
      // A failure to connect says what failed; only a reachable database without the schema needs `globe init`.
      const r = await this.q<{ exists: boolean }>(`SELECT to_regclass($1) IS NOT NULL AS exists`, [`"${this.schema}".schema_version`]);
      const exists = r.rows[0]?.exists;
      if (!exists) throw new PostgresError(`the schema ${this.schema} is not initialised: run \`globe init\``);
      const v = await this.q<{ v: number }>(`SELECT max(version) AS v FROM ${this.s}.schema_version`);
      if (v.rows[0].v !== SCHEMA_VERSION) {
        throw new PostgresError(
          v.rows[0].v > SCHEMA_VERSION ? `the schema ${this.schema} is newer than this globe: upgrade globe` : `the schema ${this.schema} is out of date: run \`globe init\``,
        );
      }
    })();
    // A failed check is not remembered: the next call asks again (the server may be back).
    this.ready.catch(() => (this.ready = undefined));
    return this.ready;
  }

  private latestStateSql(): string {
    return `SELECT document FROM ${this.s}.states ORDER BY serial DESC LIMIT 1`;
  }

  async getState(): Promise<State | null> {
    await this.ensureReady();
    const doc = (await this.q<{ document: State }>(this.latestStateSql())).rows[0]?.document ?? null;
    if (doc) this.check(doc, `the latest state in the schema ${this.schema}`);
    return doc;
  }

  /** Every state read or written is a valid globe state (schemas/state.schema.json and state-validate.ts). */
  private check(doc: State, what: string): void {
    const problem = stateProblem(doc);
    if (problem) throw new PostgresError(`${what} is not a valid globe state: ${problem}`);
  }

  /**
   * Write the next serial. Writers take turns under a transaction-scoped advisory lock: an apply
   * runs several moves at once, and on an empty schema each would otherwise start its own lineage
   * (the key is (lineage, serial), so nothing conflicts) and all but one of their changes would be
   * lost. A writer that does not take the lock (an older globe) still makes the insert conflict,
   * and the write is retried on the new latest state.
   */
  async commit(change: (d: Deployment) => Deployment, lineageIfNew?: string): Promise<State> {
    await this.ensureReady();
    for (let attempt = 0; attempt < 20; attempt++) {
      const client = await this.connect();
      try {
        await client.query('BEGIN');
        await client.query('SELECT pg_advisory_xact_lock(hashtext($1))', [`globe-state-write:${this.schema}`]);
        const current = (await client.query<{ document: State }>(this.latestStateSql())).rows[0]?.document ?? null;
        const next: State = {
          version: STATE_VERSION,
          lineage: current?.lineage ?? lineageIfNew ?? randomUUID(),
          serial: (current?.serial ?? 0) + 1,
          ...change(current ? { tenants: current.tenants, reservations: current.reservations, products: current.products, followers: current.followers } : emptyDeployment()),
        };
        if (current) this.check(current, `the latest state in the schema ${this.schema}`);
        const problem = stateProblem(next);
        if (problem) throw new PostgresError(`refusing to write an invalid state to the schema ${this.schema}: ${problem}`);
        await client.query(`INSERT INTO ${this.s}.states (lineage, serial, document) VALUES ($1, $2, $3)`, [next.lineage, next.serial, JSON.stringify(next)]);
        await client.query('COMMIT');
        return next;
      } catch (e) {
        await client.query('ROLLBACK').catch(() => undefined);
        if ((e as { code?: string }).code !== '23505') throw this.failure(e);
        // unique_violation: someone wrote this serial first — read again and retry
      } finally {
        client.release();
      }
    }
    throw new PostgresError('could not write the state: other writers kept changing it (20 attempts)');
  }

  async execute(move: Move): Promise<void> {
    await this.commit((d) => applyMove(d, move));
  }

  /** Record the intent the state of this serial was planned from (the deployment is unchanged, so no new serial). */
  async recordPlannedFrom(plannedFrom: IntentDigests, serial: number): Promise<void> {
    await this.ensureReady();
    await this.q(`UPDATE ${this.s}.states SET document = document || jsonb_build_object('plannedFrom', $1::jsonb) WHERE serial = $2 AND serial = (SELECT max(serial) FROM ${this.s}.states)`, [JSON.stringify(plannedFrom), serial]);
  }

  /** Replace the state with a document (state push); refuses another lineage unless forced. */
  async push(doc: State, force: boolean, _source = 'the file'): Promise<State> {
    const problem = stateProblem(doc);
    if (problem) throw new PostgresError(`not a globe state: ${problem}`);
    const current = await this.getState();
    if (current && current.lineage !== doc.lineage && !force) {
      throw new PostgresError(`the shared state has lineage ${current.lineage}, the file ${doc.lineage}: they are different worlds (use --force to replace it)`);
    }
    return this.commit(() => ({ tenants: doc.tenants, reservations: doc.reservations, products: doc.products, followers: doc.followers }), doc.lineage);
  }

  journal(planId: string, moves: Move[]): JournalStore {
    return new PostgresJournal(this, planId, moves);
  }

  journalLocation(): string {
    return 'in PostgreSQL';
  }

  /** No move leaves a process behind: there are no hooks to look for. */
  otherJournals(): undefined {
    return undefined;
  }

  /** The job queue lives in this database, in the backend's schema. */
  queue(): QueueDatabase {
    return { url: this.url, schema: this.schema };
  }

  /** The advisory lock ends with its holder's connection: there is never a dead holder's lock to remove. */
  async forceUnlock(): Promise<void> {
    throw new LockError(`the postgres backend's lock is held by a database session and ends with it: the lock of a globe that died is already gone, and there is none to remove (a globe that hangs holds it until it is stopped)`);
  }

  /** Exposed to the journal: queries in this schema. */
  query<T extends pg.QueryResultRow>(sql: (schema: string) => string, params: unknown[] = []): Promise<pg.QueryResult<T>> {
    return this.ensureReady().then(() => this.q<T>(sql(this.s), params));
  }

  async lock(operation: string, timeoutMs: number, onWait?: LockWaitListener): Promise<HeldLock> {
    await this.ensureReady();
    const client = new pg.Client({ connectionString: this.url, connectionTimeoutMillis: CONNECT_TIMEOUT_MS });
    // The advisory lock lives and dies with this session: once it drops, exclusivity is gone.
    let lost = false;
    let released = false;
    client.on('error', () => (lost = true));
    client.on('end', () => (lost = true));
    await client.connect().catch((e: unknown) => {
      throw this.failure(e);
    });
    const key = `globe-state:${this.schema}`;
    const deadline = Date.now() + timeoutMs;
    const holderNow = async (): Promise<LockInfo | undefined> => {
      const holder = await client.query<LockInfo & { since: Date }>(`SELECT id, who, operation, since, pid FROM ${this.s}.lock_holder LIMIT 1`);
      const h = holder.rows[0];
      return h && { ...h, since: new Date(h.since).toISOString() };
    };
    let waiting = false;
    for (;;) {
      const r = await client.query<{ ok: boolean }>('SELECT pg_try_advisory_lock(hashtext($1)) AS ok', [key]);
      if (r.rows[0].ok) break;
      if (!waiting && Date.now() < deadline) (waiting = true), onWait?.(await holderNow());
      if (Date.now() >= deadline) {
        const h = await holderNow();
        await client.end().catch(() => undefined);
        const by = h ? `${h.who} (pid ${h.pid}, ${h.operation}) since ${new Date(h.since).toISOString()}, lock ID ${h.id}` : 'another globe';
        throw new LockError(`the shared state is locked by ${by}. It is released when that globe finishes or its connection drops.`);
      }
      await new Promise((res) => setTimeout(res, 200));
    }
    let who = 'unknown';
    try {
      who = `${userInfo().username}@${hostname()}`;
    } catch {
      who = `unknown@${hostname()}`;
    }
    const info: LockInfo = { id: randomUUID(), who, operation, since: new Date().toISOString(), pid: process.pid };
    await client.query(`DELETE FROM ${this.s}.lock_holder`);
    await client.query(`INSERT INTO ${this.s}.lock_holder (id, who, operation, since, pid) VALUES ($1, $2, $3, $4, $5)`, [info.id, info.who, info.operation, info.since, info.pid]);
    return {
      info,
      lost: () => lost,
      release: async () => {
        // Released once; a session that already dropped took its lock with it, but
        // is still ended here so that no socket (and no lock) outlives the call.
        if (released) return;
        released = true;
        if (!lost) {
          await client.query(`DELETE FROM ${this.s}.lock_holder WHERE id = $1`, [info.id]).catch(() => undefined);
          await client.query('SELECT pg_advisory_unlock(hashtext($1))', [key]).catch(() => undefined);
        }
        lost = true;
        await client.end().catch(() => undefined);
      },
    };
  }

  async close(): Promise<void> {
    await this.pool.end().catch(() => undefined);
  }
}

/** The journal as rows, plus the capacity-intent timeline (one row per move, its latest state). */
class PostgresJournal implements JournalStore {
  constructor(
    private readonly backend: PostgresBackend,
    private readonly planId: string,
    private readonly moves: Move[],
  ) {}

  async read(): Promise<JournalReplay> {
    const r = await this.backend.query<{ record: JournalRecord }>((s) => `SELECT record FROM ${s}.journal WHERE plan_id = $1 ORDER BY seq`, [this.planId]);
    return replayRecords(r.rows.map((row) => row.record));
  }

  async append(record: JournalRecord): Promise<void> {
    await this.backend.query((s) => `INSERT INTO ${s}.journal (plan_id, record) VALUES ($1, $2)`, [this.planId, JSON.stringify(record)]);
    if (record.type === 'start') {
      for (const m of this.moves) {
        const resize = m.kind === 'upsize' || m.kind === 'downsize' ? m : undefined;
        const subject = m.kind === 'route' ? m.tenant : m.kind === 'shift' ? m.product : JSON.stringify(m.subject);
        await this.backend.query(
          (s) =>
            `INSERT INTO ${s}.capacity_intents (plan_id, move_id, kind, subject, region, resource, from_value, to_value, state, estimated_seconds) VALUES ($1,$2,$3,$4,$5,$6,$7,$8,'WAITING',$9) ON CONFLICT (plan_id, move_id) DO NOTHING`,
          [this.planId, m.id, m.kind, subject, resize?.region ?? null, resize?.resource ?? null, resize?.from ?? null, resize?.to ?? null, 1],
        );
      }
    } else if (record.type === 'move') {
      await this.backend.query((s) => `UPDATE ${s}.capacity_intents SET state = $3, updated_at = now() WHERE plan_id = $1 AND move_id = $2`, [this.planId, record.move, record.status]);
    }
  }

  async close(): Promise<void> {
    /* rows are durable as soon as each insert returns */
  }
}
