/**
 * Facts about a plan that every renderer shows the same way: warnings, cost,
 * the summary sentence, a one-line description of each move.
 */
import type { Move, Plan } from '../../planner/plan.js';
import { num, plural } from './format.js';

export type PlanWarning =
  | { kind: 'unserved'; text: string }
  | { kind: 'dr'; text: string }
  | { kind: 'removal'; text: string }
  | { kind: 'solver'; text: string };

export function planWarnings(plan: Plan): PlanWarning[] {
  const out: PlanWarning[] = [];
  const p = plan.placement;
  for (const [id, byClass] of Object.entries(p.unserved).sort(([a], [b]) => (a < b ? -1 : 1))) {
    for (const [cls, byClient] of Object.entries(byClass).sort(([a], [b]) => (a < b ? -1 : 1))) {
      for (const [client, rps] of Object.entries(byClient).sort(([a], [b]) => (a < b ? -1 : 1))) {
        out.push({ kind: 'unserved', text: `UNSERVED: ${num(rps)} rps of ${id} class ${cls} from ${client} cannot be served` });
      }
    }
  }
  for (const [P, byClient] of Object.entries(p.unservedProducts).sort(([a], [b]) => (a < b ? -1 : 1))) {
    for (const [client, q] of Object.entries(byClient).sort(([a], [b]) => (a < b ? -1 : 1))) {
      out.push({ kind: 'unserved', text: `UNSERVED: ${num(q)} units of product ${P} traffic from ${client} cannot be served` });
    }
  }
  for (const [id, dr] of Object.entries(p.disasterReadiness).sort(([a], [b]) => (a < b ? -1 : 1))) {
    if (!dr.met) out.push({ kind: 'dr', text: `DR NOT MET: ${id} does not survive the loss of ${dr.worstRegion} (${num(dr.shortfall ?? 0)} rps short)` });
  }
  for (const t of plan.diff.tenants) if (t.change === 'delete') out.push({ kind: 'removal', text: `REMOVAL: tenant ${t.tenant} is no longer declared; all its replicas will be removed` });
  if (p.solver.status === 'time-limit') {
    out.push({ kind: 'solver', text: `NOT PROVEN OPTIMAL: the solver stopped at its time limit, ${(p.solver.gap * 100).toFixed(2)}% from the best bound` });
  }
  return out;
}

/** Cost per period of what is placed, before and after (Σ units × resource cost). */
export function planCost(plan: Plan): { before: number; after: number } {
  let before = 0;
  let after = 0;
  for (const row of plan.diff.regions) {
    const cost = plan.spec.resources[row.resource]?.cost ?? 0;
    before += row.before * cost;
    after += row.after * cost;
  }
  return { before: Math.round(before * 1000) / 1000, after: Math.round(after * 1000) / 1000 };
}

export function summarySentence(plan: Plan): string {
  const s = plan.summary;
  const extra: string[] = [];
  if (plan.diff.products.length > 0) extra.push(plural(plan.diff.products.length, 'product shift'));
  if (plan.diff.followers.length > 0) extra.push(`${plural(plan.diff.followers.length, 'follower service')} resized`);
  if (plan.diff.reservations.length > 0) extra.push(`${plural(plan.diff.reservations.length, 'reservation')} resized`);
  return (
    `Plan: ${plural(s.tenantsToChange, 'tenant')} to change, ${s.tenantsToAdd} to add, ${s.tenantsToRemove} to remove; ` +
    `${plural(s.replicasUp, 'replica')} up, ${s.replicasDown} down; ${plural(s.routingChanges, 'routing change')}` +
    `${extra.length > 0 ? `; ${extra.join(', ')}` : ''}.`
  );
}

export function drSentence(plan: Plan): string {
  const entries = Object.entries(plan.placement.disasterReadiness);
  if (entries.length === 0) return 'No tenant asks for disaster readiness.';
  const failing = entries.filter(([, d]) => !d.met).length;
  return failing === 0
    ? `Survives the loss of any one region: ${entries.length === 1 ? 'the 1 tenant that asks' : `all ${entries.length} tenants that ask`} for it.`
    : `${failing} of ${plural(entries.length, 'tenant')} asking for disaster readiness would NOT survive a region loss.`;
}

export function describeMove(m: Move): { kind: string; subject: string; detail: string } {
  switch (m.kind) {
    case 'upsize':
    case 'downsize': {
      const s = m.subject;
      const who = s.type === 'tenant' ? s.tenant : s.type === 'reservation' ? `reservation ${s.reservation}` : `follower ${s.service}`;
      return { kind: m.kind, subject: who, detail: `${m.region} ${m.resource}  ${num(m.from)} → ${num(m.to)}` };
    }
    case 'route':
      return { kind: 'route', subject: m.tenant, detail: `classes ${Object.keys(m.routing).sort().join(', ')}` };
    case 'shift':
      return { kind: 'shift', subject: `product ${m.product}`, detail: 'traffic matrix' };
  }
}
