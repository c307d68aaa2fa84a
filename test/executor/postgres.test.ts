import { spawn, spawnSync } from 'node:child_process';
import { mkdtempSync as mkdtempKept, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { canonicalJson } from '../../lang/canonical-json.js';
import { PostgresBackend } from '../../executor/backends/postgres.js';
import type { State } from '../../schemas/state.js';
import type { Plan } from '../../schemas/plan.js';
import { CLI, ensureBuilt, globe, ROOT } from '../support/cli.js';
import { PASSWORD_USER, startCluster, type Cluster } from '../../bench/throwaway-postgres.js';
import { copyExample } from '../support/examples.js';

let cluster: Cluster;
let env: NodeJS.ProcessEnv;
let schemas = 0;
const dirs: string[] = [];
/** A temporary directory, removed after the tests. */
function mkdtempSync(prefix: string): string {
  const d = mkdtempKept(prefix);
  dirs.push(d);
  return d;
}

beforeAll(async () => {
  ensureBuilt();
  cluster = await startCluster();
  env = { GLOBE_TEST_PG: cluster.url };
}, 120_000);

afterAll(() => {
  cluster?.stop();
  for (const d of dirs) rmSync(d, { recursive: true, force: true });
});

/** The quickstart project on the postgres backend, in a fresh schema. */
function pgProject(): { dir: string; schema: string } {
  const dir = mkdtempSync(join(tmpdir(), 'globe-pgproj-'));
  copyExample(join(ROOT, 'examples', 'quickstart'), dir);
  const schema = `s${++schemas}_${process.pid}`;
  writeFileSync(join(dir, 'backend.globe'), `backend postgres { url_env = GLOBE_TEST_PG  schema = ${schema.replace(/_/g, '-')} }\n`);
  expect(globe(['init', dir], { env }).code).toBe(0);
  return { dir, schema: schema.replace(/_/g, '-') };
}

function pull(dir: string): State {
  const r = globe(['state', 'pull', dir], { env });
  expect(r.code, r.stderr).toBe(0);
  return JSON.parse(r.stdout) as State;
}

const deployment = (s: State) => canonicalJson({ tenants: s.tenants, reservations: s.reservations, products: s.products, followers: s.followers });

describe('the postgres backend', () => {
  it('init creates the schema, is harmless twice, and refuses a newer schema', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'globe-pginit-'));
    copyExample(join(ROOT, 'examples', 'quickstart'), dir);
    writeFileSync(join(dir, 'backend.globe'), 'backend postgres { url_env = GLOBE_TEST_PG  schema = init-test }\n');
    expect(globe(['init', dir], { env }).stdout).toContain('migrated from version 0 to 1');
    expect(globe(['init', dir], { env }).stdout).toContain('up to date (version 1)');
    const client = new pg.Client({ connectionString: cluster.url });
    await client.connect();
    await client.query('INSERT INTO "init-test".schema_version (version) VALUES (99)');
    await client.end();
    const newer = globe(['init', dir], { env });
    expect(newer.code).toBe(1);
    expect(newer.stderr).toContain('newer than this globe understands');
    expect(globe(['plan', dir], { env }).stderr).toContain('newer than this globe');
  });

  it('plans and applies against the shared state, keeps history and a capacity-intent timeline', async () => {
    const { dir, schema } = pgProject();
    expect(globe(['plan', dir, '--out', join(dir, 'p.json')], { env }).code).toBe(0);
    const applied = globe(['apply', join(dir, 'p.json'), '--project', dir], { env });
    expect(applied.code, applied.stderr).toBe(0);
    expect(globe(['plan', dir, '--detailed-exitcode'], { env }).code).toBe(0);
    const state = pull(dir);
    expect(state.serial).toBeGreaterThan(1);
    const client = new pg.Client({ connectionString: cluster.url });
    await client.connect();
    const intents = await client.query(`SELECT state, count(*)::int AS n FROM "${schema}".capacity_intents GROUP BY state`);
    expect(intents.rows).toEqual([{ state: 'COMPLETE', n: (JSON.parse(readFileSync(join(dir, 'p.json'), 'utf8')) as Plan).moves.length }]);
    const history = await client.query(`SELECT count(*)::int AS n FROM "${schema}".states`);
    expect(history.rows[0].n).toBe(state.serial);
    await client.end();
  });

  it('never shows the password of the URL', () => {
    const { dir } = pgProject();
    const secretUrl = cluster.url.replace('globe@', 'globe:s3cr3t-pw@').replace('/postgres', '/no-such-db');
    const r = globe(['plan', dir], { env: { GLOBE_TEST_PG: secretUrl } });
    expect(r.code).toBe(1);
    expect(r.stderr).not.toContain('s3cr3t-pw');
  });

  it('state pull and push move a world between the file and postgres backends', () => {
    const file = mkdtempSync(join(tmpdir(), 'globe-pgpush-'));
    copyExample(join(ROOT, 'examples', 'quickstart'), file);
    expect(globe(['apply', file, '--auto-approve']).code).toBe(0);
    const local = JSON.parse(globe(['state', 'pull', file]).stdout) as State;
    writeFileSync(join(file, 'pulled.json'), JSON.stringify(local));
    const { dir } = pgProject();
    const pushed = globe(['state', 'push', join(file, 'pulled.json'), dir], { env });
    expect(pushed.code, pushed.stderr).toBe(0);
    const shared = pull(dir);
    expect(shared.lineage).toBe(local.lineage);
    expect(deployment(shared)).toBe(deployment(local));
    expect(globe(['plan', dir, '--detailed-exitcode'], { env }).code).toBe(0);
  });

  it('moves written at once on an empty schema all land, one serial each (no second lineage)', async () => {
    const { schema } = pgProject();
    const backend = new PostgresBackend(cluster.url, schema);
    try {
      const moves = Array.from({ length: 12 }, (_, i) => ({
        kind: 'upsize' as const, id: `m${i}`, dependsOn: [], round: 1, subject: { type: 'tenant' as const, tenant: `s/t${i}` as const }, region: 'us-east', resource: 'cpu', from: 0, to: i + 1,
      }));
      await Promise.all(moves.map((m) => backend.execute(m)));
      const state = (await backend.getState())!;
      expect(state.serial).toBe(moves.length);
      for (const m of moves) expect(state.tenants[m.subject.tenant]?.replicas).toEqual({ 'us-east': { cpu: m.to } });
      const client = new pg.Client({ connectionString: cluster.url });
      await client.connect();
      const lineages = await client.query(`SELECT count(DISTINCT lineage)::int AS n, count(*)::int AS rows FROM "${schema}".states`);
      await client.end();
      expect(lineages.rows[0]).toEqual({ n: 1, rows: moves.length });
    } finally {
      await backend.close();
    }
  });

  it('a second apply waits for the advisory lock and then fails naming the holder', async () => {
    const { dir, schema } = pgProject();
    expect(globe(['plan', dir, '--out', join(dir, 'p.json')], { env }).code).toBe(0);
    const backend = new PostgresBackend(cluster.url, schema);
    const held = await backend.lock('apply', 1000);
    try {
      const blocked = globe(['apply', join(dir, 'p.json'), '--project', dir, '--lock-timeout', '1s'], { env });
      expect(blocked.code).toBe(1);
      expect(blocked.stderr).toContain(`lock ID ${held.info.id}`);
    } finally {
      await held.release();
      await backend.close();
    }
    // A loaded machine may still be tearing the holder's session down: wait as a CI job would.
    const after = globe(['apply', join(dir, 'p.json'), '--project', dir, '--lock-timeout', '60s'], { env });
    expect(after.code, after.stderr).toBe(0);
  });

  it('survives SIGKILL after every number of moves, resuming from the journal in PostgreSQL', () => {
    const reference = pgProject();
    expect(globe(['plan', reference.dir, '--out', join(reference.dir, 'p.json')], { env }).code).toBe(0);
    expect(globe(['apply', join(reference.dir, 'p.json'), '--project', reference.dir, '--parallelism', '1'], { env }).code).toBe(0);
    const expected = deployment(pull(reference.dir));
    const moves = (JSON.parse(readFileSync(join(reference.dir, 'p.json'), 'utf8')) as Plan).moves.length;
    // every number of completed moves, and a kill between a move and its journal line early and late
    const cases = [...Array.from({ length: moves - 1 }, (_, i) => ({ point: 'after-complete', k: i + 1 })), { point: 'after-execute', k: 1 }, { point: 'after-execute', k: moves }];
    for (const { point, k } of cases) {
      {
        const { dir } = pgProject();
        expect(globe(['plan', dir, '--out', join(dir, 'p.json')], { env }).code).toBe(0);
        const killed = spawnSync(process.execPath, [CLI, 'apply', join(dir, 'p.json'), '--project', dir, '--parallelism', '1'], {
          env: { ...process.env, ...env, CI: 'true', GLOBE_TEST_KILL_AT: `${k}:${point}` },
          encoding: 'utf8',
        });
        expect(killed.signal, `${point} ${k}`).toBe('SIGKILL');
        // the killed client's advisory lock died with its connection: no force-unlock needed
        const resumed = globe(['apply', join(dir, 'p.json'), '--project', dir, '--parallelism', '1'], { env });
        expect(resumed.code, `${point} ${k}: ${resumed.stderr}`).toBe(0);
        expect(deployment(pull(dir)), `${point} ${k}`).toBe(expected);
      }
    }
    // Dozens of CLI runs one after another: the limit only catches a hang (two stress runs at once on
    // two busy cores took 380 s); being slow is not a failure.
  }, 1_200_000);

  it('a connection dropped mid-apply (pg_terminate_backend) stops it cleanly; the resume ends in the right state', async () => {
    const reference = pgProject();
    expect(globe(['plan', reference.dir, '--out', join(reference.dir, 'p.json')], { env }).code).toBe(0);
    expect(globe(['apply', join(reference.dir, 'p.json'), '--project', reference.dir], { env }).code).toBe(0);
    const expected = deployment(pull(reference.dir));

    const { dir } = pgProject();
    expect(globe(['plan', dir, '--out', join(dir, 'p.json')], { env }).code).toBe(0);
    const child = spawn(process.execPath, [CLI, 'apply', join(dir, 'p.json'), '--project', dir, '--parallelism', '1'], {
      env: { ...process.env, ...env, CI: 'true', GLOBE_TEST_MOVE_DELAY_MS: '1000' },
    });
    let stderr = '';
    child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
    const exited = new Promise<number | null>((resolve) => child.on('close', resolve));
    // Drop the connections once the apply is really under way: a move is complete in the journal.
    const admin = new pg.Client({ connectionString: cluster.url });
    await admin.connect();
    const schema = readFileSync(join(dir, 'backend.globe'), 'utf8').match(/schema = ([a-z0-9-]+)/)![1];
    // Wait for that event however long a busy machine takes (the test's own limit is the hang
    // guard), and never past the apply's end: a dropped connection must find it still running.
    let running = true;
    void exited.then(() => (running = false));
    for (;;) {
      const r = await admin.query(`SELECT count(*)::int AS n FROM "${schema}".capacity_intents WHERE state = 'COMPLETE'`).catch(() => ({ rows: [{ n: 0 }] }));
      if (r.rows[0].n > 0) break;
      expect(running, `the apply ended before any move completed: ${stderr}`).toBe(true);
      await new Promise((res) => setTimeout(res, 100));
    }
    await admin.query("SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE datname = current_database() AND pid <> pg_backend_pid() AND backend_type = 'client backend'");
    await admin.end();
    const code = await exited;
    expect(code, stderr).not.toBe(0);
    expect(stderr).not.toMatch(/at .*\.js:\d+/);
    const resumed = globe(['apply', join(dir, 'p.json'), '--project', dir], { env });
    expect(resumed.code, resumed.stderr).toBe(0);
    expect(deployment(pull(dir))).toBe(expected);
  }, 300_000);
});

describe('a postgres backend that cannot be used says what failed', () => {
  /** A URL like the cluster's with its parts replaced. */
  const urlWith = (parts: { user?: string; host?: string; port?: string; db?: string }) => {
    const u = new URL(cluster.url);
    if (parts.user) u.username = parts.user.split(':')[0], (u.password = parts.user.split(':')[1] ?? '');
    if (parts.host) u.hostname = parts.host;
    if (parts.port) u.port = parts.port;
    if (parts.db) u.pathname = `/${parts.db}`;
    return u.toString();
  };

  it.each([
    ['a wrong password', { user: `${PASSWORD_USER}:Wr0ng-secret-pw` }, 'PostgreSQL refused the password: check the user and password in the connection URL in GLOBE_TEST_PG'],
    ['a closed port', { port: '1' }, 'connection refused: no PostgreSQL server is listening at the host and port of the connection URL in GLOBE_TEST_PG'],
    ['an unknown host', { host: 'no-such-host.invalid' }, 'unknown host: the host name in the connection URL in GLOBE_TEST_PG does not resolve'],
    ['an unknown database', { db: 'no_such_database' }, 'the database named in the connection URL in GLOBE_TEST_PG does not exist on that server'],
  ])('%s: named, no "globe init", no URL', async (_, parts, says) => {
    const admin = new pg.Client({ connectionString: cluster.url });
    await admin.connect();
    await admin.query(`DO $$ BEGIN CREATE ROLE ${PASSWORD_USER} LOGIN PASSWORD 'right-pw'; EXCEPTION WHEN duplicate_object THEN NULL; END $$`);
    await admin.end();
    const { dir } = pgProject();
    const url = urlWith(parts);
    for (const args of [['plan', dir], ['apply', dir, '--auto-approve'], ['state', 'pull', dir]]) {
      const r = globe(args, { env: { GLOBE_TEST_PG: url } });
      expect(r.code, r.stderr).toBe(1);
      expect(r.stderr).toContain(says);
      expect(r.stderr).not.toContain('globe init');
      expect(r.stderr).not.toContain(url);
      expect(r.stderr).not.toContain('Wr0ng-secret-pw');
      expect(r.stderr).not.toMatch(/\n\s+at /);
    }
    // Its own code, not a plain command error: the plan's lock is where the server is first asked.
    const annotated = globe(['plan', dir, '--format', 'markdown'], { env: { GLOBE_TEST_PG: url, GITHUB_ACTIONS: 'true' } });
    const annotations = annotated.stdout.split('\n').filter((l) => l.startsWith('::'));
    expect(annotations).toHaveLength(1);
    expect(annotations[0].startsWith(`::error::backend-unavailable: ${says}`), annotations[0]).toBe(true);
  });

  it('a reachable database without the schema: run `globe init`', () => {
    const dir = mkdtempSync(join(tmpdir(), 'globe-pgnoschema-'));
    copyExample(join(ROOT, 'examples', 'quickstart'), dir);
    writeFileSync(join(dir, 'backend.globe'), 'backend postgres { url_env = GLOBE_TEST_PG  schema = never-initialised }\n');
    const r = globe(['plan', dir], { env });
    expect(r.code).toBe(1);
    expect(r.stderr).toContain('the schema never-initialised is not initialised: run `globe init`');
  });

  it('an invalid state in the database is refused on read, naming where', async () => {
    const { dir, schema } = pgProject();
    const client = new pg.Client({ connectionString: cluster.url });
    await client.connect();
    const bad = { version: 1, lineage: 'l', serial: 1, tenants: { 'search/ranker': { replicas: { 'us-east': { h100: -3 } }, routing: {} } }, reservations: {}, products: {}, followers: {} };
    await client.query(`INSERT INTO "${schema}".states (lineage, serial, document) VALUES ('l', 1, $1)`, [JSON.stringify(bad)]);
    await client.end();
    const r = globe(['plan', dir], { env });
    expect(r.code).toBe(1);
    expect(r.stderr).toContain(`the latest state in the schema ${schema} is not a valid globe state: at tenants["search/ranker"].replicas.us-east.h100: must be ≥ 0`);
  });
});
