/**
 * The apply engine on its own (no planner, no CLI): hand-written plans, an
 * in-memory backend that records every state the world passes through, and
 * moves that finish in whatever order their delays give.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { admit, conflicts, footprintOf } from '../../executor/admission.js';
import { applyMove } from '../../schemas/apply-move.js';
import { applyPlan, PlanGraphError, StalePlanError, type ApplyOptions } from '../../executor/apply.js';
import { replayRecords } from '../../executor/journal.js';
import { checkInvariants } from '../../schemas/invariants.js';
import { emptyDeployment } from '../../schemas/state.js';
import type { Move } from '../../schemas/plan.js';
import { changeMoves, deployedState, deploymentOf, fixtureSpec, MemoryBackend, MemoryJournal, planOf, resize } from '../support/apply-fixtures.js';

const options = (o: Partial<ApplyOptions> = {}): ApplyOptions => ({ parallelism: 1, retries: 0, retryWaitMs: 0, ...o });
const ranker = { type: 'tenant', tenant: 'search/ranker' } as const;
const indexer = { type: 'tenant', tenant: 'search/indexer' } as const;
const pool = { type: 'reservation', reservation: 'batch-pool' } as const;

/**
 * Moves from deployedState() with no dependencies between them (an edited
 * plan, or one whose dependencies do not see every interaction): each is
 * safe on its own from the deployed state, some pairs are not safe together.
 */
function independentMoves(): Move[] {
  return [
    resize('a-upsize-ranker-eu-west', ranker, 'eu-west', 'h100', 1, 2),
    {
      id: 'b-route-ranker',
      kind: 'route',
      tenant: 'search/ranker',
      routing: { query: { 'eu-west': { 'eu-west': 1 }, 'us-east': { 'eu-west': 0.5, 'us-east': 0.5 } } },
      dependsOn: [],
      round: 1,
    },
    resize('c-downsize-ranker-us-east', ranker, 'us-east', 'h100', 2, 1),
    resize('d-upsize-indexer-eu-west', indexer, 'eu-west', 'cpu', 0, 4),
    resize('e-upsize-indexer-eu-west-big', indexer, 'eu-west', 'cpu', 0, 12),
    { id: 'f-route-indexer', kind: 'route', tenant: 'search/indexer', routing: { batch: { 'us-east': { 'eu-west': 1 } } }, dependsOn: [], round: 1 },
    resize('g-downsize-indexer-us-east', indexer, 'us-east', 'cpu', 4, 0),
    resize('h-upsize-pool-eu-west', pool, 'eu-west', 'cpu', 10, 20),
    resize('i-downsize-pool-eu-west', pool, 'eu-west', 'cpu', 10, 0),
    resize('j-upsize-ranker-eu-west-more', ranker, 'eu-west', 'h100', 1, 4),
  ];
}

describe('moves running at once never take the world out of the invariant', () => {
  it('two upsizes that each fit, but not together, never run at once: the second is refused once the first is done', async () => {
    // eu-west has 60 cpu: the pool takes 10 more, the indexer 13 × 4 = 52 — each fits alone, not both.
    const moves: Move[] = [
      resize('m001-upsize-ranker-eu-west', ranker, 'eu-west', 'h100', 0, 4),
      resize('m002-upsize-pool-eu-west', pool, 'eu-west', 'cpu', 0, 10),
      resize('m003-upsize-indexer-eu-west', indexer, 'eu-west', 'cpu', 0, 13),
    ];
    const plan = planOf(moves, null);
    const backend = new MemoryBackend(null, { delayMs: () => 10 });
    const outcome = await applyPlan(plan, backend, new MemoryJournal(), 'p', options({ parallelism: 3 }));
    expect(outcome).toMatchObject({ outcome: 'failed', move: 'm003-upsize-indexer-eu-west' });
    expect(outcome.outcome === 'failed' && outcome.reason).toContain('eu-west/cpu would use 62 units, over its limit of 60');
    expect(backend.log).not.toContain('start m003-upsize-indexer-eu-west');
    for (const d of backend.history) expect(checkInvariants(plan.spec, d)).toEqual([]);
  });

  it('a routing change and a downsize of the same tenant, each safe alone, never run at once', async () => {
    // From ranker eu-west 2 (800 rps), us-east 2: moving half of us-east's 800 rps to eu-west needs both eu-west replicas.
    const start = { ...deployedState(), tenants: { ...deployedState().tenants, 'search/ranker': { ...deployedState().tenants['search/ranker'], replicas: { 'eu-west': { h100: 2 }, 'us-east': { h100: 2 } } } } };
    const route = independentMoves()[1];
    const down = resize('m002-downsize-ranker-eu-west', ranker, 'eu-west', 'h100', 2, 1);
    const plan = planOf([route, down], start);
    const backend = new MemoryBackend(start, { delayMs: () => 10 });
    const outcome = await applyPlan(plan, backend, new MemoryJournal(), 'p', options({ parallelism: 2 }));
    expect(outcome).toMatchObject({ outcome: 'failed', move: 'm002-downsize-ranker-eu-west' });
    expect(outcome.outcome === 'failed' && outcome.reason).toContain('search/ranker would have 400 rps of capacity in eu-west for 800 rps routed there');
    expect(backend.log).toEqual(['start b-route-ranker', 'end b-route-ranker']);
    for (const d of backend.history) expect(checkInvariants(plan.spec, d)).toEqual([]);
  });

  it('a move that is safe only once a running one finishes waits for it instead of failing', async () => {
    // eu-west has 6 h100: the reservation gives 4 back while the ranker takes 3 more. Independent
    // moves, but the upsize fits only after the downsize.
    const spec = fixtureSpec();
    spec.reservations['gpu-pool'] = { resource: 'h100', amount: 4, locality: 'eu', tolerateRegionFailure: false };
    const start = { ...deployedState(), reservations: { ...deployedState().reservations, 'gpu-pool': { 'eu-west': 5 } } };
    const moves: Move[] = [
      resize('m001-downsize-gpu-pool-eu-west', { type: 'reservation', reservation: 'gpu-pool' }, 'eu-west', 'h100', 5, 1),
      resize('m002-upsize-ranker-eu-west', ranker, 'eu-west', 'h100', 1, 4),
    ];
    const plan = planOf(moves, start, spec);
    const backend = new MemoryBackend(start, { delayMs: () => 10 });
    const outcome = await applyPlan(plan, backend, new MemoryJournal(), 'p', options({ parallelism: 2 }));
    expect(outcome).toEqual({ outcome: 'complete', completed: 2 });
    expect(backend.log).toEqual(['start m001-downsize-gpu-pool-eu-west', 'end m001-downsize-gpu-pool-eu-west', 'start m002-upsize-ranker-eu-west', 'end m002-upsize-ranker-eu-west']);
    for (const d of backend.history) expect(checkInvariants(spec, d)).toEqual([]);
  });

  it('whatever the moves, the parallelism and the order they finish in, every state the world passes through keeps the invariant', async () => {
    const pool = independentMoves();
    await fc.assert(
      fc.asyncProperty(
        fc.subarray(pool, { minLength: 1 }),
        fc.integer({ min: 1, max: 5 }),
        fc.array(fc.integer({ min: 0, max: 4 }), { minLength: pool.length, maxLength: pool.length }),
        async (moves, parallelism, delays) => {
          const plan = planOf(moves, deployedState());
          const backend = new MemoryBackend(deployedState(), { delayMs: (m) => delays[pool.findIndex((p) => p.id === m.id)] });
          const outcome = await applyPlan(plan, backend, new MemoryJournal(), 'p', options({ parallelism }));
          for (const d of backend.history) expect(checkInvariants(plan.spec, d), `${moves.map((m) => m.id)} ×${parallelism}`).toEqual([]);
          if (outcome.outcome === 'complete') expect(deploymentOf(backend.state)).toEqual(moves.reduce(applyMove, deploymentOf(deployedState())));
        },
      ),
      { numRuns: 60 },
    );
  });

  it('a plan whose dependencies order everything still runs independent moves in parallel and ends at its target', async () => {
    const plan = planOf(changeMoves(), deployedState());
    const backend = new MemoryBackend(deployedState(), { delayMs: () => 5 });
    const outcome = await applyPlan(plan, backend, new MemoryJournal(), 'p', options({ parallelism: 3 }));
    expect(outcome).toEqual({ outcome: 'complete', completed: plan.moves.length });
    expect(backend.peakRunning).toBeGreaterThan(1);
    expect(deploymentOf(backend.state)).toEqual(plan.moves.reduce(applyMove, deploymentOf(deployedState())));
    for (const d of backend.history) expect(checkInvariants(plan.spec, d)).toEqual([]);
  });
});

describe('admission of a move beside the running ones', () => {
  const up = (id: string, region: string, to: number): Move => resize(id, ranker, region, 'h100', 0, to);

  it('a tenant’s resizes in different regions are independent; its routing change conflicts with all of them', () => {
    const spec = fixtureSpec();
    const route = independentMoves()[1];
    expect(conflicts(footprintOf(spec, up('a', 'us-east', 1)), footprintOf(spec, up('b', 'eu-west', 1)))).toBe(false);
    expect(conflicts(footprintOf(spec, up('a', 'us-east', 1)), footprintOf(spec, up('b', 'us-east', 2)))).toBe(true);
    expect(conflicts(footprintOf(spec, route), footprintOf(spec, up('b', 'eu-west', 1)))).toBe(true);
    expect(conflicts(footprintOf(spec, route), footprintOf(spec, resize('c', indexer, 'eu-west', 'cpu', 0, 1)))).toBe(false);
  });

  it('a product shift conflicts with every tenant and follower service that follows the product', () => {
    const spec = fixtureSpec();
    spec.products.web = { demand: { 'us-east': 100 }, latency: 70, avoid: [], tolerateRegionFailure: false };
    spec.services.search.tenants.ranker.follows = { web: { query: 1 } };
    spec.services.feed = { tenants: {}, follows: { web: { perUnit: { cpu: 0.5 } } }, residual: {}, tolerateRegionFailure: false };
    const shift: Move = { id: 's', kind: 'shift', product: 'web', routing: { 'us-east': { 'us-east': 1 } }, dependsOn: [], round: 1 };
    expect(conflicts(footprintOf(spec, shift), footprintOf(spec, up('a', 'eu-west', 1)))).toBe(true);
    expect(conflicts(footprintOf(spec, shift), footprintOf(spec, resize('f', { type: 'follower', service: 'feed' }, 'us-east', 'cpu', 0, 3)))).toBe(true);
    expect(conflicts(footprintOf(spec, shift), footprintOf(spec, resize('i', indexer, 'us-east', 'cpu', 0, 3)))).toBe(false);
  });

  it('checks supply as if every running upsize had finished and no running downsize had', () => {
    const spec = fixtureSpec();
    spec.reservations.gpu = { resource: 'h100', amount: 5, locality: 'na', tolerateRegionFailure: false };
    const expected = emptyDeployment();
    const allowance = new Map<string, number>();
    const gpu = (to: number) => resize('g', { type: 'reservation', reservation: 'gpu' }, 'us-east', 'h100', 0, to);
    const running = [up('a', 'us-east', 6), resize('d', indexer, 'us-east', 'cpu', 4, 0)];
    // 6 running in us-east + 5 more > 10, although either alone fits.
    expect(admit({ spec, expected, running, allowance }, gpu(5))).toEqual({ verdict: 'wait', reason: 'unsafe-while-others-run' });
    expect(admit({ spec, expected, running: running.slice(1), allowance }, gpu(5))).toEqual({ verdict: 'start' });
    expect(admit({ spec, expected, running: [], allowance }, gpu(11))).toMatchObject({ verdict: 'refuse' });
    expect(admit({ spec, expected, running, allowance }, up('c', 'us-east', 1))).toEqual({ verdict: 'wait', reason: 'conflict' });
  });
});

describe('a journal that cannot be written', () => {
  it('(disk full) stops apply only once the moves in flight have finished; no move ran without its RUNNING line; the resume ends at the target', async () => {
    const plan = planOf(changeMoves(), deployedState());
    const target = plan.moves.reduce(applyMove, deploymentOf(deployedState()));
    // start, RUNNING and COMPLETE of each move, end: let the disk fill up before each one of them
    const records = 2 + 2 * plan.moves.length;
    for (let failAfter = 0; failAfter < records; failAfter++) {
      const backend = new MemoryBackend(deployedState(), { delayMs: (m) => (m.id.startsWith('m004') ? 20 : 1) });
      const journal = new MemoryJournal(failAfter);
      const error = await applyPlan(plan, backend, journal, 'p', options({ parallelism: 2 })).catch((e: unknown) => e);
      expect(error, `${failAfter}`).toMatchObject({ code: 'ENOSPC' });
      expect(backend.running, `${failAfter}: a move still running when apply gave up`).toBe(0);
      const journalled = new Set(journal.records.flatMap((r) => (r.type === 'move' && r.status === 'RUNNING' ? [r.move] : [])));
      for (const line of backend.log.filter((l) => l.startsWith('start '))) expect(journalled, `${failAfter}: ${line}`).toContain(line.slice(6));
      journal.failAfter = Infinity;
      expect((await applyPlan(plan, backend, journal, 'p', options())).outcome, `${failAfter}`).toBe('complete');
      expect(deploymentOf(backend.state)).toEqual(target);
    }
  });
});

describe('resuming a plan', () => {
  it('refuses to resume when something else changed the state since the apply stopped', async () => {
    const plan = planOf(changeMoves(), deployedState());
    const backend = new MemoryBackend(deployedState(), { fail: (m) => (m.id === 'm005-route-ranker' ? 'the route hook failed' : undefined) });
    const journal = new MemoryJournal();
    expect((await applyPlan(plan, backend, journal, 'p', options())).outcome).toBe('failed');
    // Meanwhile another plan is applied: two changes land on the state. (One could be the failed
    // move's own: a backend may fail a move after changing something, so one is given the benefit of the doubt.)
    backend.faults = {};
    await backend.execute(resize('other-upsize-pool-us-east', pool, 'us-east', 'cpu', 10, 12));
    await backend.execute(resize('other-upsize-pool-eu-west', pool, 'eu-west', 'cpu', 10, 12));
    await expect(applyPlan(plan, backend, journal, 'p', options())).rejects.toThrow(StalePlanError);
    await expect(applyPlan(plan, backend, journal, 'p', options())).rejects.toThrow(/^cannot resume: the state changed since this apply stopped \(serial \d+ then, \d+ now\): something else was applied in between\. Plan again\.$/);
    expect(backend.log.filter((l) => l === 'end m005-route-ranker')).toHaveLength(1); // only the failed attempt
  });

  it('resumes after a crash that came between a move’s change and its COMPLETE line, even with several moves in flight', async () => {
    const plan = planOf(changeMoves(), deployedState());
    const [a, , , b] = plan.moves; // m001 and m004: independent
    const backend = new MemoryBackend(deployedState());
    const journal = new MemoryJournal();
    journal.records = [
      { type: 'start', at: 't', planId: 'p', moves: plan.moves.length, lineage: 'fixture-lineage', serial: 7 },
      { type: 'move', at: 't', move: a.id, status: 'RUNNING' },
      { type: 'move', at: 't', move: b.id, status: 'RUNNING' },
    ];
    await backend.execute(a);
    await backend.execute(b); // both landed (serial 9), neither COMPLETE was written
    expect((await applyPlan(plan, backend, journal, 'p', options())).outcome).toBe('complete');
    expect(deploymentOf(backend.state)).toEqual(plan.moves.reduce(applyMove, deploymentOf(deployedState())));
  });

  it('keeps the highest serial the journal saw, whatever order parallel moves wrote their COMPLETE lines in', () => {
    const replay = replayRecords([
      { type: 'start', at: 't', planId: 'p', moves: 2, lineage: 'l', serial: 7 },
      { type: 'move', at: 't', move: 'a', status: 'RUNNING' },
      { type: 'move', at: 't', move: 'b', status: 'RUNNING' },
      { type: 'move', at: 't', move: 'b', status: 'COMPLETE', serial: 9 },
      { type: 'move', at: 't', move: 'a', status: 'COMPLETE', serial: 8 },
    ]);
    expect(replay.lastSerial).toBe(9);
  });
});

describe('a plan whose moves cannot be carried out as written', () => {
  it('is refused before anything runs: duplicate ids, a dependency on a move not in the plan, a dependency cycle', async () => {
    const [a, b] = changeMoves();
    const cases: [Move[], string][] = [
      [[a, a], `two moves have the id ${a.id}`],
      [[{ ...a, dependsOn: ['m999-gone'] }], `move ${a.id} depends on m999-gone, which is not in the plan`],
      [[{ ...a, dependsOn: [b.id] }, b], `move ${a.id} depends on itself through its dependencies`],
    ];
    for (const [moves, problem] of cases) {
      const backend = new MemoryBackend(deployedState());
      const journal = new MemoryJournal();
      const error = await applyPlan(planOf(moves, deployedState()), backend, journal, 'p', options()).catch((e: unknown) => e);
      expect(error).toBeInstanceOf(PlanGraphError);
      expect((error as Error).message).toBe(`the plan cannot be applied: ${problem}. Was it edited? Plan again.`);
      expect(backend.log).toEqual([]);
      expect(journal.records).toEqual([]);
    }
  });
});
