/**
 * A completed apply records the intent the state was planned from; the next
 * plan of a fleet planned in blocks then re-plans only the tenant whose intent
 * changed, and any later change to the state drops the record.
 */
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import type { State } from '../../schemas/state.js';
import { ensureBuilt, globe, ROOT } from '../support/cli.js';
import { copyExample } from '../support/examples.js';

beforeAll(() => ensureBuilt());

function project(): string {
  const dir = mkdtempSync(join(tmpdir(), 'globe-planned-from-'));
  copyExample(join(ROOT, 'examples', 'quickstart'), dir);
  return dir;
}

const state = (dir: string) => JSON.parse(readFileSync(join(dir, '.globe', 'state.json'), 'utf8')) as State;

describe('the intent a state was planned from', () => {
  it('is recorded by a completed apply and lets the next plan re-plan only what changed', () => {
    const dir = project();
    const applied = globe(['apply', dir, '--auto-approve', '--block-tenants', '1']);
    expect(applied.code, applied.stderr).toBe(0);
    const recorded = state(dir).plannedFrom;
    expect(Object.keys(recorded?.tenants ?? {}).sort()).toEqual(['search/indexer', 'search/ranker']);

    // One tenant's intent changes; the other's does not.
    const file = join(dir, 'search.globe');
    writeFileSync(file, readFileSync(file, 'utf8').replace('demand batch { us-east = 2000rps }', 'demand batch { us-east = 3000rps }'));
    const plan = globe(['plan', dir, '--block-tenants', '1', '--out', join(dir, 'p.json')]);
    expect(plan.code, plan.stderr).toBe(0);
    expect(plan.stdout).toContain('only what changed was planned: gap');
    expect(plan.stdout).toContain('over the 1 tenant planned again, 1 tenant kept as they run');
    expect(plan.stdout).toContain('search/indexer');
    expect(plan.stdout).not.toMatch(/search\/ranker/);

    // Applying it records the new intent; a state changed by other means drops it.
    expect(globe(['apply', join(dir, 'p.json'), '--project', dir]).code).toBe(0);
    expect(state(dir).plannedFrom?.tenants['search/indexer']).not.toBe(recorded?.tenants['search/indexer']);
    const pulled = globe(['state', 'pull', dir]);
    writeFileSync(join(dir, 'pulled.json'), pulled.stdout);
    expect(globe(['state', 'push', join(dir, 'pulled.json'), dir]).code).toBe(0);
    expect(state(dir).plannedFrom).toBeUndefined();
  });
});
