/**
 * A MIP start from the current deployment: its replica, reservation and
 * follower counts (clipped to what the model allows), as a partial solution
 * that HiGHS completes. When the world has not changed, the current
 * deployment is optimal or close to it, and starting from it lets the
 * solver keep it — re-planning an applied plan finds nothing to do — instead
 * of wandering to an equally good placement elsewhere.
 */
import type { PlacementModel } from './build-placement-model.js';

export function currentAsStart(pm: PlacementModel): { indices: Int32Array; values: Float64Array } | undefined {
  return startFrom(pm);
}

/**
 * A MIP start from a deployment planned a moment ago (`previous`: the last round of a block whose
 * region-loss scenarios grew) — it is usually optimal or close, so the next round only has to prove it —
 * or from the current deployment when there is none.
 */
export function startFrom(pm: PlacementModel, previous?: { replicas: (v: PlacementModel['replicas'][number]) => number; reservation: (v: PlacementModel['reservations'][number]) => number; follower: (v: PlacementModel['followers'][number]) => number }): { indices: Int32Array; values: Float64Array } | undefined {
  if (!previous) return fromCurrent(pm);
  const entries: [number, number][] = [];
  const add = (col: number, peakCol: number, current: number, planned: number) => {
    const n = Math.min(Math.max(planned, pm.model.lower(col)), pm.model.upper(col));
    entries.push([col, n]);
    if (peakCol >= 0) entries.push([peakCol, Math.max(current, n)]);
  };
  for (const v of pm.replicas) add(v.col, v.peakCol, v.current, previous.replicas(v));
  for (const v of pm.reservations) add(v.col, v.peakCol, v.current, previous.reservation(v));
  for (const v of pm.followers) add(v.col, v.peakCol, v.current, previous.follower(v));
  entries.sort((a, b) => a[0] - b[0]);
  return { indices: Int32Array.from(entries, (e) => e[0]), values: Float64Array.from(entries, (e) => e[1]) };
}

function fromCurrent(pm: PlacementModel): { indices: Int32Array; values: Float64Array } | undefined {
  const entries: [number, number][] = [];
  const add = (col: number, peakCol: number, current: number) => {
    const n = Math.min(Math.max(current, pm.model.lower(col)), pm.model.upper(col));
    entries.push([col, n]);
    if (peakCol >= 0) entries.push([peakCol, Math.max(current, n)]);
  };
  let deployed = false;
  for (const v of [...pm.replicas, ...pm.reservations, ...pm.followers]) {
    add(v.col, v.peakCol, v.current);
    if (v.current > 0) deployed = true;
  }
  if (!deployed) return undefined;
  entries.sort((a, b) => a[0] - b[0]);
  return { indices: Int32Array.from(entries, (e) => e[0]), values: Float64Array.from(entries, (e) => e[1]) };
}
