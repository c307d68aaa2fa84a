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
  | { kind: 'units'; text: string }
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
  for (const t of plan.diff.tenants) {
    if (t.change !== 'delete') continue;
    const text = isDeclared(plan, t.tenant)
      ? `SCALED TO ZERO: tenant ${t.tenant} is still declared, but this plan gives it no replicas; all its replicas will be removed`
      : `REMOVAL: tenant ${t.tenant} is no longer declared; all its replicas will be removed`;
    out.push({ kind: 'removal', text });
  }
  out.push(...unknownUnits(plan));
  if (p.solver.status === 'time-limit') {
    out.push({ kind: 'solver', text: `NOT PROVEN OPTIMAL: the solver stopped at its time limit, ${(p.solver.gap * 100).toFixed(2)}% from the best bound` });
  }
  return out;
}

/** Is the tenant in the Spec the plan was made from? Only a tenant absent from it is "no longer declared". */
export function isDeclared(plan: Plan, id: string): boolean {
  const [service, name] = id.split('/');
  return Object.hasOwn(plan.spec.services, service) && Object.hasOwn(plan.spec.services[service].tenants, name);
}

function declaredUnits(plan: Plan, id: string, resource: string): number | undefined {
  if (!isDeclared(plan, id)) return undefined;
  const [service, name] = id.split('/');
  const option = plan.spec.services[service].tenants[name].replicas;
  return Object.hasOwn(option, resource) ? option[resource].units : undefined;
}

/**
 * A tenant's resize without `units`: neither the Spec nor the State knows how many units one of
 * its replicas takes (a removed tenant of a state written before globe recorded them). Its
 * figures then count 1 unit per replica: say so rather than present a guess as a fact.
 */
function unknownUnits(plan: Plan): PlanWarning[] {
  const unknown = new Map<string, Set<string>>();
  for (const m of plan.moves) {
    if (m.kind !== 'upsize' && m.kind !== 'downsize') continue;
    // A plan saved by an older globe has no `units` on any move: the Spec's table still answers for declared options.
    if (m.subject.type === 'tenant' && m.units === undefined && declaredUnits(plan, m.subject.tenant, m.resource) === undefined) {
      const resources = unknown.get(m.subject.tenant) ?? new Set<string>();
      unknown.set(m.subject.tenant, resources.add(m.resource));
    }
  }
  return [...unknown].sort(([a], [b]) => (a < b ? -1 : 1)).map(([id, resources]) => ({
    kind: 'units' as const,
    text:
      `UNKNOWN SIZE: the state does not record how many units of ${[...resources].sort().join(', ')} one replica of ${id} takes ` +
      `(it was written before globe recorded them) and the Spec does not declare it: the cost, supply and apply peak ` +
      `count 1 unit per replica and may be understated. To remove it with exact figures, declare its \`replica\` options again (with no demand), apply, then remove it.`,
  }));
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
