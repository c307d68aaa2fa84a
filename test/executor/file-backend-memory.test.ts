/**
 * While the file backend holds the state lock it keeps the state it last read or wrote in memory
 * (a move no longer re-reads and re-validates the whole file), but never at the price of what the
 * file says: a file that anyone else replaced or edited is read afresh, every write is still
 * validated, and the backup is still the previous file, byte for byte.
 */
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { openFileBackend } from '../../executor/backends/file.js';
import { writeStateFile } from '../../executor/state-file.js';
import { validateState } from '../../executor/state-validate.js';
import type { TenantId } from '../../lang/spec.js';
import type { ResizeMove } from '../../schemas/plan.js';
import { emptyDeployment, type Deployment } from '../../schemas/state.js';

const dirs: string[] = [];
afterAll(() => {
  for (const d of dirs) rmSync(d, { recursive: true, force: true });
});

function project(): string {
  const dir = mkdtempSync(join(tmpdir(), 'globe-file-memory-'));
  dirs.push(dir);
  return dir;
}

const upsize = (tenant: string, to: number): ResizeMove => ({ kind: 'upsize', id: `m-${tenant}-${to}`, dependsOn: [], round: 1, subject: { type: 'tenant', tenant: tenant as TenantId }, region: 'us-east', resource: 'cpu', from: 0, to });
const withTenant = (tenant: string, n: number): Deployment => ({ ...emptyDeployment(), tenants: { [tenant as TenantId]: { replicas: { 'us-east': { cpu: n } }, routing: {} } } });

describe('the file backend while it holds the lock', () => {
  it('hands out the state it wrote without reading the file again: the same document, frozen', async () => {
    const dir = project();
    const backend = openFileBackend({ path: '.globe/state.json' }, dir);
    const lock = await backend.lock('apply', 0);
    try {
      await backend.execute(upsize('s/a', 2));
      const first = await backend.getState();
      expect(await backend.getState()).toBe(first);
      expect(Object.isFrozen(first) && Object.isFrozen(first!.tenants['s/a' as TenantId].replicas['us-east'])).toBe(true);
      // A caller that changed it would change what the next move writes: it fails at once instead.
      expect(() => {
        (first!.tenants as Record<string, unknown>)['s/b'] = {};
      }).toThrow(TypeError);
    } finally {
      await lock.release();
      await backend.close();
    }
  });

  it('a state file replaced by anyone else (force-unlock and another globe, a hand edit) is read afresh: the next move builds on it', async () => {
    const dir = project();
    const path = join(dir, '.globe', 'state.json');
    const backend = openFileBackend({ path: '.globe/state.json' }, dir);
    const lock = await backend.lock('apply', 0);
    try {
      await backend.execute(upsize('s/a', 2));
      const ours = await backend.getState();
      // Another writer: the same lineage, a later serial, another tenant.
      await writeStateFile(path, { ...ours!, serial: 40 }, withTenant('s/other', 5));
      expect((await backend.getState())?.serial).toBe(41);
      await backend.execute(upsize('s/a', 3));
      const after = JSON.parse(readFileSync(path, 'utf8'));
      expect(after.serial).toBe(42);
      expect(Object.keys(after.tenants).sort()).toEqual(['s/a', 's/other']);
      // An edit in place (same file, new content) is seen too.
      writeFileSync(path, readFileSync(path, 'utf8').replace('"serial": 42', '"serial": 50'));
      expect((await backend.getState())?.serial).toBe(50);
    } finally {
      await lock.release();
      await backend.close();
    }
  });

  it('every write is still validated, and the backup is the previous file byte for byte', async () => {
    const dir = project();
    const path = join(dir, '.globe', 'state.json');
    const backend = openFileBackend({ path: '.globe/state.json' }, dir);
    const lock = await backend.lock('apply', 0);
    try {
      await backend.execute(upsize('s/a', 2));
      const previous = readFileSync(path, 'utf8');
      await backend.execute(upsize('s/b', 1));
      expect(readFileSync(`${path}.backup`, 'utf8')).toBe(previous);
      const current = readFileSync(path, 'utf8');
      await expect(backend.execute({ ...upsize('s/c', 1), to: 2.5 })).rejects.toThrow(`refusing to write an invalid state to ${path}: at tenants["s/c"].replicas.us-east.cpu: must be a whole number`);
      expect(readFileSync(path, 'utf8')).toBe(current);
      expect(readFileSync(`${path}.backup`, 'utf8')).toBe(previous);
    } finally {
      await lock.release();
      await backend.close();
    }
  });

  it('without the lock every read is a fresh, validated read of the file', async () => {
    const dir = project();
    const backend = openFileBackend({ path: '.globe/state.json' }, dir);
    await backend.execute(upsize('s/a', 2));
    const first = await backend.getState();
    const second = await backend.getState();
    expect(second).toEqual(first);
    expect(second).not.toBe(first);
    expect(Object.isFrozen(second)).toBe(false);
    await backend.close();
  });
});

describe('validating a state that shares most of itself with the last one', () => {
  const state = (tenants: Record<string, unknown>) => ({ version: 1, lineage: 'l', serial: 3, tenants, reservations: {}, products: {}, followers: {} });
  const tenant = (n: number) => ({ replicas: { 'us-east': { cpu: n } }, routing: {} });

  it('still finds an unsafe integer or a forbidden key in the part that is new', () => {
    const shared = Object.freeze({ ...tenant(1), replicas: Object.freeze({ 'us-east': Object.freeze({ cpu: 1 }) }), routing: Object.freeze({}) });
    expect(validateState(state({ 's/a': shared }))).toBeUndefined();
    expect(validateState(state({ 's/a': shared, 's/b': tenant(2 ** 53) }))).toEqual({ path: 'tenants["s/b"].replicas.us-east.cpu', message: 'is too large (beyond 2^53 - 1)' });
    expect(validateState(state({ 's/a': shared, 's/b': JSON.parse('{"replicas": {"__proto__": {}}, "routing": {}}') }))?.message).toBe('`__proto__` is not allowed as a name');
  });

  it('never trusts a part that can still change: one validated unfrozen and changed since is checked again', () => {
    const open = tenant(1);
    expect(validateState(state({ 's/a': open }))).toBeUndefined();
    open.replicas['us-east'].cpu = 2 ** 53;
    expect(validateState(state({ 's/a': open }))?.message).toBe('is too large (beyond 2^53 - 1)');
  });
});
