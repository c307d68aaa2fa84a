/**
 * The waves of a multi-wave plan as text and markdown: each wave with its moves, its peak per
 * region and the reason it exists. One-wave plans have no `waves` and render nothing here, so
 * their output keeps today's shape. The reasons are the planner's (planner/wave-reasons.ts,
 * saved in the plan): this file only lays them out.
 */
import type { MoveKind, Plan, PlanWave } from '../../schemas/plan.js';
import { num } from './format.js';

/** Execution order of the kinds inside a wave (upsize → route/shift → downsize). */
const KINDS: MoveKind[] = ['upsize', 'route', 'shift', 'downsize'];

/** Lines for the text plan (empty for a one-wave plan), a blank line last. */
export function renderWavesText(plan: Plan): string[] {
  if (!plan.waves) return [];
  const out = [`Waves: ${plan.waves.length}, applied one after another (${EACH_SAFE})`];
  for (const w of plan.waves) {
    out.push(`  Wave ${w.wave}: ${movesOf(plan, w.wave)} — ${w.reason}`);
    for (const r of changedRows(w)) out.push(`    ${r.region.padEnd(14)} ${r.resource.padEnd(6)} ${num(r.before)}/${r.supply} → ${num(r.after)}/${r.supply}  peak ${num(r.peak)}`);
  }
  const short = shortOfSentence(plan);
  if (short) out.push(`  ${short}`);
  out.push('');
  return out;
}

/** Markdown section for the pull-request comment (empty string for a one-wave plan). */
export function renderWavesMarkdown(plan: Plan): string {
  if (!plan.waves) return '';
  const out = ['### Waves', '', `The target takes ${plan.waves.length} waves, applied one after another (${EACH_SAFE}).`, ''];
  out.push('| wave | moves | why | supply per region that changes (before → after, peak) |', '| ---: | --- | --- | --- |');
  for (const w of plan.waves) {
    const rows = changedRows(w).map((r) => `${r.region} ${r.resource} ${num(r.before)} → ${num(r.after)}, peak ${num(r.peak)} of ${r.supply}`);
    out.push(`| ${w.wave} | ${movesOf(plan, w.wave)} | ${w.reason} | ${rows.length > 0 ? rows.join('<br>') : '–'} |`);
  }
  const short = shortOfSentence(plan);
  if (short) out.push('', `> [!WARNING]\n> ${short}`);
  out.push('');
  return out.join('\n');
}

const EACH_SAFE = 'each within supply on its own: Σ max(before, after) ≤ supply in every region and resource';

/** "2 upsize, 2 route": the wave's moves by kind, in execution order, kinds it has none of left out. */
function movesOf(plan: Plan, wave: number): string {
  const count = new Map<MoveKind, number>();
  for (const m of plan.moves) if (m.wave === wave) count.set(m.kind, (count.get(m.kind) ?? 0) + 1);
  const parts = KINDS.filter((k) => count.has(k)).map((k) => `${count.get(k)} ${k}`);
  return parts.length > 0 ? parts.join(', ') : 'no moves';
}

/** The (region, resource) rows a wave changes or passes through a peak in. */
function changedRows(w: PlanWave): PlanWave['regions'] {
  return w.regions.filter((r) => r.before !== r.after || r.peak !== r.after);
}

/** What the wave limit left undone (Placement.wavesShortOf), or undefined when the plan reaches its best target. */
function shortOfSentence(plan: Plan): string | undefined {
  const s = plan.placement.wavesShortOf;
  if (!s) return undefined;
  const parts: string[] = [];
  if (s.unserved > 0) parts.push(`${num(s.unserved)} rps more unserved`);
  if (s.drShortfall > 0) parts.push(`${num(s.drShortfall)} rps more short of region-loss readiness`);
  return `The wave limit stops this plan short of its best target: ${parts.join(' and ')} than that target (raise --max-waves, or apply and plan again).`;
}
