import { describe, expect, it } from 'vitest';
import { checkInvariants } from '../../schemas/invariants.js';
import { emptyDeployment, type Deployment } from '../../schemas/state.js';
import { specOf } from '../support/specs.js';

// One client of 3,400 rps spread over three regions: the plan stores routing weights to 1e-6, so the
// traffic a weight sends to a region is known to about 3,400 × 1e-6 rps — more than a fixed tolerance.
const world = `
resource cpu { unit = server  cost = 1 }
region a { locality = na  supply { cpu = 100 } }
region b { locality = na  supply { cpu = 100 } }
region c { locality = na  supply { cpu = 100 } }
latency { a <-> b = 5ms  a <-> c = 5ms  b <-> c = 5ms }
service s {
  tenant t { demand r { a = 3400rps }  latency r < 20ms  replica cpu x1 serves 57.6rps }
}`;

function routedToB(weightB: number): Deployment {
  const rest = 1 - weightB;
  return {
    ...emptyDeployment(),
    tenants: { 's/t': { replicas: { a: { cpu: 40 } , b: { cpu: 1 }, c: { cpu: 40 } }, routing: { r: { a: { a: rest / 2, b: weightB, c: rest / 2 } } } } },
  };
}

describe('the capacity invariant, to the precision routing weights are stored', () => {
  it('accepts traffic over capacity by no more than rounding the weights to 1e-6 can add (a 1,000-tenant plan was refused by apply for 0.0034 rps)', () => {
    const { spec } = specOf(world);
    const t = spec.services.s.tenants.t;
    const capacityB = 57.6 * t.targetUtilization;
    // the exact share rounded up to the next 1e-6: what a plan whose model routed exactly the capacity stores
    const share = Math.ceil((capacityB / 3400) * 1e6) / 1e6 + 1e-6;
    expect(3400 * share - capacityB).toBeGreaterThan(1e-3 + capacityB * 1e-5); // over the old fixed tolerance
    expect(checkInvariants(spec, routedToB(share))).toEqual([]);
  });

  it('still refuses traffic over capacity by more than the rounding', () => {
    const { spec } = specOf(world);
    const capacityB = 57.6 * spec.services.s.tenants.t.targetUtilization;
    const share = (capacityB + 0.5) / 3400; // half an rps too much
    expect(checkInvariants(spec, routedToB(share))).toEqual([
      expect.objectContaining({ kind: 'capacity', tenant: 's/t', region: 'b', capacity: capacityB }),
    ]);
  });
});
