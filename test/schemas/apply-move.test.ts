import { describe, expect, it } from 'vitest';
import { applyMove } from '../../schemas/apply-move.js';
import type { Move } from '../../schemas/plan.js';
import type { Deployment } from '../../schemas/state.js';

const base = { id: 'm', dependsOn: [], round: 1 };

function world(): Deployment {
  return {
    tenants: {
      's/a': { replicas: { r1: { cpu: 2 }, r2: { cpu: 1 } }, routing: { web: { c1: { r1: 0.5, r2: 0.5 } } }, units: { cpu: 1 } },
      's/b': { replicas: { r1: { cpu: 3 } }, routing: { web: { c1: { r1: 1 } } } },
    },
    reservations: { spare: { r1: 2 } },
    products: { feed: { c1: { r1: 1 } } },
    followers: { social: { r1: { cpu: 4 } } },
  };
}

/** Every kind of move, on every kind of subject, including ones that empty or create an entry. */
const moves: Move[] = [
  { ...base, kind: 'upsize', subject: { type: 'tenant', tenant: 's/a' }, region: 'r3', resource: 'cpu', from: 0, to: 2, units: 1 },
  { ...base, kind: 'downsize', subject: { type: 'tenant', tenant: 's/b' }, region: 'r1', resource: 'cpu', from: 3, to: 0, units: 1 },
  { ...base, kind: 'upsize', subject: { type: 'tenant', tenant: 's/new' }, region: 'r1', resource: 'cpu', from: 0, to: 1, units: 1 },
  { ...base, kind: 'upsize', subject: { type: 'reservation', reservation: 'spare' }, region: 'r2', resource: 'cpu', from: 0, to: 1 },
  { ...base, kind: 'downsize', subject: { type: 'follower', service: 'social' }, region: 'r1', resource: 'cpu', from: 4, to: 0 },
  { ...base, kind: 'route', tenant: 's/a', routing: { web: { c1: { r1: 1 } } } },
  { ...base, kind: 'route', tenant: 's/b', routing: { web: {} } },
  { ...base, kind: 'shift', product: 'feed', routing: { c1: { r2: 1 } } },
];

describe('applying a move', () => {
  it.each(moves.map((m, i) => [i, m.kind, m] as const))('move %i (%s) leaves the deployment it was given unchanged and shares nothing it changed', (_i, _kind, move) => {
    const before = world();
    const snapshot = structuredClone(before);
    const after = applyMove(before, move);
    expect(before).toEqual(snapshot);
    // applying it again to the result must not reach back into `before` either
    applyMove(after, move);
    expect(before).toEqual(snapshot);
    // moves carry absolute targets: applying twice equals applying once
    expect(applyMove(after, move)).toEqual(after);
  });

  it('gives what each move says, and keeps the rest of the state (its version, serial, lineage) as it was', () => {
    const state = { ...world(), version: 3, lineage: 'x', serial: 7 };
    let d = state as Deployment & { version: number; lineage: string; serial: number };
    for (const m of moves) d = applyMove(d, m);
    expect(d).toEqual({
      version: 3,
      lineage: 'x',
      serial: 7,
      tenants: {
        's/a': { replicas: { r1: { cpu: 2 }, r2: { cpu: 1 }, r3: { cpu: 2 } }, routing: { web: { c1: { r1: 1 } } }, units: { cpu: 1 } },
        's/new': { replicas: { r1: { cpu: 1 } }, routing: {}, units: { cpu: 1 } },
      },
      reservations: { spare: { r1: 2, r2: 1 } },
      products: { feed: { c1: { r2: 1 } } },
      followers: {},
    });
  });
});
