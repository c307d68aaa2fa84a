/**
 * The plan as a pull-request comment (GitHub-flavoured markdown), laid out for a reviewer's
 * first minute:
 *
 * 1. a hidden marker (project directory and plan id: CI updates the comment in place and
 *    matches it to the artifact it applies), the summary, and what was cut to fit;
 * 2. the largest changes (regions whose use moves most, tenants losing more than half their
 *    replicas, the cost change in %);
 * 3. warnings grouped by kind with counts and, per kind, why (each binding limit with how many
 *    warnings it explains), then each warning with its reason;
 * 4. the waves, pictures of traffic shifts and evacuations (mermaid, or a matrix when larger);
 * 5. folded: the moves, the supply table (largest change first), tenant details (largest
 *    change first, routing as client × server matrices), reservations, products, followers.
 *
 * GitHub refuses comments over 65,536 characters, folded text included: every section has a
 * budget, and what a budget cuts is said in the summary, pointing at the plan artifact.
 */
import type { Plan, TenantDiff } from '../../schemas/plan.js';
import { num, signed, solverLine } from './format.js';
import { chars, fitItems, GITHUB_COMMENT_LIMIT } from './markdown-budget.js';
import { evacuationEdges, MAX_EDGES, mermaidFlowchart, productEdges } from './mermaid.js';
import { planMarker } from './plan-comment.js';
import { describeMove, drSentence, isDeclared, summarySentence } from './plan-facts.js';
import { cmp, costChange, percentText, regionShifts, tenantsHalved } from './plan-highlights.js';
import { routingMatrixMarkdown } from './routing-matrix.js';
import { renderWavesMarkdown } from './plan-waves.js';
import { warningGroups } from './warning-groups.js';

export { GITHUB_COMMENT_LIMIT };

/**
 * The first screen a reviewer sees without scrolling: the first 40 lines. The summary, the
 * largest changes, each kind of warning's "why" line and the first warning with its reason must
 * be inside it (tests check this).
 */
export const FIRST_SCREEN_LINES = 40;
/** Room kept for a CI system's own wrapper text around the comment. */
const MARGIN = 2_000;
const FULL = GITHUB_COMMENT_LIMIT - MARGIN;
/** Per-section budgets for a full comment, in characters; the tenant details get what is left. */
const SHARES = { warnings: 14_000, waves: 4_000, pictures: 6_000, moves: 8_000, supply: 6_000, other: 6_000 };
type Budgets = typeof SHARES;
/** Lines of the "largest changes" lists. */
const TOP = 3;

export interface MarkdownOptions {
  showTimings: boolean;
  /** The whole comment's budget (tests make it small). */
  budget?: number;
  /** The project directory, as given on the command line: named in the marker. */
  dir?: string;
  /** The `--out` file, named where the comment says what it cut. */
  artifact?: string;
}

export function renderPlanMarkdown(plan: Plan, options: MarkdownOptions): string {
  const budget = options.budget ?? FULL;
  // A smaller comment (tests, or a CI wrapper that needs room) shrinks every section alike.
  const scale = Math.min(1, budget / FULL);
  const budgets = Object.fromEntries(Object.entries(SHARES).map(([k, v]) => [k, Math.floor(v * scale)])) as Budgets;
  const artifact = options.artifact ? `\`${options.artifact}\`` : 'the JSON plan (`globe plan --out plan.json`)';
  const cuts: string[] = [];
  const cutNote = (what: string, cut: number, of: number) => cut > 0 && cuts.push(`${cut} of ${of} ${what}`);

  const warnings = warningsSection(plan, cutNote, artifact, budgets);
  const waves = wavesSection(plan, cutNote, budgets);
  const pictures = picturesSection(plan, cutNote, budgets);
  const moves = movesSection(plan, cutNote, budgets);
  const supply = supplySection(plan, cutNote, budgets);
  const other = otherDetails(plan, cutNote, budgets);
  const details = plan.diff.tenants.filter((t) => t.change !== 'none').sort((a, b) => weight(b) - weight(a) || cmp(a.tenant, b.tenant));

  // The summary is written last (it names the cuts), but its room is reserved first.
  // (the note naming the cuts is one line: 600 characters hold every kind of cut with its counts).
  const reserved = chars(summarySection(plan, options, [], artifact)) + 600 + chars(largestSection(plan));
  const fixed = [warnings, waves, pictures, moves, supply, other].reduce((n, s) => n + chars(s), 0);
  const tenantItems = details.map((t) => tenantDetails(t, isDeclared(plan, t.tenant)));
  const tenantRoom = Math.max(0, budget - reserved - fixed - 200);
  const tenants = fitItems(tenantItems, tenantRoom, (n) => `> [!NOTE]\n> … ${n} ${n === 1 ? 'tenant' : 'tenants'} not shown (the smallest changes): see ${artifact}.\n`);
  cutNote("tenants' details", tenants.cut, details.length);

  const head = summarySection(plan, options, cuts, artifact);
  const body = [...head, ...largestSection(plan), ...warnings, ...waves, ...pictures, ...moves, ...supply];
  if (tenants.lines.length > 0 || other.length > 0) body.push('### Details', '', ...tenants.lines, ...other);
  const text = body.join('\n');
  return text.endsWith('\n') ? text : `${text}\n`;
}

function summarySection(plan: Plan, options: MarkdownOptions, cuts: string[], artifact: string): string[] {
  const s = plan.summary;
  const cost = costChange(plan);
  const unserved = Object.keys(plan.placement.unserved).length + Object.keys(plan.placement.unservedProducts).length;
  const lines = [planMarker(options.dir ?? '.', plan), '## globe plan', ''];
  lines.push(s.hasChanges ? `**${summarySentence(plan)}**` : '**No changes.** The deployment already matches the intents.', '');
  if (cuts.length > 0) lines.push(`> [!NOTE]`, `> Cut to fit one comment: ${cuts.join('; ')}. Everything is in ${artifact}.`, '');
  lines.push(
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
  return lines;
}

/** Three lines at most: what a reviewer should look at first. */
function largestSection(plan: Plan): string[] {
  if (!plan.summary.hasChanges) return [];
  const lines = ['### Largest changes', ''];
  const shifts = regionShifts(plan);
  if (shifts.length > 0) {
    const top = shifts.slice(0, TOP).map((r) => `**${r.region}** ${r.resource} ${num(r.before)} → ${num(r.after)} of ${num(r.supply)} (${signed(r.after - r.before)})`);
    lines.push(`- Regions whose use moves most: ${top.join('; ')}${shifts.length > TOP ? `; ${shifts.length - TOP} more in the supply table` : ''}.`);
  }
  const halved = tenantsHalved(plan);
  if (halved.length > 0) {
    const top = halved.slice(0, TOP).map((t) => `${t.tenant} ${t.before} → ${t.after}`);
    lines.push(`- ${halved.length} ${halved.length === 1 ? 'tenant loses' : 'tenants lose'} more than half ${halved.length === 1 ? 'its' : 'their'} replicas: ${top.join('; ')}${halved.length > TOP ? `; …` : ''}.`);
  }
  const cost = costChange(plan);
  lines.push(`- Cost per period: ${num(cost.before)} → ${num(cost.after)} (**${percentText(cost.percent)}**).`, '');
  return lines;
}

function warningsSection(plan: Plan, cutNote: (w: string, c: number, o: number) => void, artifact: string, budgets: Budgets): string[] {
  const groups = warningGroups(plan);
  if (groups.length === 0) return [];
  // The counts, then why (each binding limit and how many warnings it explains): the reasons of every
  // warning on the first screen, however many lines the warnings themselves take below.
  const why = groups.filter((g) => g.why).map((g) => `> - **${g.title}:** ${g.why}.`);
  const lines = ['### Warnings', '', `> [!WARNING]`, `> ${groups.map((g) => `${g.title}: ${g.count}`).join(' · ')}`, ...why, ''];
  const per = Math.floor((budgets.warnings - chars(lines)) / groups.length);
  for (const g of groups) {
    const head = [`**${g.title} (${g.count})**`, '', ...(g.note ? [g.note, ''] : [])];
    const fitted = fitItems(g.items.map((i) => [`- ${i}`]), per - chars(head) - 1, (n) => `- … ${n} more: see ${artifact}.`);
    cutNote(`${g.title.toLowerCase()} lines`, fitted.cut, g.items.length);
    lines.push(...head, ...fitted.lines, '');
  }
  return lines;
}

function wavesSection(plan: Plan, cutNote: (w: string, c: number, o: number) => void, budgets: Budgets): string[] {
  const text = renderWavesMarkdown(plan);
  if (!text) return [];
  const fitted = fitItems(text.split('\n').map((l) => [l]), budgets.waves, (n) => `… ${n} more lines of waves.`);
  cutNote('lines of waves', fitted.cut, text.split('\n').length);
  return [...fitted.lines, ''];
}

/** Product shifts and evacuations as a flowchart when small enough, else as matrices. */
function picturesSection(plan: Plan, cutNote: (w: string, c: number, o: number) => void, budgets: Budgets): string[] {
  const products = productEdges(plan);
  const evac = evacuationEdges(plan);
  if (products.length === 0 && evac.length === 0) return [];
  const lines = ['### Traffic shifts and evacuations', ''];
  if (products.length + evac.length <= MAX_EDGES) {
    lines.push(...mermaidFlowchart([...products, ...evac]), '');
  } else {
    for (const p of plan.diff.products) lines.push(`Product \`${p.product}\` (share of its traffic, old → new):`, '', ...routingMatrixMarkdown(p.changes), '');
    if (evac.length > 0) lines.push('Drained by more than half:', '', '| drained | resource | use before → after | regions gaining it |', '| --- | --- | ---: | --- |', ...evacuationRows(plan), '');
  }
  const fitted = fitItems(lines.map((l) => [l]), budgets.pictures, (n) => `… ${n} more lines: see the product details below and the supply table.`);
  cutNote('lines of traffic shifts and evacuations', fitted.cut, lines.length);
  return fitted.cut > 0 ? [...fitted.lines, ''] : fitted.lines;
}

/** The fallback table for evacuations: one row per drained (region, resource), its gainers with their gain. */
function evacuationRows(plan: Plan): string[] {
  const shifts = regionShifts(plan);
  return shifts
    .filter((d) => d.before > 0 && d.after < d.before / 2)
    .sort((a, b) => cmp(a.region, b.region) || cmp(a.resource, b.resource))
    .map((d) => {
      const gainers = shifts.filter((g) => g.resource === d.resource && g.after > g.before).sort((a, b) => cmp(a.region, b.region));
      return `| ${d.region} | ${d.resource} | ${num(d.before)} → ${num(d.after)} | ${gainers.map((g) => `${g.region} (+${num(g.after - g.before)})`).join(', ') || 'none'} |`;
    });
}

function movesSection(plan: Plan, cutNote: (w: string, c: number, o: number) => void, budgets: Budgets): string[] {
  if (!plan.summary.hasChanges) return [];
  const items = plan.moves.map((m, i) => {
    const d = describeMove(m);
    return [`${i + 1}. \`${d.kind}\` ${d.subject} — ${d.detail.replace(/  /g, ' ')}${m.round > 1 ? ` (round ${m.round})` : ''}`];
  });
  const fitted = fitItems(items, budgets.moves, (n) => `\n… and ${n} more moves.`);
  cutNote('moves', fitted.cut, items.length);
  return [
    `<details><summary><b>Moves, in order</b> (${plan.moves.length})</summary>`,
    '',
    'Each tenant upsizes, then routes, then downsizes, so capacity always covers routed traffic.',
    '',
    ...fitted.lines,
    '',
    '</details>',
    '',
  ];
}

function supplySection(plan: Plan, cutNote: (w: string, c: number, o: number) => void, budgets: Budgets): string[] {
  const changed = plan.diff.regions
    .filter((r) => r.before !== r.after || r.peak !== r.after)
    .sort((a, b) => Math.abs(b.after - b.before) - Math.abs(a.after - a.before) || cmp(a.region, b.region) || cmp(a.resource, b.resource));
  if (changed.length === 0) return [];
  const items = changed.map((r) => [`| ${r.region} | ${r.resource} | ${r.supply} | ${num(r.before)} | ${num(r.after)} | ${signed(r.after - r.before)} | ${num(r.peak)} |`]);
  const fitted = fitItems(items, budgets.supply, (n) => `| … ${n} more rows | | | | | | |`);
  cutNote('supply rows', fitted.cut, items.length);
  return [
    `<details><summary><b>Supply by region</b> (${changed.length} changed, largest change first)</summary>`,
    '',
    '| region | resource | supply | before | after | change | peak during apply |',
    '| --- | --- | ---: | ---: | ---: | ---: | ---: |',
    ...fitted.lines,
    '',
    '</details>',
    '',
  ];
}

/** The size of a tenant's change: replicas moved plus routing cells changed. */
function weight(t: TenantDiff): number {
  return t.replicas.reduce((n, r) => n + Math.abs(r.to - r.from), 0) + t.routing.length;
}

function tenantDetails(t: TenantDiff, declared: boolean): string[] {
  const up = t.replicas.reduce((n, r) => n + Math.max(0, r.to - r.from), 0);
  const down = t.replicas.reduce((n, r) => n + Math.max(0, r.from - r.to), 0);
  const label = t.change === 'create' ? 'new' : t.change === 'delete' ? (declared ? 'scaled to zero' : 'removed') : 'changed';
  const classes = [...new Set(t.routing.map((r) => r.class))].sort(cmp);
  const lines = [`<details><summary><b>${t.tenant}</b> (${label}): +${up} / −${down} replicas, ${plural(classes.length, 'routing class', 'routing classes')} changed</summary>`, ''];
  if (t.replicas.length > 0) {
    lines.push('| region | resource | from | to | change |', '| --- | --- | ---: | ---: | ---: |');
    for (const r of t.replicas) lines.push(`| ${r.region} | ${r.resource} | ${num(r.from)} | ${num(r.to)} | ${signed(r.to - r.from)} |`);
    lines.push('');
  }
  for (const cls of classes) {
    lines.push(`Routing \`${cls}\` (share of each client's traffic, old → new):`, '', ...routingMatrixMarkdown(t.routing.filter((x) => x.class === cls)), '');
  }
  lines.push('</details>', '');
  return lines;
}

function plural(n: number, one: string, many: string): string {
  return `${n} ${n === 1 ? one : many}`;
}

function otherDetails(plan: Plan, cutNote: (w: string, c: number, o: number) => void, budgets: Budgets): string[] {
  const items: string[][] = [];
  for (const g of plan.diff.reservations) {
    const lines = [`<details><summary><b>reservation ${g.name}</b></summary>`, '', '| region | from | to | change |', '| --- | ---: | ---: | ---: |'];
    for (const r of g.changes) lines.push(`| ${r.region} | ${num(r.from)} | ${num(r.to)} | ${signed(r.to - r.from)} |`);
    items.push([...lines, '', '</details>', '']);
  }
  for (const p of plan.diff.products) {
    items.push([`<details><summary><b>product ${p.product}</b>: traffic moves</summary>`, '', ...routingMatrixMarkdown(p.changes), '', '</details>', '']);
  }
  for (const f of plan.diff.followers) {
    const lines = [`<details><summary><b>follower ${f.name}</b>: capacity</summary>`, '', '| region | resource | from | to | change |', '| --- | --- | ---: | ---: | ---: |'];
    for (const r of f.changes) lines.push(`| ${r.region} | ${r.resource} | ${num(r.from)} | ${num(r.to)} | ${signed(r.to - r.from)} |`);
    items.push([...lines, '', '</details>', '']);
  }
  const fitted = fitItems(items, budgets.other, (n) => `… ${n} more reservations, products or followers.\n`);
  cutNote('reservation, product and follower details', fitted.cut, items.length);
  return fitted.lines;
}

