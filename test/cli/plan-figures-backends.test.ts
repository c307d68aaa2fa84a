/**
 * Every backend keeps the units one replica takes: postgres (moves applied to its state rows)
 * and exec (the move JSON carries `units`; the example hook stores it). A tenant removed
 * afterwards is then planned with its real size.
 */
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { State } from '../../schemas/state.js';
import type { TenantId } from '../../lang/spec.js';
import { globe, ROOT } from '../support/cli.js';
import { startCluster, type Cluster } from '../../bench/throwaway-postgres.js';
import { copyExample } from '../support/examples.js';

const dirs: string[] = [];
afterAll(() => {
  for (const d of dirs) rmSync(d, { recursive: true, force: true });
});

function copy(example: string): string {
  const dir = mkdtempSync(join(tmpdir(), 'globe-figures-backend-'));
  dirs.push(dir);
  copyExample(join(ROOT, 'examples', example), dir);
  return dir;
}

/** Drop `search/indexer` (cpu ×4) and plan: the removal must be priced at 4 cpu per replica. */
function expectExactRemoval(dir: string, before: State, env?: NodeJS.ProcessEnv): void {
  const replicas = Object.values(before.tenants['search/indexer' as TenantId].replicas).reduce((s, byRes) => s + (byRes.cpu ?? 0), 0);
  expect(replicas).toBeGreaterThan(0);
  const file = join(dir, 'search.globe');
  const text = readFileSync(file, 'utf8');
  writeFileSync(file, `${text.slice(0, text.indexOf('  tenant indexer'))}}\n`);
  const r = globe(['plan', dir], { env });
  expect(r.code, r.stderr).toBe(0);
  expect(r.stdout).toContain(`(−${Math.round(replicas * 4 * 0.1 * 1000) / 1000})`);
  expect(r.stdout).not.toContain('UNKNOWN SIZE');
}

describe('the exec backend', () => {
  it('the move JSON carries units, and the example hook keeps them in its state', () => {
    const dir = copy('exec-backend');
    const r = globe(['apply', dir, '--auto-approve']);
    expect(r.code, r.stderr).toBe(0);
    const state = JSON.parse(readFileSync(join(dir, '.globe', 'exec-world.json'), 'utf8')) as State;
    expect(state.tenants['search/indexer' as TenantId].units).toEqual({ cpu: 4 });
    expectExactRemoval(dir, state);
  });
});

describe('the postgres backend', () => {
  let cluster: Cluster;
  beforeAll(async () => {
    cluster = await startCluster();
  }, 120_000);
  afterAll(() => cluster?.stop());

  it('records units with each move applied', () => {
    const env = { GLOBE_TEST_PG: cluster.url };
    const dir = copy('quickstart');
    writeFileSync(join(dir, 'backend.globe'), 'backend postgres { url_env = GLOBE_TEST_PG  schema = figures }\n');
    expect(globe(['init', dir], { env }).code).toBe(0);
    const r = globe(['apply', dir, '--auto-approve'], { env });
    expect(r.code, r.stderr).toBe(0);
    const pulled = globe(['state', 'pull', dir], { env });
    expect(pulled.code, pulled.stderr).toBe(0);
    const state = JSON.parse(pulled.stdout) as State;
    expect(state.tenants['search/indexer' as TenantId].units).toEqual({ cpu: 4 });
    expect(state.tenants['search/ranker' as TenantId].units).toEqual({ h100: 1 });
    expectExactRemoval(dir, state, env);
  });
});
