import { readFileSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { loadAndCheckProject } from '../../lang/load.js';
import { planPlacement } from '../../planner/index.js';
import { checkPlacement } from '../../planner/check/placement-checker.js';
import type { Deployment } from '../../schemas/state.js';
import { ROOT } from '../support/cli.js';

/**
 * The random-worlds soak's failures (bench/results/2026-12-03-soak-worlds.json, seed 1000), kept as
 * worlds: tenants that follow a product whose shares are stored to 1e-6 and whose unserved traffic is
 * reported to 1e-3 (50.00175 rps "routed" to 50 of capacity), and a routing row for a region the
 * product no longer sends traffic to ("routes r3, which has no demand").
 */
const WORLDS = join(ROOT, 'test', 'worlds');
const soakWorlds = readdirSync(WORLDS).filter((d) => d.startsWith('soak-')).sort();

describe('worlds the random-worlds soak failed on', () => {
  it('are all here', () => {
    expect(soakWorlds).toHaveLength(3);
  });

  it.each(soakWorlds)('%s: the placement checker accepts the plan', async (name) => {
    const dir = join(WORLDS, name);
    const project = await loadAndCheckProject(dir);
    const current = JSON.parse(readFileSync(join(dir, 'current.json'), 'utf8')) as Deployment;
    const { placement } = await planPlacement(project.spec, current);
    expect(checkPlacement(project.spec, current, placement)).toEqual([]);
  });
});
