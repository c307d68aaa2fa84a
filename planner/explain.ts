/**
 * Shortage and infeasibility in the user's words: which tenant, class and
 * client location, how much, and why — with the Spec path of the intent so
 * the CLI can show the line that asked for it. The "why" of unserved demand
 * and of unmet region-loss readiness is found from the model
 * (planner/reasons): the binding family of declared limits, where that limit
 * is written, and the smallest change that lifts it.
 */
import type { PlannerWeights } from '../lang/spec.js';
import { lookupSpan, type SourceMap } from '../lang/source-map.js';
import { itemsUse, peakLimits } from './decompose/room.js';
import type { ModelGoals } from './model/build-placement-model.js';
import type { TenantEntry, World } from './model/world.js';
import type { Placement } from '../schemas/placement.js';
import { sourceOfSpan, type Diagnostic } from '../schemas/diagnostic.js';
import { findReason } from './reasons/find-reason.js';
import type { Goal } from './reasons/families.js';
import { demandOf, lossOf, SoloContext } from './reasons/solo.js';
import type { FindingReason, Limit, LimitFamily } from './reasons/types.js';
import { SOLVER_WORKERS, solverPool, type SolvePool } from './solve/solve.js';
import { loopTurn, unitOfWork } from './loop-turn.js';

export type { FindingReason, Limit, LimitFamily } from './reasons/types.js';

/**
 * What the plan could not do: a Diagnostic (schemas/diagnostic.ts) whose source, when the Spec came
 * with a SourceMap, is the line of the intent at fault.
 */
export interface PlannerFinding extends Diagnostic {
  code: 'unserved-demand' | 'unserved-traffic' | 'reservation-short' | 'dr-not-met' | 'solver-failed' | 'time-limit';
  /** Spec path of the intent at fault (looked up in the SourceMap for the source). */
  path?: string;
  /** Why, found from the model (unserved demand and unmet region-loss readiness of the tenants analysed). */
  reason?: FindingReason;
}

export interface ExplainOptions {
  goals?: ModelGoals;
  weights: PlannerWeights;
  sourceMap?: SourceMap;
  /** Tenants whose reasons are searched for (the rest are reported without one); default MAX_EXPLAINED. */
  maxTenants?: number;
  /** The plan's solver workers (HiGHS already loaded in them); without it the reasons start their own. */
  pool?: SolvePool;
}

/**
 * Each tenant analysed takes a few small solves per family (a second or less in all): a fleet short
 * everywhere is explained for the tenants of highest priority and largest shortfall first.
 */
export const MAX_EXPLAINED = 50;

export async function explainPlacement(world: World, placement: Placement, options: ExplainOptions): Promise<PlannerFinding[]> {
  const reasons = await findReasons(world, placement, options);
  const findings: PlannerFinding[] = [];
  for (const t of world.tenants) {
    const unserved = placement.unserved[t.id];
    if (!unserved) continue;
    const demand = demandOf(world.spec, t.spec, placement.target);
    const reason = reasons.get(`serve\u0000${t.id}`);
    for (const cls of Object.keys(unserved).sort()) {
      for (const client of Object.keys(unserved[cls]).sort()) {
        findings.push({
          severity: 'warning',
          code: 'unserved-demand',
          message: `${fmt(unserved[cls][client])} of ${fmt(demand[cls]?.[client] ?? 0)} rps of \`${t.id}\` class \`${cls}\` from \`${client}\` cannot be served: ${reasonText(reason, 'serve', options.maxTenants ?? MAX_EXPLAINED)}`,
          path: `services/${t.service}/tenants/${t.name}/demand/${cls}/${client}`,
          ...(reason ? { reason } : {}),
        });
      }
    }
  }
  for (const [P, byClient] of Object.entries(placement.unservedProducts).sort(([a], [b]) => (a < b ? -1 : 1))) {
    for (const [client, q] of Object.entries(byClient).sort(([a], [b]) => (a < b ? -1 : 1))) {
      findings.push({
        severity: 'warning',
        code: 'unserved-traffic',
        message: `${fmt(q)} units of product \`${P}\` traffic from \`${client}\` cannot be served within ${world.spec.products[P].latency}ms`,
        path: `products/${P}/demand/${client}`,
      });
    }
  }
  for (const [name, g] of Object.entries(world.spec.reservations).sort(([a], [b]) => (a < b ? -1 : 1))) {
    const placed = Object.values(placement.target.reservations[name] ?? {});
    const total = placed.reduce((a, b) => a + b, 0);
    const worst = g.tolerateRegionFailure ? total - Math.max(0, ...placed) : total;
    if (worst + 1e-6 < g.amount) {
      findings.push({
        severity: 'warning',
        code: 'reservation-short',
        message: `reservation \`${name}\` holds ${fmt(worst)} of ${g.amount} ${g.resource}${g.tolerateRegionFailure ? ' after the loss of its largest region' : ''}: supply of ${g.resource} in locality \`${g.locality}\` is short`,
        path: `reservations/${name}/amount`,
      });
    }
  }
  for (const [id, dr] of Object.entries(placement.disasterReadiness).sort(([a], [b]) => (a < b ? -1 : 1))) {
    if (dr.met) continue;
    const [service, name] = id.split('/');
    const reason = reasons.get(`readiness\u0000${id}`);
    findings.push({
      severity: 'warning',
      code: 'dr-not-met',
      message: `\`${id}\` does not survive the loss of ${lostRegions(dr)}: ${reasonText(reason, 'readiness', options.maxTenants ?? MAX_EXPLAINED)}`,
      path: `services/${service}/tenants/${name}/tolerateRegionFailure`,
      ...(reason ? { reason } : {}),
    });
  }
  for (const [P, dr] of Object.entries(placement.productReadiness ?? {}).sort(([a], [b]) => (a < b ? -1 : 1))) {
    if (dr.met) continue;
    const losses = Object.entries(dr.lost ?? {}).map(([r, units]) => `\`${r}\` (${fmt(units)} units of traffic lost)`);
    findings.push({
      severity: 'warning',
      code: 'dr-not-met',
      message: `product \`${P}\` does not survive the loss of ${losses.join(', ')}: the follower capacity left within ${world.spec.products[P].latency}ms cannot carry its traffic`,
      path: `products/${P}/tolerateRegionFailure`,
    });
  }
  if (placement.solver.status === 'time-limit') {
    findings.push({
      severity: 'warning',
      code: 'time-limit',
      message: `the solver stopped at its time limit with a feasible plan ${(placement.solver.gap * 100).toFixed(2)}% from the best bound; raise --time-limit for a better one`,
    });
  }
  const map = options.sourceMap;
  return map ? findings.map((f) => withSpans(f, map)) : findings;
}

/** Reasons by `${goal}\0${tenant}`, for the tenants analysed. */
async function findReasons(world: World, placement: Placement, options: ExplainOptions): Promise<Map<string, FindingReason>> {
  const out = new Map<string, FindingReason>();
  const jobs = shortTenants(world, placement).slice(0, options.maxTenants ?? MAX_EXPLAINED);
  if (jobs.length === 0) return out;
  // One tenant's solves mostly wait on each other: a second worker (HiGHS loaded again) would not pay.
  const pool = options.pool ?? solverPool(jobs.length > 1 ? SOLVER_WORKERS : 1);
  try {
    // The fleet's use, summed over every tenant, is one unit of work; each reason's solves come a loop turn later.
    const { limits, fleetUse } = unitOfWork('reasons set-up', () => ({
      limits: peakLimits(world),
      fleetUse: itemsUse(world, world.current, placement.target, world.tenants.map((t) => t.id), true),
    }));
    const weights = { ...options.weights, balance: 0, serviceBalance: 0 };
    await loopTurn();
    await mapConcurrently(jobs, SOLVER_WORKERS + 1, async ({ entry, goals }) => {
      const ctx = new SoloContext(world, placement, entry, limits, fleetUse, options.goals ?? {}, weights, pool);
      for (const goal of goals) {
        const achieved = { served: ctx.totalDemand - total(placement.unserved[entry.id]), loss: lossOf(placement.disasterReadiness[entry.id]) };
        let reason: FindingReason;
        try {
          reason = await findReason(ctx, goal, achieved);
        } catch (e) {
          reason = { family: 'unknown', fix: `reason not known: the re-solve failed (${(e as Error).message})`, complete: false, gain: 0 };
        }
        out.set(`${goal}\u0000${entry.id}`, reason);
      }
    });
  } finally {
    if (pool !== options.pool) void pool.close();
  }
  return out;
}

/** Tenants short of demand or of region-loss readiness: highest priority, then largest shortfall, first. */
function shortTenants(world: World, placement: Placement): { entry: TenantEntry; goals: Goal[]; short: number }[] {
  const out = [];
  for (const entry of world.tenants) {
    const goals: Goal[] = [];
    const unserved = total(placement.unserved[entry.id]);
    const loss = lossOf(placement.disasterReadiness[entry.id]);
    if (unserved > 0) goals.push('serve');
    if (loss > 0) goals.push('readiness');
    if (goals.length > 0) out.push({ entry, goals, short: unserved + loss });
  }
  return out.sort((a, b) => b.entry.spec.priority - a.entry.spec.priority || b.short - a.short || (a.entry.id < b.entry.id ? -1 : 1));
}

const LABEL: Record<LimitFamily, string> = {
  supply: 'supply',
  peak: 'the apply-time peak (Σ max(current, target) ≤ supply)',
  'max-replicas': '`max_replicas`',
  'min-replicas': '`min_replicas`',
  placement: '`avoid`/`only_in`',
  latency: 'the latency threshold',
  'dr-latency': 'the latency allowed in a region loss (`dr_latency`)',
  free: '`--free`',
  priority: 'priority (higher-priority tenants take the room)',
  solver: 'the planner',
  unknown: '',
};

function reasonText(reason: FindingReason | undefined, goal: Goal, cap: number): string {
  if (!reason) return `not analysed (the reasons of at most ${cap} tenants are found per plan, highest priority and largest shortfall first)`;
  if (reason.family === 'unknown') return reason.fix;
  if (reason.family === 'solver') return `the planner did not find the best plan: ${reason.fix}`;
  let text = `${LABEL[reason.family]} binds: ${reason.fix}`;
  if (reason.with) text = `${LABEL[reason.family]} and ${LABEL[reason.with.family]} bind together: ${reason.fix}, and ${reason.with.fix}`;
  for (const alt of reason.alternatives ?? []) text += `; or ${alt.fix} (${LABEL[alt.family]})`;
  if (!reason.complete) text += ` (that ${goal === 'serve' ? `serves ${fmt(reason.gain)} rps more` : `loses ${fmt(reason.gain)} rps less`}; no reason found for the rest)`;
  return text;
}

function withSpans(f: PlannerFinding, map: SourceMap): PlannerFinding {
  const span = f.path ? lookupSpan(map, f.path) : undefined;
  const out: PlannerFinding = span ? { ...f, source: sourceOfSpan(span) } : { ...f };
  if (f.reason) {
    const span = (l: Limit): Limit => (l.limitPath ? { ...l, limitSpan: lookupSpan(map, l.limitPath) } : l);
    out.reason = { ...span(f.reason), complete: f.reason.complete, gain: f.reason.gain } as FindingReason;
    if (f.reason.with) out.reason.with = span(f.reason.with);
    if (f.reason.alternatives) out.reason.alternatives = f.reason.alternatives.map(span);
  }
  return out;
}

function total(byCls: Record<string, Record<string, number>> | undefined): number {
  let sum = 0;
  for (const byClient of Object.values(byCls ?? {})) for (const v of Object.values(byClient)) sum += v;
  return sum;
}

function fmt(x: number): string {
  return String(Math.round(x * 1000) / 1000);
}

/** Run `task` over `items`, at most `concurrency` at once. */
async function mapConcurrently<T>(items: T[], concurrency: number, task: (item: T) => Promise<void>): Promise<void> {
  let next = 0;
  const run = async () => {
    while (next < items.length) await task(items[next++]);
  };
  await Promise.all(Array.from({ length: Math.min(concurrency, items.length) }, run));
}

/** "`eu-west` (600 rps lost), `us-west` (500 rps lost)": every region whose loss loses demand, worst first. */
function lostRegions(dr: Placement['disasterReadiness'][string]): string {
  const lost = Object.entries(dr.lost ?? (dr.worstRegion ? { [dr.worstRegion]: dr.shortfall ?? 0 } : {}));
  lost.sort(([a, x], [b, y]) => y - x || (a < b ? -1 : 1));
  return lost.map(([r, rps]) => `\`${r}\` (${fmt(rps)} rps lost)`).join(', ');
}
