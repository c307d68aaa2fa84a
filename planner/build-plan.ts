/**
 * Placement + current State → the Plan document: diff, moves, summary, and
 * the basis that lets apply refuse a stale plan.
 */
import type { Spec } from '../lang/spec.js';
import { specDigest } from '../schemas/digest.js';
import { usageByRegion } from '../schemas/invariants.js';
import { deploymentOf, type Deployment } from '../schemas/state.js';
import { diffDeployments } from './diff.js';
import { buildMoves } from './move-graph.js';
import { PLAN_VERSION, type DerivePlanArgs, type Move, type MoveKind, type Plan, type PlanDiff, type PlanSummary, type PlanWave, type ResizeMove } from '../schemas/plan.js';
import { waveReasons } from './wave-reasons.js';

export function buildPlan(args: DerivePlanArgs): Plan {
  const { spec, placement } = args;
  const current = deploymentOf(args.current);
  const target = placement.target;
  const waves = buildWaves(spec, current, args.intermediate ?? [], target);
  const moves = waves ? waves.flatMap((w) => w.moves) : buildMoves(spec, current, target);
  const partial = diffDeployments(spec, current, target);
  const diff: PlanDiff = { ...partial, regions: regionUse(spec, current, moves) };
  return {
    version: PLAN_VERSION,
    globeVersion: args.globeVersion,
    basis: { specDigest: specDigest(spec), lineage: args.current?.lineage ?? null, serial: args.current?.serial ?? 0 },
    spec,
    placement,
    diff,
    moves,
    findings: args.findings ?? [],
    ...(waves ? { waves: waves.map((w) => w.wave) } : {}),
    summary: summarize(diff, moves),
  };
}

/**
 * The waves from current through each intermediate deployment to the target, each wave's
 * moves built as a one-wave plan's are (so the usual order holds inside it) and numbered
 * `w<k>-…`. Waves that change nothing are dropped; null when one wave remains.
 */
function buildWaves(spec: Spec, current: Deployment, intermediate: Deployment[], target: Deployment): { wave: PlanWave; moves: Move[] }[] | null {
  if (intermediate.length === 0) return null;
  const built: { target: Deployment; moves: Move[]; regions: PlanWave['regions'] }[] = [];
  let previous = current;
  for (const next of [...intermediate, target]) {
    const moves = buildMoves(spec, previous, next);
    if (moves.length === 0) continue;
    built.push({ target: next, moves, regions: regionUse(spec, previous, moves) });
    previous = next;
  }
  if (built.length < 2) return null;
  const reasons = waveReasons(built.map((w) => w.regions));
  return built.map((w, i) => {
    const wave = i + 1;
    const rename = (id: string) => `w${wave}-${id}`;
    return {
      wave: { wave, reason: reasons[i], target: w.target, regions: w.regions },
      moves: w.moves.map((m) => ({ ...m, id: rename(m.id), dependsOn: m.dependsOn.map(rename), wave })),
    };
  });
}

/**
 * Supply used before and after, and the true peak found by playing the moves in order. Only
 * resizes change what a region holds, so each move adds its own delta (linear in the moves;
 * replaying whole deployments was quadratic at fleet scale).
 */
function regionUse(spec: Spec, current: Deployment, moves: Plan['moves']): PlanDiff['regions'] {
  const before = usageByRegion(spec, current);
  const used = new Map(before);
  const peak = new Map(before);
  for (const m of moves) {
    if (m.kind !== 'upsize' && m.kind !== 'downsize') continue;
    const key = `${m.region}\u0000${m.resource}`;
    const now = (used.get(key) ?? 0) + (m.to - m.from) * (m.units ?? unitsOf(spec, m.subject, m.resource));
    used.set(key, now);
    peak.set(key, Math.max(peak.get(key) ?? 0, now));
  }
  const after = used;
  const rows: PlanDiff['regions'] = [];
  for (const r of Object.keys(spec.regions).sort()) {
    for (const k of Object.keys(spec.resources).sort()) {
      const key = `${r}\u0000${k}`;
      const supply = spec.regions[r].supply[k] ?? 0;
      const b = round(before.get(key) ?? 0);
      const a = round(after.get(key) ?? 0);
      const p = round(peak.get(key) ?? 0);
      if (supply === 0 && b === 0 && a === 0) continue;
      rows.push({ region: r, resource: k, supply, before: b, after: a, peak: p });
    }
  }
  return rows;
}

function summarize(diff: PlanDiff, moves: Plan['moves']): PlanSummary {
  const movesByKind: Record<MoveKind, number> = { upsize: 0, route: 0, downsize: 0, shift: 0 };
  for (const m of moves) movesByKind[m.kind]++;
  let up = 0;
  let down = 0;
  for (const t of diff.tenants) for (const c of t.replicas) (c.to > c.from ? (up += c.to - c.from) : (down += c.from - c.to));
  const routingChanges = diff.tenants.reduce((n, t) => n + new Set(t.routing.map((r) => `${r.class}\u0000${r.client}`)).size, 0);
  return {
    tenantsToAdd: diff.tenants.filter((t) => t.change === 'create').length,
    tenantsToChange: diff.tenants.filter((t) => t.change === 'update').length,
    tenantsToRemove: diff.tenants.filter((t) => t.change === 'delete').length,
    replicasUp: up,
    replicasDown: down,
    routingChanges,
    movesByKind,
    hasChanges: moves.length > 0,
  };
}

function round(x: number): number {
  return Math.round(x * 1e6) / 1e6;
}

/** Units one replica (or reservation / follower unit) of a subject takes of a resource. */
function unitsOf(spec: Spec, subject: ResizeMove['subject'], resource: string): number {
  if (subject.type !== 'tenant') return 1;
  const [service, name] = subject.tenant.split('/');
  return spec.services[service]?.tenants[name]?.replicas[resource]?.units ?? 1;
}
