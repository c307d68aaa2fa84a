/** One entry point per `globe simulate` document for its three formats (as render-plan.ts is for the Plan). */
import type { Plan } from '../../schemas/plan.js';
import { renderPlan } from './render-plan.js';
import type { FailuresDocument, SimulateFormat, SweepDocument } from './simulate-document.js';
import { renderFailuresJson, renderSweepJson } from './simulate-json.js';
import { renderFailuresMarkdown, renderSweepMarkdown } from './simulate-markdown.js';
import { renderFailuresText, renderSweepText } from './simulate-text.js';

export function renderFailures(doc: FailuresDocument, format: SimulateFormat): string {
  return format === 'json' ? renderFailuresJson(doc) : format === 'markdown' ? renderFailuresMarkdown(doc) : renderFailuresText(doc);
}

export function renderSweep(doc: SweepDocument, format: SimulateFormat): string {
  return format === 'json' ? renderSweepJson(doc) : format === 'markdown' ? renderSweepMarkdown(doc) : renderSweepText(doc);
}

/**
 * A what-if plan (`--exit`, `--turn-up`) as `globe plan` shows it; the text form leads with one
 * sentence (`lead`) saying what the plan means for the region.
 */
export function renderWhatIf(plan: Plan, lead: string, format: SimulateFormat): string {
  return `${format === 'text' ? `${lead}\n\n` : ''}${renderPlan(plan, format)}`;
}
