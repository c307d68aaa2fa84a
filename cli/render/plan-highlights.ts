/**
 * What stands out in a plan, for the "largest changes" block of the comment and the HTML page:
 * the regions whose use moves most, the tenants losing more than half their replicas, the cost
 * change in percent. Sorted so the biggest comes first; ties by name, so output is stable.
 */
import type { Plan } from '../../schemas/plan.js';
import type { TenantId } from '../../lang/spec.js';
import { planCost } from './plan-facts.js';

export interface RegionShift {
  region: string;
  resource: string;
  supply: number;
  before: number;
  after: number;
}

export interface TenantLoss {
  tenant: string;
  before: number;
  after: number;
}

export function regionShifts(plan: Plan): RegionShift[] {
  return plan.diff.regions
    .filter((r) => r.before !== r.after)
    .map(({ region, resource, supply, before, after }) => ({ region, resource, supply, before, after }))
    .sort((a, b) => Math.abs(b.after - b.before) - Math.abs(a.after - a.before) || cmp(a.region, b.region) || cmp(a.resource, b.resource));
}

/** Tenants whose replica count falls by more than half (removals included), largest loss first. */
export function tenantsHalved(plan: Plan): TenantLoss[] {
  const out: TenantLoss[] = [];
  for (const t of plan.diff.tenants) {
    const before = t.replicas.reduce((n, r) => n + r.from, 0);
    const after = t.replicas.reduce((n, r) => n + r.to, 0);
    // Only changed rows are listed: unchanged replicas count on both sides, so compare against the placed total.
    const unchanged = unchangedReplicas(plan, t.tenant, t.replicas);
    if (before + unchanged > 0 && after + unchanged < (before + unchanged) / 2) out.push({ tenant: t.tenant, before: before + unchanged, after: after + unchanged });
  }
  return out.sort((a, b) => b.before - b.after - (a.before - a.after) || cmp(a.tenant, b.tenant));
}

function unchangedReplicas(plan: Plan, id: string, changed: { region: string; resource: string }[]): number {
  const target = plan.placement.target.tenants[id as TenantId];
  if (!target) return 0;
  const moved = new Set(changed.map((r) => `${r.region}\u0000${r.resource}`));
  let n = 0;
  for (const [region, byRes] of Object.entries(target.replicas)) for (const [resource, count] of Object.entries(byRes)) if (!moved.has(`${region}\u0000${resource}`)) n += count;
  return n;
}

/** Cost per period before and after, and the change in percent (null when nothing was placed before). */
export function costChange(plan: Plan): { before: number; after: number; percent: number | null } {
  const { before, after } = planCost(plan);
  return { before, after, percent: before === 0 ? null : ((after - before) / before) * 100 };
}

export function percentText(p: number | null): string {
  if (p === null) return 'new';
  const r = Math.round(p * 10) / 10;
  return r > 0 ? `+${r.toFixed(1)}%` : r < 0 ? `−${(-r).toFixed(1)}%` : '0.0%';
}

export function cmp(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}
