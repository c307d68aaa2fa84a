/**
 * The waves of a multi-wave plan as text and markdown: each wave with its moves, its peak per
 * region and the reason it exists. One-wave plans have no `waves` and render nothing here, so
 * their output keeps today's shape. (Issue 16 fills these in; issue 17's layouts call them.)
 */
import type { Plan } from '../../schemas/plan.js';

/** Lines for the text plan (empty for a one-wave plan). */
export function renderWavesText(plan: Plan): string[] {
  if (!plan.waves) return [];
  return plan.waves.map((w) => `Wave ${w.wave} of ${plan.waves!.length}: ${w.reason}`);
}

/** Markdown section for the pull-request comment (empty string for a one-wave plan). */
export function renderWavesMarkdown(plan: Plan): string {
  if (!plan.waves) return '';
  return ['### Waves', '', ...plan.waves.map((w) => `${w.wave}. ${w.reason}`), ''].join('\n');
}
