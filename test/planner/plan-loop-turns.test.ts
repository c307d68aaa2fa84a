/**
 * Issue 17: the terminal's spinner never freezes while a fleet is planned. The planner runs on the
 * CLI's main thread; its long synchronous stretches — a block's model build, the region-loss
 * verdicts after each solve (the blocks', the repair's and the reasons' re-solves alike), the
 * fleet's score and assembly, the reasons' set-up — are
 * units of work (planner/loop-turn.ts), and the event loop must turn between any two of them, so
 * that the spinner's timer gets to run.
 *
 * Structural, not timed: when a unit has run, the test queues a setImmediate callback; when the
 * next unit has run, that callback must have run before it (the loop reached its check phase in
 * between). A unit that follows another through promises alone — no yield, no wait on a worker —
 * fails it.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { generateWorld } from '../../bench/generate-world.js';
import { observeWork, unitOfWork } from '../../planner/loop-turn.js';
import { planPlacement } from '../../planner/index.js';

let stop: (() => void) | undefined;
afterEach(() => stop?.());

/** Each unit observed, and whether the loop turned between the one before and it. */
function watchUnits(): { unit: string; turnedBefore: boolean }[] {
  const units: { unit: string; turnedBefore: boolean }[] = [];
  let turned = true;
  stop = observeWork((unit) => {
    units.push({ unit, turnedBefore: turned });
    turned = false;
    setImmediate(() => (turned = true));
  });
  return units;
}

describe('the event loop turns between units of planning work', () => {
  it('a 300-tenant fleet in blocks, findings and their reasons included: no two units back to back', async () => {
    const world = generateWorld({ tenants: 300, regions: 12, resources: 4, seed: 1 });
    const units = watchUnits();
    const { placement, findings } = await planPlacement(world.spec, world.current, { timeLimitSeconds: 120 });
    stop!();

    // The world is what the test claims to cover: blocks, region-loss rounds, reasons re-solved.
    expect(placement.solver.boundKind).toBe('decomposition');
    expect(findings.some((f) => f.reason)).toBe(true);
    const count = (u: string) => units.filter((x) => x.unit === u).length;
    expect(count('model build')).toBeGreaterThan(10);
    expect(count('region-loss verdicts')).toBeGreaterThan(10);
    expect([count('fleet score'), count('fleet assembly'), count('reasons set-up')]).toEqual([1, 1, 1]);

    const backToBack = units.map((u, i) => ({ ...u, i, after: units[i - 1]?.unit })).filter((u) => !u.turnedBefore);
    // Every unit — builds included (solve-block.ts waits for workTurn()) — is a turn of the loop apart.
    expect(backToBack).toEqual([]);
  }, 240_000);

  it('the check itself catches units chained through promises alone', async () => {
    const units = watchUnits();
    unitOfWork('a', () => 0);
    await Promise.resolve();
    unitOfWork('b', () => 0);
    await new Promise<void>((resolve) => setImmediate(resolve));
    unitOfWork('c', () => 0);
    unitOfWork('trivial', () => 0, () => true);
    expect(units).toEqual([
      { unit: 'a', turnedBefore: true },
      { unit: 'b', turnedBefore: false },
      { unit: 'c', turnedBefore: true },
    ]);
  });
});
