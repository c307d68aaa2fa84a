/**
 * Why one tenant is short — of demand served, or of region-loss readiness —
 * found from the model: the tenant is planned alone against the rest of the
 * plan, as declared (the baseline) and with each applicable family of limits
 * lifted alone. A family binds when lifting it alone does better than the
 * baseline. When none alone reaches what lifting them all at once reaches
 * (if that does no better, no limit explains it), pairs are tried; the fix is
 * then read from the pair's solution (sufficient, not searched for the
 * smallest).
 */
import { FAMILIES, TOLERANCE, type Family, type Goal, type Probe } from './families.js';
import type { Relaxation, SoloContext, SoloOutcome } from './solo.js';
import type { FindingReason, Limit } from './types.js';

/** What the plan achieved for the tenant (served rps, Σ region-loss losses). */
export interface Achieved {
  served: number;
  loss: number;
}

export async function findReason(ctx: SoloContext, goal: Goal, plan: Achieved): Promise<FindingReason> {
  const p = probe(ctx, goal);
  const families = FAMILIES.filter((f) => f.applies(p));
  // The baseline and one family lifted at a time, solved side by side (the pool's workers take them in turn).
  const [baseline, ...lifted] = await Promise.all([p.solve({}), ...families.map((f) => p.solve(f.full(p)))]);
  const planned: SoloOutcome = { target: ctx.placement.target, served: plan.served, loss: plan.loss };
  if (better(goal, baseline, planned)) {
    return {
      family: 'solver',
      fix: `plan again with a smaller --gap or a longer --time-limit: ${describeGain(goal, gain(goal, baseline, planned))} with the rest of the plan as it is`,
      complete: resolves(p, baseline),
      gain: gain(goal, baseline, planned),
    };
  }
  const singles = families.map((family, i) => ({ family, outcome: lifted[i] })).filter((s) => better(goal, s.outcome, baseline));
  // What lifting every family at once achieves: known without a solve when one family alone resolves it all.
  const ideal = singles.find((s) => resolves(p, s.outcome))?.outcome ?? (await p.solve(merge(families.map((f) => f.full(p)))));
  if (!better(goal, ideal, baseline)) return unknown(families, 'lifting every one of its limits at once does no better');
  const complete = resolves(p, ideal);

  const alone = singles.filter((s) => p.reaches(s.outcome, ideal));
  if (alone.length > 0) {
    // The reason's own fix is searched for (the smallest value); the alternatives' are read from their solutions.
    const [first, ...others] = await Promise.all(alone.map((s, i) => s.family.fix(p, s.outcome, ideal, i === 0)));
    return { ...first, complete, gain: gain(goal, ideal, baseline), ...(others.length ? { alternatives: others } : {}) };
  }
  for (let i = 0; i < families.length; i++) {
    for (let j = i + 1; j < families.length; j++) {
      const outcome = await p.solve(merge([families[i].full(p), families[j].full(p)]));
      if (!p.reaches(outcome, ideal)) continue;
      const a = await families[i].fix(p, outcome, ideal, false);
      const b = await families[j].fix(p, outcome, ideal, false);
      return { ...a, complete, gain: gain(goal, ideal, baseline), with: b };
    }
  }
  if (singles.length > 0) {
    const best = [...singles].sort((x, y) => gain(goal, y.outcome, baseline) - gain(goal, x.outcome, baseline))[0];
    const limit = await best.family.fix(p, best.outcome, best.outcome, true);
    return { ...limit, complete: false, gain: gain(goal, best.outcome, baseline) };
  }
  return unknown(families, 'no one of its limits, nor any two together, does better');
}

function unknown(families: Family[], why: string): FindingReason {
  return { family: 'unknown', fix: `reason not known: ${why} (tried: ${families.map((f) => f.name).join(', ') || 'none'})`, complete: false, gain: 0 };
}

function probe(ctx: SoloContext, goal: Goal): Probe {
  const memo = new Map<string, Promise<SoloOutcome>>();
  return {
    ctx,
    goal,
    solve(relax: Relaxation) {
      const k = JSON.stringify(relax, (_, v) => (v === Infinity ? 'Infinity' : v));
      let o = memo.get(k);
      if (!o) memo.set(k, (o = ctx.solve(relax)));
      return o;
    },
    reaches(o, want) {
      if (goal === 'serve') return o.served >= want.served - TOLERANCE;
      return o.loss <= want.loss + TOLERANCE;
    },
  };
}

/** Whether `a` does better than `b`: serves more, or (readiness) loses less in region losses without serving less. */
function better(goal: Goal, a: SoloOutcome, b: SoloOutcome): boolean {
  if (goal === 'serve') return a.served > b.served + TOLERANCE;
  return a.served >= b.served - TOLERANCE && a.loss < b.loss - TOLERANCE;
}

function gain(goal: Goal, a: SoloOutcome, b: SoloOutcome): number {
  return Math.round((goal === 'serve' ? a.served - b.served : b.loss - a.loss) * 1000) / 1000;
}

/** Whether an outcome leaves nothing short: all demand served, or every region loss survived. */
function resolves(p: Probe, o: SoloOutcome): boolean {
  return p.goal === 'serve' ? o.served >= p.ctx.totalDemand - TOLERANCE : o.loss <= TOLERANCE;
}

function describeGain(goal: Goal, g: number): string {
  return goal === 'serve' ? `the declared limits allow serving ${g} rps more` : `the declared limits allow losing ${g} rps less in region losses`;
}

function merge(relaxations: Relaxation[]): Relaxation {
  const out: Relaxation = {};
  for (const r of relaxations) Object.assign(out, r);
  return out;
}

export type { Limit };
