/**
 * Facts about a plan that every renderer shows the same way: warnings, cost,
 * the summary sentence, a one-line description of each move.
 */
import type { Move, Plan } from '../../schemas/plan.js';
import { num, plural } from './format.js';

export type PlanWarning =
  | { kind: 'unserved'; text: string }
  | { kind: 'dr'; text: string }
  | { kind: 'removal'; text: string }
  | { kind: 'units'; text: string }
  | { kind: 'solver'; text: string };

/** The label each kind of finding is shown under. */
const FINDING_LABEL: Record<string, { kind: PlanWarning['kind']; label: string }> = {
  'unserved-demand': { kind: 'unserved', label: 'UNSERVED' },
  'unserved-traffic': { kind: 'unserved', label: 'UNSERVED' },
  'reservation-short': { kind: 'unserved', label: 'RESERVATION SHORT' },
  'dr-not-met': { kind: 'dr', label: 'DR NOT MET' },
};

/**
 * The plan's warnings: its saved findings (reasons from the model, with the intent's source line),
 * the removals, and the solver's status — from the Plan document alone, so `plan` and `show` agree.
 */
export function planWarnings(plan: Plan): PlanWarning[] {
  const out: PlanWarning[] = [];
  const p = plan.placement;
  for (const f of plan.findings ?? []) {
    const shown = FINDING_LABEL[f.code];
    if (!shown) continue;
    const where = f.source ? ` (${f.source.file}:${f.source.line})` : '';
    const limit = f.reason?.limit && (f.reason.limit.file !== f.source?.file || f.reason.limit.line !== f.source?.line) ? `; the limit: ${f.reason.limit.file}:${f.reason.limit.line}` : '';
    out.push({ kind: shown.kind, text: `${shown.label}: ${plainText(f.message)}${where}${limit}` });
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

/** Markdown code spans in a finding's message, for renderers that print plain text. */
function plainText(message: string): string {
  return message.replace(/`([^`]*)`/g, '$1');
}

/**
 * The region-loss sentence, from the verdicts the Placement records (planner/region-loss.ts decides
 * them): how many tenants survive, and which are counted in aggregate, latency not checked.
 */
export function drSentence(plan: Plan): string {
  const entries = Object.entries(plan.placement.disasterReadiness).sort(([a], [b]) => (a < b ? -1 : 1));
  const failing = entries.filter(([, d]) => !d.met).length;
  const aggregate = entries.filter(([, d]) => d.mode === 'aggregate').map(([id]) => id);
  const caveat =
    aggregate.length === 0
      ? ''
      : ` ${aggregate.join(', ')} ${aggregate.length === 1 ? 'asks' : 'ask'} for aggregate readiness only: ${aggregate.length === 1 ? 'its' : 'their'} capacity outside any one region is counted, latency is not checked.`;
  const products = Object.entries(plan.placement.productReadiness ?? {}).sort(([a], [b]) => (a < b ? -1 : 1));
  const failingProducts = products.filter(([, d]) => !d.met).map(([P]) => P);
  const productNote =
    products.length === 0
      ? ''
      : failingProducts.length === 0
        ? ` Products: ${plural(products.length, 'product')} asking for it ${products.length === 1 ? 'survives' : 'survive'} the loss of any one region.`
        : ` Products: ${failingProducts.join(', ')} would NOT survive a region loss.`;
  const verdict =
    entries.length === 0
      ? 'No tenant asks for disaster readiness.'
      : failing === 0
      ? `Survives the loss of any one region${aggregate.length === 0 ? ', every client re-routed within its latency threshold or dr_latency' : ''}: ${entries.length === 1 ? 'the 1 tenant that asks' : `all ${entries.length} tenants that ask`} for it.`
      : `${failing} of ${plural(entries.length, 'tenant')} asking for disaster readiness would NOT survive a region loss.`;
  return verdict + caveat + productNote;
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
