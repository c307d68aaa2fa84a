/**
 * The solver's sentence in `plan` and `show` (cli/render/format.ts): a fleet planned in blocks is
 * never called plainly "optimal", because only each block's solve was proven within its gap; the
 * fleet's gap to the blocks' bounds may be above the gap asked for.
 */
import { describe, expect, it } from 'vitest';
import { solverLine } from '../../cli/render/format.js';

const solver = { status: 'optimal', objective: 1518, gap: 0.0064, bound: 1508.3, boundKind: 'mip-dual', seconds: 0 };

describe('the solver line', () => {
  it('says "optimal" of one model proven within its gap', () => {
    expect(solverLine(solver, false)).toBe('Solver: optimal, objective 1518, gap 0.64% to the best bound 1508.3.');
  });

  it('says "each block optimal within its gap" of a fleet in blocks, with the fleet gap to the blocks\' bounds', () => {
    const line = solverLine({ ...solver, boundKind: 'decomposition', blocks: { count: 201, repaired: 3 } }, false);
    expect(line).toBe('Solver: each block optimal within its gap, objective 1518, gap 0.64% to the bound of the blocks 1508.3; planned in 201 blocks, 3 tenants re-planned to fit shared supply.');
  });

  it('keeps the status of a fleet in blocks that stopped at its time limit', () => {
    const line = solverLine({ ...solver, status: 'time-limit', boundKind: 'decomposition', blocks: { count: 2, repaired: 0 } }, false);
    expect(line.startsWith('Solver: time-limit, ')).toBe(true);
  });
});
