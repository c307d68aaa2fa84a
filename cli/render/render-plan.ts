import { canonicalJson } from '../../lang/canonical-json.js';
import type { Plan } from '../../schemas/plan.js';
import { isInteractive, useColor } from '../color.js';
import { renderPlanMarkdown } from './plan-markdown.js';
import { renderPlanText } from './plan-text.js';

export type PlanFormat = 'text' | 'markdown' | 'json';

/**
 * One entry point for the three formats. Timings appear only on an
 * interactive terminal: anything piped, saved or compared is byte-stable.
 */
export function renderPlan(plan: Plan, format: PlanFormat): string {
  const showTimings = isInteractive(process.stdout);
  switch (format) {
    case 'json':
      return `${canonicalJson(stripTimings(plan))}\n`;
    case 'markdown':
      return renderPlanMarkdown(plan, { showTimings: false });
    case 'text':
      return renderPlanText(plan, { color: useColor(process.stdout), showTimings });
  }
}

/** The Plan with solver wall time zeroed: what is printed must not change between identical runs. */
export function stripTimings(plan: Plan): Plan {
  return { ...plan, placement: { ...plan.placement, solver: { ...plan.placement.solver, seconds: 0 } } };
}
