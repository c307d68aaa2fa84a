/**
 * The comment's warnings, grouped by kind with a count, each with its reason from the Plan
 * (`findings[].reason`: the binding limit, where it is written, the fix). Removals are one line
 * per service, so a decommissioning PR that drops 900 tenants reads as 36 lines, not 900.
 */
import type { Plan, PlanFinding, PlanLimit } from '../../schemas/plan.js';
import { FINDING_LABEL, isDeclared, planWarnings } from './plan-facts.js';
import { cmp } from './plan-highlights.js';

export interface WarningGroup {
  title: string;
  /**
   * Why, for the whole group in one line: each binding limit with how many of its warnings it
   * explains (groups with reasons only). Short at any fleet size, so every warning's reason is on
   * the comment's first screen even when its own line is not.
   */
  why?: string;
  /** How many warnings of this kind (tenants, for removals). */
  count: number;
  /** One entry per line. */
  items: string[];
  /** Said once for the whole group, before its lines. */
  note?: string;
}

const ORDER = ['UNSERVED', 'RESERVATION SHORT', 'DR NOT MET', 'REMOVAL', 'SCALED TO ZERO', 'UNKNOWN SIZE', 'NOT PROVEN OPTIMAL'];
const TITLES: Record<string, string> = {
  UNSERVED: 'Unserved demand',
  'RESERVATION SHORT': 'Reservations short',
  'DR NOT MET': 'Region loss not survived',
  REMOVAL: 'Tenants removed (no longer declared)',
  'SCALED TO ZERO': 'Tenants scaled to zero (still declared)',
  'UNKNOWN SIZE': 'Replica size unknown',
  'NOT PROVEN OPTIMAL': 'Solver',
};

const UNKNOWN_SIZE_NOTE =
  'The state does not record how many units one replica of these tenants takes (it was written before globe recorded them) and the Spec does not declare it: ' +
  'the cost, supply and apply peak count 1 unit per replica and may be understated. To remove one with exact figures, declare its `replica` options again (with no demand), apply, then remove it.';

export function warningGroups(plan: Plan): WarningGroup[] {
  const groups = new Map<string, WarningGroup>();
  const add = (label: string, item: string, count = 1) => {
    const g = groups.get(label) ?? { title: TITLES[label] ?? label, count: 0, items: [] };
    g.count += count;
    g.items.push(item);
    groups.set(label, g);
  };
  const reasoned = new Map<string, PlanFinding[]>();
  for (const f of plan.findings ?? []) {
    const shown = FINDING_LABEL[f.code];
    if (!shown) continue;
    add(shown.label, findingLine(f));
    reasoned.set(shown.label, [...(reasoned.get(shown.label) ?? []), f]);
  }
  for (const [label, findings] of reasoned) {
    if (findings.some((f) => f.reason)) groups.get(label)!.why = whyLine(findings);
  }
  for (const [label, byService] of removalsByService(plan)) {
    for (const [service, r] of [...byService].sort(([a], [b]) => cmp(a, b))) {
      const names = r.tenants.sort(cmp);
      const shown = names.slice(0, 3).join(', ') + (names.length > 3 ? `, … ${names.length - 3} more` : '');
      add(label, `service \`${service}\`: ${names.length} ${names.length === 1 ? 'tenant' : 'tenants'} (${shown}), ${r.replicas} replicas removed`, names.length);
    }
  }
  const unknown = new Map<string, string[]>();
  for (const w of planWarnings(plan)) {
    const m = /units of (.+) one replica of (\S+) takes/.exec(w.text);
    if (w.kind === 'units' && m) unknown.set(m[2].split('/')[0], [...(unknown.get(m[2].split('/')[0]) ?? []), `${m[2].split('/')[1]} (${m[1]})`]);
    else if (w.kind === 'units' || w.kind === 'solver') add(w.text.split(':')[0], w.text.slice(w.text.indexOf(':') + 2));
  }
  // One line per service: a state from an older globe lacks the units of every removed tenant at once.
  for (const [service, names] of [...unknown].sort(([a], [b]) => cmp(a, b))) {
    const shown = names.slice(0, 3).join(', ') + (names.length > 3 ? `, … ${names.length - 3} more` : '');
    add('UNKNOWN SIZE', `service \`${service}\`: ${names.length} ${names.length === 1 ? 'tenant' : 'tenants'}: ${shown}`, names.length);
    groups.get('UNKNOWN SIZE')!.note = UNKNOWN_SIZE_NOTE;
  }
  return [...groups].sort(([a], [b]) => ORDER.indexOf(a) - ORDER.indexOf(b)).map(([, g]) => g);
}

function removalsByService(plan: Plan): Map<string, Map<string, { tenants: string[]; replicas: number }>> {
  const out = new Map<string, Map<string, { tenants: string[]; replicas: number }>>();
  for (const t of plan.diff.tenants) {
    if (t.change !== 'delete') continue;
    const label = isDeclared(plan, t.tenant) ? 'SCALED TO ZERO' : 'REMOVAL';
    const [service, name] = t.tenant.split('/');
    const byService = out.get(label) ?? new Map();
    const r = byService.get(service) ?? { tenants: [], replicas: 0 };
    r.tenants.push(name);
    r.replicas += t.replicas.reduce((n, x) => n + Math.max(0, x.from - x.to), 0);
    byService.set(service, r);
    out.set(label, byService);
  }
  return out;
}

/**
 * The finding, where its intent is written, and why: the limit that binds, where it is written
 * and its fix — the parts the planner's message does not already say.
 */
function findingLine(f: PlanFinding): string {
  const where = f.source ? ` (${f.source.file}:${f.source.line})` : '';
  const message = f.message.replace(/\s+/g, ' ');
  const r = f.reason;
  if (!r) return `${message}${where}`;
  const said = (l: PlanLimit) => message.includes(l.fix);
  const at = (l: PlanLimit) => (l.limit && `${l.limit.file}:${l.limit.line}` !== `${f.source?.file}:${f.source?.line}` ? `the limit: ${l.limit.file}:${l.limit.line}` : '');
  const parts = [r, ...(r.with ? [r.with] : [])].map((l) => (said(l) ? at(l) : `**why:** ${limitText(l)}`));
  parts.push(...(r.alternatives ?? []).filter((l) => !said(l)).map((l) => `or: ${limitText(l)}`));
  const extra = parts.filter((p) => p !== '');
  return `${message}${where}${extra.length > 0 ? ` — ${extra.join('; ')}` : ''}`;
}

function limitText(l: PlanLimit): string {
  const at = l.limit ? ` (${l.limit.file}:${l.limit.line})` : '';
  return `${l.family} limit${at}, fix: ${l.fix}`;
}

/** How a binding limit reads in a group's "why" line. */
const FAMILY_LABEL: Record<string, string> = {
  supply: 'supply',
  peak: 'the apply-time peak',
  'max-replicas': '`max_replicas`',
  'min-replicas': '`min_replicas`',
  placement: '`avoid`/`only_in`',
  latency: 'the latency threshold',
  'dr-latency': '`dr_latency`',
  free: '`--free`',
  priority: 'priority (higher-priority tenants take the room)',
};

/** The reason of one finding, as the "why" line counts it: its binding limit (or pair), or why there is none. */
export function reasonKey(f: PlanFinding): string {
  const r = f.reason;
  if (!r) return 'not analysed (the reasons of the most important tenants are found, up to a cap)';
  if (r.family === 'solver') return 'the planner did not find the best plan';
  if (r.family === 'unknown') return 'no reason found';
  const label = (family: string) => FAMILY_LABEL[family] ?? family;
  return r.with ? `${label(r.family)} and ${label(r.with.family)} bind together` : `${label(r.family)} binds`;
}

/** "`dr_latency` binds for 12 (svc-a/x, svc-b/y, svc-c/z and 9 others); supply binds for 2 (…)": largest first. */
function whyLine(findings: PlanFinding[]): string {
  const byKey = new Map<string, string[]>();
  for (const f of findings) {
    const subject = /`([^`]+\/[^`]+)`/.exec(f.message)?.[1] ?? f.path ?? f.code;
    byKey.set(reasonKey(f), [...(byKey.get(reasonKey(f)) ?? []), subject]);
  }
  return [...byKey]
    .sort(([a, x], [b, y]) => y.length - x.length || cmp(a, b))
    .map(([key, subjects]) => {
      const names = [...new Set(subjects)].sort(cmp);
      // "and N others", not "… N more": that is how the comment marks what a budget cut.
      const shown = names.slice(0, 3).join(', ') + (names.length > 3 ? ` and ${names.length - 3} others` : '');
      return `${key} for ${subjects.length} (${shown})`;
    })
    .join('; ');
}
