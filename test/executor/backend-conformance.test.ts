/**
 * One conformance suite, run against every backend (after terraform's statemgr.TestFull and
 * MathOptInterface's MOI.Test.runtests): `conformance(name, freshWorld)` registers the same
 * cases for each. Every backend is reached the way the commands reach it, through
 * `openBackend(spec, dir, env)`, with real processes (the exec backend's example hook) and a
 * real server (a throwaway PostgreSQL cluster: when it cannot start, these tests fail).
 *
 * What every backend must do: read the state back as written, run each move once however many
 * run at once, exclude a second lock holder and say who holds it, release, and keep a journal
 * that a later globe reads back and appends to. What a backend claims in `capabilities` is
 * exercised here; what it does not claim must be absent.
 */
import { spawn } from 'node:child_process';
import { cpSync, existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import pg from 'pg';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { startCluster, type Cluster } from '../../bench/throwaway-postgres.js';
import type { OpenBackend } from '../../executor/backend.js';
import { openBackend } from '../../executor/backends/index.js';
import { groupOf, groupRunning } from '../../executor/backends/hook-groups.js';
import type { JournalRecord } from '../../executor/journal.js';
import { LockError, type LockInfo } from '../../executor/lock.js';
import { stateProblem } from '../../executor/state-file.js';
import { emptySpec, type BackendConfig, type TenantId } from '../../lang/spec.js';
import type { ResizeMove } from '../../schemas/plan.js';
import type { State } from '../../schemas/state.js';
import { ROOT } from '../support/cli.js';

/** A fresh, empty world of one backend: `open` gives another globe's view of the same world. */
interface World {
  open(): Promise<OpenBackend>;
}

const dirs: string[] = [];
afterAll(() => {
  for (const d of dirs) rmSync(d, { recursive: true, force: true });
});

function projectDir(prefix: string): string {
  const dir = mkdtempSync(join(tmpdir(), prefix));
  dirs.push(dir);
  return dir;
}

function withBackend(config: BackendConfig) {
  return { ...emptySpec(), backend: config };
}

/** Upsize tenant `s/t<i>` in us-east from nothing to i+1 cpu: moves that touch disjoint keys. */
function upsize(i: number): ResizeMove {
  return { kind: 'upsize', id: `m${i}`, dependsOn: [], round: 1, subject: { type: 'tenant', tenant: `s/t${i}` as TenantId }, region: 'us-east', resource: 'cpu', from: 0, to: i + 1 };
}

/** A state of `count` tenants, as `state pull` would print it. */
function stateDoc(lineage: string, count: number): State {
  const tenants: State['tenants'] = {};
  for (let i = 0; i < count; i++) tenants[`s/t${i}` as TenantId] = { replicas: { 'us-east': { cpu: i + 1 } }, routing: {} };
  return { version: 1, lineage, serial: 7, tenants, reservations: {}, products: {}, followers: {} };
}

const now = () => new Date().toISOString();

function conformance(name: string, freshWorld: () => Promise<World>): void {
  describe(`the ${name} backend`, () => {
    const opened: OpenBackend[] = [];
    afterEach(async () => {
      for (const b of opened.splice(0)) await b.close();
    });

    /** A fresh world, set up as `globe init` would where the backend needs it, and `n` views of it. */
    async function world(n = 1): Promise<OpenBackend[]> {
      const w = await freshWorld();
      const views: OpenBackend[] = [];
      for (let i = 0; i < n; i++) {
        const b = await w.open();
        opened.push(b);
        views.push(b);
      }
      if (views[0].capabilities.needsInit) await views[0].init!();
      return views;
    }

    it('reads back nothing at first, then each move it carried out; every state it returns is valid', async () => {
      const [backend] = await world();
      expect(await backend.getState()).toBeNull();
      await backend.execute(upsize(0), { attempt: 1 });
      const state = (await backend.getState())!;
      expect(stateProblem(state)).toBeUndefined();
      expect(state.tenants['s/t0']?.replicas).toEqual({ 'us-east': { cpu: 1 } });
      await backend.execute({ ...upsize(0), id: 'm0-down', kind: 'downsize', from: 1, to: 0 }, { attempt: 1 });
      expect((await backend.getState())!.tenants['s/t0']?.replicas ?? {}).toEqual({});
    });

    it('runs each of many moves at once exactly once; with serialPerMove, one serial each', async () => {
      const [backend] = await world();
      const moves = Array.from({ length: 6 }, (_, i) => upsize(i));
      await Promise.all(moves.map((m) => backend.execute(m, { attempt: 1 })));
      const state = (await backend.getState())!;
      for (const m of moves) expect(state.tenants[m.subject.type === 'tenant' ? m.subject.tenant : 'x/x']?.replicas).toEqual({ 'us-east': { cpu: m.to } });
      if (backend.capabilities.serialPerMove) expect(state.serial).toBe(moves.length);
    });

    it('sharedWriters: writers in separate globes at once lose nothing and share one lineage; the state lock is what orders them otherwise', async () => {
      const [a, b] = await world(2);
      if (!a.capabilities.sharedWriters) {
        // Not claimed: a second globe cannot even start writing while the first holds the lock.
        const held = await a.lock('apply', 0);
        await expect(b.lock('apply', 0)).rejects.toThrow(LockError);
        await held.release();
        return;
      }
      const moves = Array.from({ length: 10 }, (_, i) => upsize(i));
      await Promise.all(moves.map((m, i) => (i % 2 ? a : b).execute(m, { attempt: 1 })));
      const state = (await a.getState())!;
      expect(Object.keys(state.tenants).length).toBe(moves.length);
      expect(state.serial).toBe(moves.length);
      expect((await b.getState())!.lineage).toBe(state.lineage);
    });

    it('statePush: writes a document as the next serial, and refuses another lineage unless forced', async () => {
      const [backend] = await world();
      if (!backend.capabilities.statePush) {
        expect(backend.push).toBeUndefined();
        return;
      }
      const written = await backend.push!(stateDoc('lineage-a', 2), false, 'pushed.json');
      expect(written.lineage).toBe('lineage-a');
      const read = (await backend.getState())!;
      expect(read.tenants).toEqual(stateDoc('lineage-a', 2).tenants);
      expect(read.lineage).toBe('lineage-a');
      await expect(backend.push!(stateDoc('lineage-b', 3), false, 'other.json')).rejects.toThrow(/lineage-a.*lineage-b.*different worlds/);
      expect((await backend.getState())!.serial).toBe(read.serial);
      const forced = await backend.push!(stateDoc('lineage-b', 3), true, 'other.json');
      expect(forced.serial).toBe(read.serial + 1);
      expect(Object.keys((await backend.getState())!.tenants)).toHaveLength(3);
    });

    it('lock: a second holder waits, is told who holds it, and gets it once it is released', async () => {
      const [a, b] = await world(2);
      const held = await a.lock('apply', 0);
      expect(held.info).toMatchObject({ operation: 'apply', pid: process.pid });
      const told: (LockInfo | undefined)[] = [];
      let resolveTold: () => void = () => undefined;
      const toldOnce = new Promise<void>((r) => (resolveTold = r));
      const waiting = b.lock('plan', 120_000, (h) => (told.push(h), resolveTold()));
      await toldOnce;
      expect(told).toEqual([expect.objectContaining({ id: held.info.id, who: held.info.who, pid: process.pid, operation: 'apply' })]);
      expect(held.lost?.() ?? false).toBe(false);
      await held.release();
      await held.release(); // twice is harmless
      expect(held.lost?.() ?? true).toBe(true);
      const second = await waiting;
      expect(second.info.operation).toBe('plan');
      await second.release();
    });

    it('lock: with no time to wait, the error names the holder, its pid, operation and lock ID', async () => {
      const [a, b] = await world(2);
      const held = await a.lock('apply', 0);
      const err = (await b.lock('state push', 0).catch((e: unknown) => e)) as Error;
      expect(err).toBeInstanceOf(LockError);
      expect(err.message).toContain(`${held.info.who} (pid ${process.pid}, apply)`);
      expect(err.message).toContain(`lock ID ${held.info.id}`);
      await held.release();
      await (await b.lock('state push', 0)).release();
    });

    it('forceUnlock: removes a lock only with its ID, and its holder sees it lost; without the capability there is never one to force', async () => {
      const [a, b] = await world(2);
      const held = await a.lock('apply', 0);
      if (!a.capabilities.forceUnlock) {
        await expect(b.forceUnlock(held.info.id)).rejects.toThrow(/ends with it/);
        expect(held.lost?.() ?? false).toBe(false);
        await held.release();
        return;
      }
      await expect(b.forceUnlock('not-the-id')).rejects.toThrow(`the lock ID is ${held.info.id}`);
      await b.forceUnlock(held.info.id);
      expect(held.lost!()).toBe(true);
      const next = await b.lock('apply', 0);
      await held.release(); // the old holder leaves the new lock alone
      await expect(a.lock('plan', 0)).rejects.toThrow(LockError);
      await next.release();
      await expect(b.forceUnlock(next.info.id)).rejects.toThrow('the state is not locked');
    });

    it('journal: another globe reads back every record in order, resumes it, and each plan has its own', async () => {
      const [a, b] = await world(2);
      const moves = [upsize(0), upsize(1)];
      const first: JournalRecord[] = [
        { type: 'start', at: now(), planId: 'plan-1', moves: 2, lineage: null, serial: 0, planDigest: 'sha256:abc' },
        { type: 'move', at: now(), move: 'm0', status: 'RUNNING', attempt: 5 },
        { type: 'move', at: now(), move: 'm0', status: 'COMPLETE', serial: 1 },
        { type: 'move', at: now(), move: 'm1', status: 'RUNNING', attempt: 5 },
      ];
      const journal = a.journal('plan-1', moves);
      expect((await journal.read()).records).toEqual([]);
      for (const r of first) await journal.append(r);
      await journal.close();
      expect(a.journalLocation('plan-1')).toBe(b.journalLocation('plan-1'));

      const resumed = b.journal('plan-1', moves);
      const replay = await resumed.read();
      expect(replay.records).toEqual(first);
      expect(replay.status).toEqual(new Map([['m0', 'COMPLETE'], ['m1', 'RUNNING']]));
      expect(replay).toMatchObject({ lastSerial: 1, lineage: null, unconfirmedRuns: 1, maxAttempt: 5, planDigest: 'sha256:abc', tornLine: false });
      const rest: JournalRecord[] = [
        { type: 'move', at: now(), move: 'm1', status: 'COMPLETE', serial: 2 },
        { type: 'end', at: now(), outcome: 'complete' },
      ];
      for (const r of rest) await resumed.append(r);
      await resumed.close();
      expect((await a.journal('plan-1', moves).read()).records).toEqual([...first, ...rest]);
      expect((await a.journal('plan-2', moves).read()).records).toEqual([]);
    });

    it('hookProcesses: a hook left running by any plan is found in the journals and stopped; without the capability there are none', async () => {
      const [backend] = await world();
      if (!backend.capabilities.hookProcesses) {
        expect(backend.otherJournals()).toBeUndefined();
        expect(backend.stopStrayHooks).toBeUndefined();
        return;
      }
      // A stand-in for a hook an apply that was killed left behind: a process group of its own.
      const stray = spawn(process.execPath, ['-e', 'setInterval(() => {}, 1000)'], { detached: true, stdio: 'ignore' });
      const exited = new Promise((r) => stray.once('exit', r));
      const group = groupOf(stray.pid!);
      const journal = backend.journal('killed-plan', [upsize(0)]);
      await journal.append({ type: 'move', at: now(), move: 'm0', status: 'RUNNING', attempt: 41 });
      await journal.append({ type: 'hook', at: now(), move: 'm0', attempt: 41, ...group });
      await journal.close();
      const found = backend.otherJournals()!;
      expect(found.maxAttempt).toBe(41);
      expect(found.pendingHooks).toEqual([{ move: 'm0', group }]);
      expect(await backend.stopStrayHooks!(found.pendingHooks)).toEqual(['m0']);
      await exited;
      expect(groupRunning(group)).toBe(false);
    });

    it('validateGates: the gate runs and reports; without the capability there is no gate', async () => {
      const [backend] = await world();
      if (!backend.capabilities.validateGates) {
        expect(backend.validate).toBeUndefined();
        return;
      }
      await backend.execute(upsize(0), { attempt: 1 });
      const output = await backend.validate!({ wave: 1, waves: 2, phase: 'pre', planId: 'plan-1' });
      expect(output.stderr).toContain('pre gate of wave 1: healthy');
    });

    it('plannedFrom: kept with the serial it was planned from, dropped by the next change; without the capability not kept', async () => {
      const [backend] = await world();
      await backend.execute(upsize(0), { attempt: 1 });
      if (!backend.capabilities.plannedFrom) {
        expect(backend.recordPlannedFrom).toBeUndefined();
        return;
      }
      const digests = { world: 'sha256:w', tenants: { 's/t0': 'sha256:t' } as Record<TenantId, string> };
      const serial = (await backend.getState())!.serial;
      await backend.recordPlannedFrom!(digests, serial - 1); // stale: skipped
      expect((await backend.getState())!.plannedFrom).toBeUndefined();
      await backend.recordPlannedFrom!(digests, serial);
      const state = (await backend.getState())!;
      expect(state).toMatchObject({ serial, plannedFrom: digests });
      await backend.execute(upsize(1), { attempt: 1 });
      expect((await backend.getState())!.plannedFrom).toBeUndefined();
    });

    it('needsInit: unusable before `globe init`, which is harmless twice; without the capability no init', async () => {
      const w = await freshWorld();
      const backend = await w.open();
      opened.push(backend);
      if (!backend.capabilities.needsInit) {
        expect(backend.init).toBeUndefined();
        return;
      }
      await expect(backend.getState()).rejects.toThrow('run `globe init`');
      expect(await backend.init!()).toMatchObject({ from: 0, to: 1 });
      expect(await backend.init!()).toMatchObject({ from: 1, to: 1 });
      expect(await backend.getState()).toBeNull();
    });

    it('sharedQueue: names a database a worker can reach; without the capability no queue', async () => {
      const [backend] = await world();
      if (!backend.capabilities.sharedQueue) {
        expect(backend.queue).toBeUndefined();
        return;
      }
      const { url, schema } = backend.queue!();
      const client = new pg.Client({ connectionString: url });
      await client.connect();
      try {
        const r = await client.query<{ exists: boolean }>('SELECT EXISTS (SELECT 1 FROM information_schema.schemata WHERE schema_name = $1) AS exists', [schema]);
        expect(r.rows[0].exists).toBe(true);
      } finally {
        await client.end();
      }
    });
  });
}

conformance('file', async () => {
  const dir = projectDir('globe-conf-file-');
  const spec = withBackend({ kind: 'file', path: 'state/world.json' });
  return { open: () => openBackend(spec, dir, {}) };
});

conformance('exec', async () => {
  const dir = projectDir('globe-conf-exec-');
  cpSync(join(ROOT, 'examples', 'exec-backend'), dir, { recursive: true });
  rmSync(join(dir, '.globe'), { recursive: true, force: true });
  const hook = (command: string) => ['./hooks/globe-hook.mjs', command];
  const spec = withBackend({
    kind: 'exec',
    commands: { getState: hook('get-state'), upsize: hook('upsize'), route: hook('route'), downsize: hook('downsize'), shift: hook('shift'), validate: hook('validate') },
    timeoutMs: 120_000,
  });
  return { open: () => openBackend(spec, dir, {}) };
});

describe('on a throwaway PostgreSQL server', () => {
  let cluster: Cluster;
  let schemas = 0;
  beforeAll(async () => {
    cluster = await startCluster();
  }, 120_000);
  afterAll(() => cluster?.stop());

  conformance('postgres', async () => {
    const dir = projectDir('globe-conf-pg-');
    const spec = withBackend({ kind: 'postgres', urlEnv: 'GLOBE_CONFORMANCE_PG', schema: `conformance-${++schemas}` });
    return { open: () => openBackend(spec, dir, { GLOBE_CONFORMANCE_PG: cluster.url }) };
  });
});

describe('capabilities follow the configuration', () => {
  it('exec has a gate only when it declares `validate`; postgres needs its URL variable, and never prints the URL', async () => {
    const dir = projectDir('globe-conf-caps-');
    const commands = { getState: ['x'], upsize: ['x'], route: ['x'], downsize: ['x'] };
    const plain = await openBackend(withBackend({ kind: 'exec', commands, timeoutMs: 1000 }), dir, {});
    expect(plain.capabilities.validateGates).toBe(false);
    expect(plain.validate).toBeUndefined();
    await plain.close();
    const noUrl = openBackend(withBackend({ kind: 'postgres', urlEnv: 'GLOBE_NOT_SET', schema: 'globe' }), dir, {});
    await expect(noUrl).rejects.toThrow('reads its connection URL from the environment variable GLOBE_NOT_SET, which is not set');
    const dflt = await openBackend(emptySpec(), dir, {});
    expect(dflt.name).toBe('file');
    await dflt.close();
    expect(existsSync(join(dir, '.globe'))).toBe(false); // opening writes nothing
  });
});
