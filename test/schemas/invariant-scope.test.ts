/**
 * Apply checks each move against only what it touches (moveViolations); the planner's and the
 * tests' whole-deployment check (checkInvariants twice, then newViolations) is the reference.
 * For random deployments, moves and allowances the two must find the very same violations:
 * a scope that misses something a move changes would let that move break the invariant.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { applyMove } from '../../schemas/apply-move.js';
import { checkInvariants, moveViolations, newViolations, scopeOfMove } from '../../schemas/invariants.js';
import type { Move, Subject } from '../../schemas/plan.js';
import type { Deployment, RoutingMatrix, TenantDeployment } from '../../schemas/state.js';
import { SPEC_VERSION, type Spec, type Tenant } from '../../lang/spec.js';

const REGIONS = ['a', 'b', 'c'];
const CLIENTS = ['a', 'b', 'edge'];
const RESOURCES = ['cpu', 'gpu'];
/** s/web and s/feed are declared; old/gone is a tenant the Spec dropped (its units only in the State). */
const TENANTS = ['s/web', 's/feed', 'old/gone'];
/** pool is declared; retired only in the State. */
const RESERVATIONS = ['pool', 'retired'];
/** follow is a follower service; s has no follower contract. */
const FOLLOWER_SERVICES = ['follow', 's'];
const CLASSES = ['q', 'r'];

function tenant(t: Partial<Tenant>): Tenant {
  return { priority: 0, demand: {}, latency: { q: 200, r: 200 }, replicas: {}, targetUtilization: 0.8, tolerateRegionFailure: false, avoid: [], onlyIn: [], ...t };
}

/** Tight supplies and demands of the same order as a few replicas: random deployments often break every family. */
const spec: Spec = {
  version: SPEC_VERSION,
  resources: { cpu: { unit: 'server', cost: 1 }, gpu: { unit: 'gpu', cost: 3 } },
  regions: {
    a: { locality: 'na', supply: { cpu: 20, gpu: 4 } },
    b: { locality: 'na', supply: { cpu: 12 } },
    c: { locality: 'eu', supply: { cpu: 16, gpu: 2 } },
  },
  latency: [],
  services: {
    s: {
      tenants: {
        web: tenant({ demand: { q: { a: 300, b: 120 }, r: { edge: 80 } }, replicas: { cpu: { units: 2, serves: 100 }, gpu: { units: 1, serves: 250 } } }),
        feed: tenant({ demand: { q: { b: 50 } }, replicas: { cpu: { units: 1, serves: 60 } }, follows: { social: { q: 0.2, r: 0.05 } } }),
      },
      follows: {},
      residual: {},
      tolerateRegionFailure: false,
    },
    follow: { tenants: {}, follows: { social: { perUnit: { cpu: 0.01, gpu: 0.002 } } }, residual: { a: { cpu: 1 } }, tolerateRegionFailure: false },
  },
  reservations: { pool: { resource: 'cpu', amount: 6, locality: 'na', tolerateRegionFailure: false } },
  products: { social: { demand: { a: 600, b: 300, edge: 100 }, latency: 200, avoid: [], tolerateRegionFailure: false } },
};

const count = fc.integer({ min: 0, max: 7 });
/** An object with some of `keys` (each present about half the time), each value drawn from `value`. */
function some<T>(keys: string[], value: fc.Arbitrary<T>): fc.Arbitrary<Record<string, T>> {
  return fc.record(Object.fromEntries(keys.map((k) => [k, value])), { requiredKeys: [] }) as fc.Arbitrary<Record<string, T>>;
}
/** region → resource → count, zero counts included (a pushed state may hold them). */
const counts = some(REGIONS, some(RESOURCES, count));
/** A row of weights summing to 1 over some regions. */
const row = fc.uniqueArray(fc.constantFrom(...REGIONS), { minLength: 1, maxLength: 3 }).chain((regions) =>
  fc.array(fc.integer({ min: 1, max: 10 }), { minLength: regions.length, maxLength: regions.length }).map((ws) => {
    const total = ws.reduce((a, b) => a + b, 0);
    return Object.fromEntries(regions.map((r, i) => [r, ws[i] / total]));
  }),
);
const matrix: fc.Arbitrary<RoutingMatrix> = some(CLIENTS, row);
const tenantDeployment: fc.Arbitrary<TenantDeployment> = fc.record(
  { replicas: counts, routing: some(CLASSES, matrix), units: some(RESOURCES, fc.integer({ min: 1, max: 3 })) },
  { requiredKeys: ['replicas', 'routing'] },
);
const deployment: fc.Arbitrary<Deployment> = fc.record({
  tenants: some(TENANTS, tenantDeployment),
  reservations: some(RESERVATIONS, some(REGIONS, count)),
  products: some(['social'], matrix),
  followers: some(FOLLOWER_SERVICES, counts),
}) as fc.Arbitrary<Deployment>;

const subject: fc.Arbitrary<Subject> = fc.oneof(
  fc.constantFrom(...TENANTS).map((t) => ({ type: 'tenant', tenant: t }) as Subject),
  fc.constantFrom(...RESERVATIONS).map((g) => ({ type: 'reservation', reservation: g }) as Subject),
  fc.constantFrom(...FOLLOWER_SERVICES).map((service) => ({ type: 'follower', service }) as Subject),
);
const move: fc.Arbitrary<Move> = fc.oneof(
  { weight: 4, arbitrary: fc.record({ subject, region: fc.constantFrom(...REGIONS), resource: fc.constantFrom(...RESOURCES), to: count, units: fc.option(fc.integer({ min: 1, max: 3 }), { nil: undefined }) }).map(
    ({ subject, region, resource, to, units }): Move => ({ id: 'm', kind: 'upsize', subject, region, resource, from: 0, to, dependsOn: [], round: 1, ...(units === undefined ? {} : { units }) }),
  ) },
  fc.record({ tenant: fc.constantFrom(...TENANTS), routing: some(CLASSES, matrix) }).map(
    ({ tenant, routing }): Move => ({ id: 'm', kind: 'route', tenant: tenant as `${string}/${string}`, routing, dependsOn: [], round: 1 }),
  ),
  matrix.map((routing): Move => ({ id: 'm', kind: 'shift', product: 'social', routing, dependsOn: [], round: 1 })),
);
/** Resizes of what the deployment holds, down to half and up by 3: random moves seldom hit a count that is there. */
function resizesOf(d: Deployment): Move[] {
  const resize = (subject: Subject, region: string, resource: string, from: number, to: number): Move => ({ id: 'm', kind: to > from ? 'upsize' : 'downsize', subject, region, resource, from, to, dependsOn: [], round: 1 });
  const both = (subject: Subject, region: string, resource: string, n: number) => [resize(subject, region, resource, n, Math.floor(n / 2)), resize(subject, region, resource, n, n + 3)];
  const out: Move[] = [];
  for (const [id, t] of Object.entries(d.tenants)) for (const [r, byRes] of Object.entries(t.replicas)) for (const [k, n] of Object.entries(byRes)) out.push(...both({ type: 'tenant', tenant: id as `${string}/${string}` }, r, k, n));
  for (const [g, byRegion] of Object.entries(d.reservations)) for (const [r, n] of Object.entries(byRegion)) out.push(...both({ type: 'reservation', reservation: g }, r, 'cpu', n));
  for (const [service, byRegion] of Object.entries(d.followers)) for (const [r, byRes] of Object.entries(byRegion)) for (const [k, n] of Object.entries(byRes)) out.push(...both({ type: 'follower', service }, r, k, n));
  return out;
}

/** What the regions held when the apply started: some above their supply. */
const allowance = fc.dictionary(fc.constantFrom(...REGIONS.flatMap((r) => RESOURCES.map((k) => `${r}\u0000${k}`))), fc.integer({ min: 0, max: 30 }), { maxKeys: 6 }).map((o) => new Map(Object.entries(o)));

describe('checking only what a move touches', () => {
  it('finds exactly the violations the whole-deployment check finds, for random deployments, moves and allowances', () => {
    let refused = 0;
    const kinds = new Set<string>();
    fc.assert(
      fc.property(deployment, move, allowance, (d, random, allowed) => {
        for (const m of [random, ...resizesOf(d)]) {
          const whole = newViolations(checkInvariants(spec, d, allowed), checkInvariants(spec, applyMove(d, m), allowed));
          const scoped = moveViolations(spec, d, m, allowed);
          // (compared as text first: vitest's deep equality, thousands of times, is most of the test's time)
          if (JSON.stringify(scoped) !== JSON.stringify(whole)) expect(scoped, JSON.stringify(m)).toEqual(whole);
          if (whole.length > 0) refused++;
          for (const v of whole) kinds.add(v.kind);
        }
      }),
      { numRuns: 400 },
    );
    // Not vacuous: many moves break something, in every family.
    expect(refused).toBeGreaterThan(500);
    expect([...kinds].sort()).toEqual(['capacity', 'follower', 'supply']);
  });

  it('a resize of a tenant the Spec dropped looks at every region where the tenant runs that resource: the units it records count there too', () => {
    // old/gone runs 5 cpu replicas in b (12 cpu) of 2 units each; a move in a that records 3 units makes b hold 15.
    const d: Deployment = { tenants: { 'old/gone': { replicas: { b: { cpu: 5 } }, routing: {}, units: { cpu: 2 } } }, reservations: {}, products: {}, followers: {} };
    const m: Move = { id: 'm', kind: 'upsize', subject: { type: 'tenant', tenant: 'old/gone' }, region: 'a', resource: 'cpu', from: 0, to: 1, dependsOn: [], round: 1, units: 3 };
    expect([...scopeOfMove(spec, d, applyMove(d, m), m).supply].sort()).toEqual(['a\u0000cpu', 'b\u0000cpu']);
    expect(moveViolations(spec, d, m)).toEqual([{ kind: 'supply', region: 'b', resource: 'cpu', used: 15, limit: 12 }]);
  });
});
