/**
 * Random worlds never crash the planner (issue 14, finding 6): valid small projects written from
 * docs/language.md (bench/worlds/random-world.ts: regions without supply, zero costs, self RTTs,
 * edge locations, every unit spelling, tiers and durations, region-loss readiness, avoid/only_in,
 * min/max replicas, priorities, reservations, products with followers, tenants that follow
 * products; current deployments empty, planned from an earlier world, or arbitrary — beyond a
 * region's supply and with a tenant the Spec no longer has) end in a placement the independent
 * checker accepts, or in a diagnostic; never an internal error. The seed is fixed so the suite is
 * deterministic; `npm run soak:worlds` explores new ones. Every tenth world also searches its findings'
 * reasons (planner/reasons), as the soak does; the others are planned with their findings unexplained
 * (the searches are ~70% of a small world's time; test/planner/planner-reasons.test.ts tests them).
 */
import fc from 'fast-check';
import { afterAll, describe, expect, it } from 'vitest';
import { planWorld, type WorldOutcome } from '../../bench/worlds/plan-world.js';
import { drModes, SMALL_WORLDS, worldShape } from '../../bench/worlds/random-world.js';
import { solverPool } from '../../planner/solve/solve.js';

const pool = solverPool(1);
afterAll(() => pool.close());

/** What a failing world shows: its text, current deployment and what went wrong. */
function verdict(o: WorldOutcome): string {
  if (o.kind === 'placement') return o.problems.length === 0 ? 'accepted' : `rejected by the checker: ${o.problems.join('; ')}\n${o.text}\ncurrent: ${JSON.stringify(o.current)}`;
  if (o.kind === 'diagnostic') return 'diagnostic';
  if (o.kind === 'invalid') return `the generated world is invalid: ${o.errors.join('; ')}\n${o.text}`;
  return `crash: ${o.message}\n${o.text}\ncurrent: ${JSON.stringify(o.current)}`;
}

describe('random worlds', () => {
  it('1,000 worlds: a placement the checker accepts, or a diagnostic', { timeout: 1_800_000 }, async () => {
    const limits = { ...SMALL_WORLDS, drModes: drModes() };
    const seen = new Map<string, number>();
    let planned = 0;
    await fc.assert(
      fc.asyncProperty(worldShape(limits), async (shape) => {
        const explainTenants = planned++ % 10 === 0 ? undefined : 0;
        const v = verdict(await planWorld(shape, { pool, drModes: limits.drModes, explainTenants }));
        seen.set(v, (seen.get(v) ?? 0) + 1);
        expect(['accepted', 'diagnostic']).toContain(v);
      }),
      { numRuns: 1000, seed: 14, endOnFailure: true },
    );
    // most worlds are planned: the generator is not producing only diagnostics
    expect(seen.get('accepted') ?? 0).toBeGreaterThan(800);
  });
});
