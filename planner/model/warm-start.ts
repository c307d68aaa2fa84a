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
