import { describe, expect, it } from 'vitest';
import { outcomeFromWire, outcomeToWire, requestFromWire, requestToWire } from '../../planner/distribute/wire.js';
import type { SolveOutcome } from '../../planner/solve/solve.js';

/** Through JSON text, as the job queue stores it (jsonb). */
const viaJson = <T>(w: T): unknown => JSON.parse(JSON.stringify(w));

describe('solve requests and outcomes on the wire', () => {
  it('bring typed arrays back bit for bit, and the numbers JSON cannot hold', () => {
    const awkward = Float64Array.from([0.1 + 0.2, -0, 1e-300, Number.MAX_VALUE, 5e-324, 1 / 3, -7.25]);
    const request = {
      model: {
        numCols: 7,
        numRows: 1,
        colLower: awkward,
        colUpper: new Float64Array(7).fill(1e30),
        integrality: Int32Array.from([1, 0, 1, 0, 1, 0, -2147483648]),
        rowLower: Float64Array.from([-1e30]),
        rowUpper: Float64Array.from([3]),
        starts: Int32Array.from([0, 2]),
        indices: Int32Array.from([0, 6]),
        values: Float64Array.from([1, 2]),
      },
      stages: [{ name: 'main', indices: Int32Array.from([3]), values: Float64Array.from([2.5]) }],
      timeLimitSeconds: 60,
      gapLimit: 0.005,
      lpBound: false,
    };
    const back = requestFromWire(viaJson(requestToWire(request)));
    expect(back).toEqual(request);
    expect(Object.is(back.model.colLower[1], -0)).toBe(true);
    expect(Buffer.from(back.model.colLower.buffer).equals(Buffer.from(awkward.buffer))).toBe(true);
    expect(back.model.integrality).toBeInstanceOf(Int32Array);

    const outcome: SolveOutcome = { ok: true, status: 'optimal', colValue: awkward, stages: [{ name: 'main', objective: -0, bound: -Infinity, gap: Infinity, status: 'optimal' }], lpBound: -Infinity, seconds: 1.5 };
    const o = outcomeFromWire(viaJson(outcomeToWire(outcome)));
    expect(o).toEqual(outcome);
    expect(Object.is(o.stages[0].objective, -0)).toBe(true);
    expect(Number.isNaN((outcomeFromWire(viaJson(outcomeToWire({ ...outcome, lpBound: NaN }))) as { lpBound: number }).lpBound)).toBe(true);
  });
});
