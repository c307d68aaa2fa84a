/**
 * A State is validated on every read, write and `state push`: against
 * schemas/state.schema.json and what the schema cannot say (a serial that can
 * still grow, no `__proto__`-like keys). Errors name the file and the place in
 * the document, never the file's bytes; the good `.backup` is never replaced
 * by a bad state.
 */
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { FileBackend } from '../../executor/backends/file.js';
import { readStateFile, StateError, writeStateFile } from '../../executor/state-file.js';
import { ensureBuilt, globe, ROOT } from '../support/cli.js';
import { copyExample } from '../support/examples.js';

const dirs: string[] = [];
const tempDir = () => {
  const d = mkdtempSync(join(tmpdir(), 'globe-state-validate-'));
  dirs.push(d);
  return d;
};
beforeAll(() => ensureBuilt());
afterAll(() => {
  for (const d of dirs) rmSync(d, { recursive: true, force: true });
});

function goodState(serial = 3) {
  return {
    version: 1,
    lineage: 'lineage-1',
    serial,
    tenants: { 'search/ranker': { replicas: { 'us-east': { h100: 2 } }, routing: {} } },
    reservations: {},
    products: {},
    followers: {},
  };
}

/** A state file whose text is given, in a fresh directory. */
function stateFileWith(text: string): string {
  const path = join(tempDir(), 'state.json');
  writeFileSync(path, text);
  return path;
}

const withReplicas = (v: unknown) => JSON.stringify({ ...goodState(), tenants: { 'search/ranker': { replicas: { 'us-east': { h100: v } }, routing: {} } } });

describe('reading a state file', () => {
  it.each([
    ['-3', -3, 'must be ≥ 0'],
    ['2.5', 2.5, 'must be a whole number'],
    ['"3"', '3', 'must be a whole number'],
  ])('refuses %s replicas, naming the file and where', async (_, value, says) => {
    const path = stateFileWith(withReplicas(value));
    await expect(readStateFile(path)).rejects.toThrow(`the state file ${path} is not a valid globe state: at tenants["search/ranker"].replicas.us-east.h100: ${says}`);
  });

  it('refuses a serial at or beyond 2^53 - 1 (the next serial could not be told apart), accepts one below', async () => {
    for (const serial of ['9007199254740991', '9007199254740992', '1e300']) {
      const path = stateFileWith(JSON.stringify(goodState()).replace('"serial":3', `"serial":${serial}`));
      await expect(readStateFile(path)).rejects.toThrow(/at serial: must be below 9007199254740991|at serial: must be a whole number/);
    }
    const path = stateFileWith(JSON.stringify(goodState(Number.MAX_SAFE_INTEGER - 1)));
    expect((await readStateFile(path))?.serial).toBe(Number.MAX_SAFE_INTEGER - 1);
  });

  it('refuses `__proto__`, `constructor` and `prototype` keys anywhere, by name (no internal error)', async () => {
    const texts = [
      `{"version":1,"lineage":"l","serial":1,"tenants":{"__proto__":{"replicas":{},"routing":{}}},"reservations":{},"products":{},"followers":{}}`,
      `{"version":1,"lineage":"l","serial":1,"tenants":{},"reservations":{"constructor":{}},"products":{},"followers":{}}`,
      `{"version":1,"lineage":"l","serial":1,"tenants":{},"reservations":{},"products":{},"followers":{},"plannedFrom":{"world":"w","tenants":{"prototype":"x"}}}`,
    ];
    const where = ['tenants.__proto__: `__proto__`', 'reservations.constructor: `constructor`', 'plannedFrom.tenants.prototype: `prototype`'];
    for (const [i, text] of texts.entries()) {
      await expect(readStateFile(stateFileWith(text))).rejects.toThrow(`at ${where[i]} is not allowed as a name`);
    }
  });

  it('never echoes the bytes of a file that is not a state', async () => {
    const path = stateFileWith('root:x:0:0:SECRET-LINE:/root:/bin/bash\n');
    const err = (await readStateFile(path).catch((e: unknown) => e)) as StateError;
    expect(err).toBeInstanceOf(StateError);
    expect(err.message).toContain(`the state file ${path} is corrupt: not valid JSON`);
    expect(err.message).not.toMatch(/root|SECRET/);
    const json = stateFileWith('{"name":"SECRET-PACKAGE","version":"9.9.9"}');
    const err2 = (await readStateFile(json).catch((e: unknown) => e)) as StateError;
    expect(err2.message).toContain('is not a valid globe state');
    expect(err2.message).not.toContain('SECRET');
    expect(err2.message).not.toContain('9.9.9');
  });
});

describe('writing a state file', () => {
  it('refuses to write an invalid state, leaving the file and its backup as they were', async () => {
    const path = stateFileWith(`${JSON.stringify(goodState())}\n`);
    writeFileSync(`${path}.backup`, 'the good backup');
    const before = readFileSync(path, 'utf8');
    const bad = { tenants: { 'search/ranker': { replicas: { 'us-east': { h100: -1 } }, routing: {} } }, reservations: {}, products: {}, followers: {} };
    await expect(writeStateFile(path, goodState() as never, bad)).rejects.toThrow(`refusing to write an invalid state to ${path}: at tenants["search/ranker"].replicas.us-east.h100: must be ≥ 0`);
    expect(readFileSync(path, 'utf8')).toBe(before);
    expect(readFileSync(`${path}.backup`, 'utf8')).toBe('the good backup');
  });

  it('a move on an invalid state is refused, and the good backup is kept', async () => {
    const path = stateFileWith(withReplicas(-3));
    writeFileSync(`${path}.backup`, `${JSON.stringify(goodState())}\n`);
    const backend = new FileBackend(path, dirname(path));
    const move = { id: 'm1', kind: 'upsize', tenant: 'search/ranker', region: 'us-east', resource: 'h100', from: 2, to: 4 } as never;
    await expect(backend.execute(move)).rejects.toThrow('is not a valid globe state: at tenants["search/ranker"].replicas.us-east.h100: must be ≥ 0');
    expect(readFileSync(`${path}.backup`, 'utf8')).toBe(`${JSON.stringify(goodState())}\n`);
    expect(readFileSync(path, 'utf8')).toBe(withReplicas(-3));
  });

  it('keeps the previous valid state as the backup, written whole', async () => {
    const path = stateFileWith('');
    rmSync(path);
    const first = await writeStateFile(path, null, goodState());
    const firstText = readFileSync(path, 'utf8');
    await writeStateFile(path, first, goodState());
    expect(readFileSync(`${path}.backup`, 'utf8')).toBe(firstText);
  });
});

describe('globe state push and plan', () => {
  function project(): string {
    const dir = tempDir();
    copyExample(join(ROOT, 'examples', 'quickstart'), dir);
    return dir;
  }

  it('state push refuses a bad document naming the file and where; the state and its backup stay', () => {
    const dir = project();
    mkdirSync(join(dir, '.globe'));
    const good = `${JSON.stringify(goodState())}\n`;
    writeFileSync(join(dir, '.globe', 'state.json'), good);
    writeFileSync(join(dir, '.globe', 'state.json.backup'), 'the good backup');
    for (const [value, says] of [
      [-3, 'must be ≥ 0'],
      [2.5, 'must be a whole number'],
      ['3', 'must be a whole number'],
    ] as const) {
      const file = join(dir, 'bad.json');
      writeFileSync(file, withReplicas(value));
      const r = globe(['state', 'push', file, dir]);
      expect(r.code, r.stderr).toBe(1);
      expect(r.stderr).toContain(`globe: ${file} is not a valid globe state: at tenants["search/ranker"].replicas.us-east.h100: ${says}`);
      expect(r.stderr).not.toMatch(/\n\s+at /);
    }
    const proto = join(dir, 'proto.json');
    writeFileSync(proto, `{"version":1,"lineage":"lineage-1","serial":1,"tenants":{"__proto__":{"replicas":{},"routing":{}}},"reservations":{},"products":{},"followers":{}}`);
    const r = globe(['state', 'push', proto, dir]);
    expect(r.code, r.stderr).toBe(1);
    expect(r.stderr).toContain('at tenants.__proto__: `__proto__` is not allowed as a name');
    expect(r.stderr).not.toContain('internal error');
    expect(readFileSync(join(dir, '.globe', 'state.json'), 'utf8')).toBe(good);
    expect(readFileSync(join(dir, '.globe', 'state.json.backup'), 'utf8')).toBe('the good backup');
  });

  it('plan refuses a state with negative replicas instead of planning from it', () => {
    const dir = project();
    mkdirSync(join(dir, '.globe'));
    writeFileSync(join(dir, '.globe', 'state.json'), withReplicas(-3));
    const r = globe(['plan', dir]);
    expect(r.code, r.stderr).toBe(1);
    expect(r.stderr).toContain(`${join(dir, '.globe', 'state.json')} is not a valid globe state: at tenants["search/ranker"].replicas.us-east.h100: must be ≥ 0`);
    expect(r.stderr).not.toMatch(/\n\s+at /);
  });
});
