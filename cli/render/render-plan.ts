import type { Plan } from '../../schemas/plan.js';
import { isInteractive, useColor } from '../color.js';
import { renderPlanHtml } from './plan-html.js';
import { renderPlanJson } from './plan-json.js';
import { renderPlanMarkdown } from './plan-markdown.js';
import { renderPlanText } from './plan-text.js';

export type PlanFormat = 'text' | 'markdown' | 'json' | 'html';
export const PLAN_FORMATS: readonly PlanFormat[] = ['text', 'markdown', 'json', 'html'];
/** What `--format` offers for a Plan (plan, show). */
export const PLAN_FORMAT_HELP = 'text, markdown (a pull-request comment), json or html (a self-contained page)';

/** Where the plan comes from: the project directory (named in the comment's marker) and the saved plan file. */
export interface RenderContext {
  dir?: string;
  artifact?: string;
}

/**
 * One entry point for the four formats. Timings appear only on an
 * interactive terminal: anything piped, saved or compared is byte-stable.
 */
export function renderPlan(plan: Plan, format: PlanFormat, context: RenderContext = {}): string {
  const showTimings = isInteractive(process.stdout);
  switch (format) {
    case 'json':
      return renderPlanJson(plan);
    case 'markdown':
      return renderPlanMarkdown(plan, { showTimings: false, dir: context.dir, artifact: context.artifact });
    case 'html':
      return renderPlanHtml(plan, { dir: context.dir });
    case 'text':
      return renderPlanText(plan, { color: useColor(process.stdout), showTimings });
  }
}
