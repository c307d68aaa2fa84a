/**
 * The plan as a pull-request comment (GitHub-flavoured markdown): summary
 * and warnings first, then the ordered moves and supply, then one folded
 * `<details>` per tenant. GitHub refuses comments over 65,536 characters;
 * past the budget, tenant details are cut (smallest changes first) and the
 * cut is said in the comment.
 */
import type { Plan, TenantDiff } from '../../schemas/plan.js';
import { num, pct, signed, solverLine } from './format.js';
import { describeMove, drSentence, isDeclared, planCost, planWarnings, summarySentence } from './plan-facts.js';
import { renderWavesMarkdown } from './plan-waves.js';

export const GITHUB_COMMENT_LIMIT = 65_536;
/** Room kept for the truncation notice and a CI system's own wrapper text. */
const BUDGET = GITHUB_COMMENT_LIMIT - 2_000;
const MAX_MOVES_LISTED = 300;

export function renderPlanMarkdown(plan: Plan, options: { showTimings: boolean; budget?: number }): string {
  const budget = options.budget ?? BUDGET;
  const head: string[] = ['## globe plan', ''];
  const s = plan.summary;
  const cost = planCost(plan);
  if (!s.hasChanges) head.push('**No changes.** The deployment already matches the intents.', '');
  else head.push(`**${summarySentence(plan)}**`, '');
  const unserved = Object.keys(plan.placement.unserved).length + Object.keys(plan.placement.unservedProducts).length;
  head.push(
    '| | |',
    '| --- | --- |',
    `| Tenants | ${s.tenantsToAdd} to add, ${s.tenantsToChange} to change, ${s.tenantsToRemove} to remove |`,
    `| Replicas | ${s.replicasUp} up, ${s.replicasDown} down |`,
    `| Routing changes | ${s.routingChanges} |`,
    `| Moves | ${s.movesByKind.upsize} upsize → ${s.movesByKind.route} route → ${s.movesByKind.shift} shift → ${s.movesByKind.downsize} downsize |`,
    `| Cost per period | ${num(cost.before)} → ${num(cost.after)} (${signed(Math.round((cost.after - cost.before) * 1000) / 1000)}) |`,
    `| Unserved demand | ${unserved === 0 ? 'none' : '**yes — see warnings**'} |`,
    `| Region loss | ${drSentence(plan)} |`,
    `| Solver | ${solverLine(plan.placement.solver, options.showTimings).replace(/^Solver: /, '')} |`,
    '',
  );
  const warnings = planWarnings(plan);
  if (warnings.length > 0) {
    head.push('> [!WARNING]');
    for (const w of warnings) head.push(`> - ${w.text}`);
    head.push('');
  }
  if (s.hasChanges) {
    if (plan.waves) head.push(renderWavesMarkdown(plan));
    head.push('### Moves, in order', '');
    head.push('Each tenant upsizes, then routes, then downsizes, so capacity always covers routed traffic.', '');
    for (const [i, m] of plan.moves.slice(0, MAX_MOVES_LISTED).entries()) {
      const d = describeMove(m);
      head.push(`${i + 1}. \`${d.kind}\` ${d.subject} — ${d.detail.replace(/  /g, ' ')}${m.round > 1 ? ` (round ${m.round})` : ''}`);
    }
    if (plan.moves.length > MAX_MOVES_LISTED) head.push('', `… and ${plan.moves.length - MAX_MOVES_LISTED} more moves (see the JSON plan).`);
    head.push('');
    const changed = plan.diff.regions.filter((r) => r.before !== r.after || r.peak !== r.after);
    if (changed.length > 0) {
      head.push('### Supply by region', '', '| region | resource | supply | before | after | peak during apply |', '| --- | --- | ---: | ---: | ---: | ---: |');
      for (const r of changed) head.push(`| ${r.region} | ${r.resource} | ${r.supply} | ${num(r.before)} | ${num(r.after)} | ${num(r.peak)} |`);
      head.push('');
    }
  }
  const details = plan.diff.tenants.filter((t) => t.change !== 'none').map((t) => ({ t, text: tenantDetails(t, isDeclared(plan, t.tenant)) }));
  const other = otherDetails(plan);
  let text = head.join('\n');
  if (details.length > 0 || other) text += '\n### Details\n\n';
  const room = budget - text.length - other.length;
  const kept = fitDetails(details, room);
  text += kept.map((d) => d.text).join('');
  text += other;
  const cut = details.length - kept.length;
  if (cut > 0) text += `\n> [!NOTE]\n> … ${cut} tenant${cut === 1 ? '' : 's'} not shown: the plan is too large for one comment. See the JSON plan (\`globe show PLANFILE --json\`).\n`;
  return text.endsWith('\n') ? text : `${text}\n`;
}

/** Keep the tenants with the most changes that fit; their order stays sorted by name. */
function fitDetails(details: { t: TenantDiff; text: string }[], room: number): { t: TenantDiff; text: string }[] {
  const total = details.reduce((n, d) => n + d.text.length, 0);
  if (total <= room) return details;
  const weight = (d: { t: TenantDiff }) => d.t.replicas.reduce((n, r) => n + Math.abs(r.to - r.from), 0) + d.t.routing.length;
  const byImportance = [...details].sort((a, b) => weight(b) - weight(a) || (a.t.tenant < b.t.tenant ? -1 : 1));
  const keep = new Set<string>();
  let used = 0;
  for (const d of byImportance) {
    if (used + d.text.length > room) continue;
    keep.add(d.t.tenant);
    used += d.text.length;
  }
  return details.filter((d) => keep.has(d.t.tenant));
}

function tenantDetails(t: TenantDiff, declared: boolean): string {
  const up = t.replicas.reduce((n, r) => n + Math.max(0, r.to - r.from), 0);
  const down = t.replicas.reduce((n, r) => n + Math.max(0, r.from - r.to), 0);
  const label = t.change === 'create' ? 'new' : t.change === 'delete' ? (declared ? 'scaled to zero' : 'removed') : 'changed';
  const lines = [`<details><summary><b>${t.tenant}</b> (${label}): +${up} / −${down} replicas, ${new Set(t.routing.map((r) => `${r.class}/${r.client}`)).size} routing rows</summary>`, ''];
  if (t.replicas.length > 0) {
    lines.push('| region | resource | from | to | change |', '| --- | --- | ---: | ---: | ---: |');
    for (const r of t.replicas) lines.push(`| ${r.region} | ${r.resource} | ${num(r.from)} | ${num(r.to)} | ${signed(r.to - r.from)} |`);
    lines.push('');
  }
  for (const cls of [...new Set(t.routing.map((r) => r.class))]) {
    lines.push(`Routing \`${cls}\` (client → serving region):`, '', '| client | server | old | new |', '| --- | --- | ---: | ---: |');
    for (const r of t.routing.filter((x) => x.class === cls)) lines.push(`| ${r.client} | ${r.server} | ${pct(r.from)} | ${pct(r.to)} |`);
    lines.push('');
  }
  lines.push('</details>', '');
  return `${lines.join('\n')}\n`;
}

function otherDetails(plan: Plan): string {
  const lines: string[] = [];
  for (const g of plan.diff.reservations) {
    lines.push(`<details><summary><b>reservation ${g.name}</b></summary>`, '', '| region | from | to | change |', '| --- | ---: | ---: | ---: |');
    for (const r of g.changes) lines.push(`| ${r.region} | ${num(r.from)} | ${num(r.to)} | ${signed(r.to - r.from)} |`);
    lines.push('', '</details>', '');
  }
  for (const p of plan.diff.products) {
    lines.push(`<details><summary><b>product ${p.product}</b>: traffic moves</summary>`, '', '| client | region | old | new |', '| --- | --- | ---: | ---: |');
    for (const r of p.changes) lines.push(`| ${r.client} | ${r.server} | ${pct(r.from)} | ${pct(r.to)} |`);
    lines.push('', '</details>', '');
  }
  for (const f of plan.diff.followers) {
    lines.push(`<details><summary><b>follower ${f.name}</b>: capacity</summary>`, '', '| region | resource | from | to | change |', '| --- | --- | ---: | ---: | ---: |');
    for (const r of f.changes) lines.push(`| ${r.region} | ${r.resource} | ${num(r.from)} | ${num(r.to)} | ${signed(r.to - r.from)} |`);
    lines.push('', '</details>', '');
  }
  return lines.length > 0 ? `${lines.join('\n')}\n` : '';
}
