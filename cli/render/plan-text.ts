/**
 * The plan for people at a terminal, terraform-style: symbols (+ ~ −), and
 * colour only when asked. Solver time is printed only when `showTimings` —
 * never in CI or when piped — so the same inputs print the same bytes.
 */
import type { Plan, ReplicaChange } from '../../schemas/plan.js';
import { num, pct, signed, solverLine } from './format.js';
import { renderWavesText } from './plan-waves.js';
import { describeMove, drSentence, isDeclared, planCost, planWarnings, summarySentence } from './plan-facts.js';

export interface TextOptions {
  color: boolean;
  showTimings: boolean;
}

export function renderPlanText(plan: Plan, options: TextOptions): string {
  const c = colors(options.color);
  const out: string[] = [];
  for (const w of planWarnings(plan)) out.push(c.red(c.bold(`! ${w.text}`)));
  if (out.length > 0) out.push('');

  if (!plan.summary.hasChanges) {
    out.push(c.bold('No changes.') + ' The deployment already matches the intents.');
    out.push('');
    out.push(drSentence(plan));
    out.push(solverLine(plan.placement.solver, options.showTimings));
    return `${out.join('\n')}\n`;
  }

  out.push('globe will perform the following changes:');
  out.push('');
  for (const t of plan.diff.tenants) {
    if (t.change === 'none') continue;
    const sym = t.change === 'create' ? c.green('+') : t.change === 'delete' ? c.red('−') : c.yellow('~');
    out.push(`  ${sym} tenant ${c.bold(t.tenant)}${t.change === 'create' ? ' (new)' : t.change === 'delete' ? (isDeclared(plan, t.tenant) ? ' (scaled to zero)' : ' (removed)') : ''}`);
    if (t.replicas.length > 0) {
      out.push('      replicas');
      for (const r of t.replicas) out.push(`        ${replicaLine(r, c)}`);
    }
    const classes = [...new Set(t.routing.map((r) => r.class))];
    for (const cls of classes) {
      out.push(`      routing ${cls}  (client → server: old → new)`);
      for (const r of t.routing.filter((x) => x.class === cls)) {
        const sym2 = r.from === 0 ? c.green('+') : r.to === 0 ? c.red('−') : c.yellow('~');
        out.push(`        ${sym2} ${r.client} → ${r.server}  ${pct(r.from)} → ${pct(r.to)}`);
      }
    }
    out.push('');
  }
  for (const g of plan.diff.reservations) {
    out.push(`  ${c.yellow('~')} reservation ${c.bold(g.name)}`);
    for (const r of g.changes) out.push(`        ${replicaLine(r, c)}`);
    out.push('');
  }
  for (const p of plan.diff.products) {
    out.push(`  ${c.yellow('~')} product ${c.bold(p.product)}  traffic (client → region: old → new)`);
    for (const r of p.changes) out.push(`        ${r.client} → ${r.server}  ${pct(r.from)} → ${pct(r.to)}`);
    out.push('');
  }
  for (const f of plan.diff.followers) {
    out.push(`  ${c.yellow('~')} follower capacity ${c.bold(f.name)}`);
    for (const r of f.changes) out.push(`        ${replicaLine(r, c)}`);
    out.push('');
  }

  out.push(...renderWavesText(plan));
  const k = plan.summary.movesByKind;
  out.push(`Moves (in order): ${k.upsize} upsize, ${k.route} route, ${k.shift} shift, ${k.downsize} downsize`);
  const width = String(plan.moves.length).length;
  const multiRound = new Set(plan.moves.filter((m) => m.round > 1).map(subjectKey));
  for (const [i, m] of plan.moves.entries()) {
    const d = describeMove(m);
    const round = multiRound.has(subjectKey(m)) ? `  [round ${m.round}]` : '';
    out.push(`  ${String(i + 1).padStart(width)}. ${d.kind.padEnd(8)} ${d.subject}  ${d.detail}${round}`);
  }
  out.push('');
  out.push('Supply by region (used / supply: before → after, peak during apply)');
  const changed = plan.diff.regions.filter((r) => r.before !== r.after || r.peak !== r.after);
  for (const r of changed) {
    const over = r.peak > r.supply ? (r.peak <= r.before ? c.yellow('  already over its supply: shrinks') : c.red('  OVER SUPPLY during apply')) : '';
    out.push(`  ${r.region.padEnd(14)} ${r.resource.padEnd(6)} ${num(r.before)}/${r.supply} → ${num(r.after)}/${r.supply}  peak ${num(r.peak)}${over}`);
  }
  if (changed.length === 0) out.push('  (unchanged)');
  const cost = planCost(plan);
  out.push('');
  out.push(`Cost: ${num(cost.before)} → ${num(cost.after)} per period (${signed(Math.round((cost.after - cost.before) * 1000) / 1000)}).`);
  out.push(drSentence(plan));
  out.push(c.bold(summarySentence(plan)));
  out.push(solverLine(plan.placement.solver, options.showTimings));
  return `${out.join('\n')}\n`;
}

/** Moves of one subject share a key: a tenant's resizes and its route move belong together. */
function subjectKey(m: Plan['moves'][number]): string {
  if (m.kind === 'route') return `tenant:${m.tenant}`;
  if (m.kind === 'shift') return `product:${m.product}`;
  const s = m.subject;
  return s.type === 'tenant' ? `tenant:${s.tenant}` : s.type === 'reservation' ? `reservation:${s.reservation}` : `follower:${s.service}`;
}

function replicaLine(r: ReplicaChange, c: ReturnType<typeof colors>): string {
  const sym = r.from === 0 ? c.green('+') : r.to === 0 ? c.red('−') : c.yellow('~');
  return `${sym} ${r.region.padEnd(14)} ${r.resource.padEnd(6)} ${num(r.from)} → ${num(r.to)}  (${signed(r.to - r.from)})`;
}

function colors(on: boolean) {
  const wrap = (open: number, close: number) => (s: string) => (on ? `\u001b[${open}m${s}\u001b[${close}m` : s);
  return { red: wrap(31, 39), green: wrap(32, 39), yellow: wrap(33, 39), bold: wrap(1, 22) };
}
