/** The Plan as JSON: the document itself (what `--out` saves), canonical, without the solver's wall time. */
import { canonicalJson } from '../../lang/canonical-json.js';
import type { Plan } from '../../schemas/plan.js';

export function renderPlanJson(plan: Plan): string {
  return `${canonicalJson(stripTimings(plan))}\n`;
}

/** The Plan with solver wall time zeroed: what is printed or saved must not change between identical runs. */
export function stripTimings(plan: Plan): Plan {
  return { ...plan, placement: { ...plan.placement, solver: { ...plan.placement.solver, seconds: 0 } } };
}
