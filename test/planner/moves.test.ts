import { describe, expect, it } from 'vitest';
import { applyMove } from '../../schemas/apply-move.js';
import { checkInvariants, usageByRegion } from '../../schemas/invariants.js';
import { emptyDeployment, type Deployment } from '../../schemas/state.js';
import { planPlacement } from '../../planner/index.js';
import { buildMoves } from '../../planner/move-graph.js';
import { checkPlacement } from '../../planner/check/placement-checker.js';
import { specOf } from '../support/specs.js';

const world = (surge: string) => `
resource cpu { unit = server  cost = 1 }
region a { locality = na  supply { cpu = 20 } }
region b { locality = na  supply { cpu = 20 } }
latency { a <-> b = 5ms }
service s {
  tenant t { demand r { a = 1200rps }  latency r < 20ms  replica cpu x1 serves 100rps  only_in [b] ${surge} }
}`;

describe('the move graph', () => {
  it('splits a move into max_surge rounds whose every intermediate state keeps capacity above routed traffic', async () => {
    const { spec } = specOf(world('max_surge = 4'));
    // today: 12 replicas in a, serving everything; the plan moves them all to b
    const current: Deployment = { ...emptyDeployment(), tenants: { 's/t': { replicas: { a: { cpu: 12 } }, routing: { r: { a: { a: 1 } } } } } };
    spec.services.s.tenants.t.onlyIn = ['b'];
    const { placement } = await planPlacement(spec, current);
    expect(checkPlacement(spec, current, placement)).toEqual([]);
    const moves = buildMoves(spec, current, placement.target);
    const rounds = new Set(moves.map((m) => m.round));
    expect(rounds.size).toBe(3); // 12 replicas added, 4 at a time
    let d = current;
    const allowance = usageByRegion(spec, current);
    let added = 0;
    const addedInRound = new Map<number, number>();
    for (const m of moves) {
      d = applyMove(d, m);
      if (m.kind === 'upsize') {
        added += m.to - m.from;
        addedInRound.set(m.round, (addedInRound.get(m.round) ?? 0) + m.to - m.from);
      }
      expect(checkInvariants(spec, d, allowance), m.id).toEqual([]);
      // never more than max_surge replicas beyond the current footprint
      const total = Object.values(d.tenants['s/t'].replicas).reduce((n, byRes) => n + Object.values(byRes).reduce((a, b) => a + b, 0), 0);
      expect(total, m.id).toBeLessThanOrEqual(12 + 4);
    }
    expect(added).toBe(12);
    // no round adds more than max_surge replicas
    expect(Math.max(...addedInRound.values())).toBeLessThanOrEqual(4);
    expect(d.tenants['s/t'].replicas).toEqual(placement.target.tenants['s/t'].replicas);
  });

  it('moves in one round without max_surge, upsizes before the route before downsizes', async () => {
    const { spec } = specOf(world(''));
    const current: Deployment = { ...emptyDeployment(), tenants: { 's/t': { replicas: { a: { cpu: 12 } }, routing: { r: { a: { a: 1 } } } } } };
    spec.services.s.tenants.t.onlyIn = ['b'];
    const { placement } = await planPlacement(spec, current);
    const moves = buildMoves(spec, current, placement.target);
    expect(moves.map((m) => m.kind)).toEqual(['upsize', 'route', 'downsize']);
    expect(moves[1].dependsOn).toEqual([moves[0].id]);
    expect(moves[2].dependsOn).toEqual([moves[1].id]);
  });

  it('honours min and max replicas per region', async () => {
    const { spec } = specOf(`
resource cpu { unit = server  cost = 1 }
region a { locality = na  supply { cpu = 50 } }
region b { locality = na  supply { cpu = 50 } }
latency { a <-> b = 5ms }
service s {
  tenant t { demand r { a = 1500rps }  latency r < 20ms  replica cpu x1 serves 100rps  max_replicas = 9  min_replicas = 3 }
}`);
    const { placement } = await planPlacement(spec, emptyDeployment());
    expect(checkPlacement(spec, emptyDeployment(), placement)).toEqual([]);
    const counts = Object.values(placement.target.tenants['s/t'].replicas).map((r) => r.cpu);
    expect(counts.every((n) => n >= 3 && n <= 9)).toBe(true);
    expect(counts.reduce((a, b) => a + b, 0)).toBe(15);
  });
});
