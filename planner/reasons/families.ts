/**
 * The constraint families, each as a relaxation of a tenant's solo model
 * (solo.ts) and the smallest change that lifts it, read from the relaxed
 * solution or found by a search over the limit's value (each step a solve).
 */
import type { TenantId } from '../../lang/spec.js';
import { itemsUse } from '../decompose/room.js';
import { readinessMode, tenantReadiness } from '../region-loss.js';
import type { Relaxation, SoloContext, SoloOutcome } from './solo.js';
import { ANY_RTT } from './solo.js';
import type { Limit, LimitFamily } from './types.js';

export type Goal = 'serve' | 'readiness';

/** Below this many rps a difference is solver tolerance. */
export const TOLERANCE = 1e-3;

/** Solves (memoised by relaxation) and compares outcomes for one tenant and goal. */
export interface Probe {
  ctx: SoloContext;
  goal: Goal;
  solve(relax: Relaxation): Promise<SoloOutcome>;
  /** Whether `o` does as well as `goal` (the outcome to reach) on this goal. */
  reaches(o: SoloOutcome, goal: SoloOutcome): boolean;
}

export interface Family {
  name: LimitFamily;
  applies(p: Probe): boolean;
  /** The family lifted entirely. */
  full(p: Probe): Relaxation;
  /**
   * The change that lifts it: `relaxed` is an outcome with the family lifted (and maybe others,
   * for a pair); with `search`, the smallest value reaching `want` is searched for.
   */
  fix(p: Probe, relaxed: SoloOutcome, want: SoloOutcome, search: boolean): Promise<Limit>;
}

const base = (p: Probe) => `services/${p.ctx.entry.service}/tenants/${p.ctx.entry.name}`;
const key = (r: string, k: string) => `${r}\u0000${k}`;

/** Units beyond the room per (region, resource) in an outcome: final (more hardware) and peak (mid-apply). */
function excess(p: Probe, o: SoloOutcome): { region: string; resource: string; final: number; peak: number }[] {
  const { world, entry, goals } = p.ctx;
  const use = itemsUse(world, world.current, o.target, [entry.id], false);
  const room = p.ctx.room();
  const keepFree = new Map<string, number>();
  for (const g of goals.free ?? []) keepFree.set(key(g.region, g.resource), (keepFree.get(key(g.region, g.resource)) ?? 0) + g.units);
  const out = [];
  for (const r of world.regions) {
    for (const k of world.resources) {
      const id = key(r, k);
      const space = room.get(id) ?? { final: 0, peak: 0 };
      const final = (use.final.get(id) ?? 0) - Math.max(0, space.final - (keepFree.get(id) ?? 0));
      const peak = (use.peak.get(id) ?? 0) - space.peak;
      if (final > 1e-6 || peak > 1e-6) out.push({ region: r, resource: k, final: Math.max(0, Math.ceil(final - 1e-6)), peak: Math.max(0, Math.ceil(peak - 1e-6)) });
    }
  }
  return out;
}

/** Index of the first candidate (tightest first) whose relaxation reaches `want`; the last one is known to. */
async function firstReaching<T>(p: Probe, candidates: T[], relax: (c: T) => Relaxation, want: SoloOutcome): Promise<{ value: T; outcome?: SoloOutcome }> {
  let lo = 0;
  let hi = candidates.length - 1;
  let best: SoloOutcome | undefined;
  while (lo < hi) {
    const mid = (lo + hi) >> 1;
    const o = await p.solve(relax(candidates[mid]));
    if (p.reaches(o, want)) {
      hi = mid;
      best = o;
    } else lo = mid + 1;
  }
  return { value: candidates[lo], outcome: lo === candidates.length - 1 ? undefined : best };
}

function maxPerRegion(o: SoloOutcome, id: TenantId): number {
  let most = 0;
  for (const byRes of Object.values(o.target.tenants[id]?.replicas ?? {})) most = Math.max(most, Object.values(byRes).reduce((a, b) => a + b, 0));
  return most;
}

const supply: Family = {
  name: 'supply',
  applies: () => true,
  full: () => ({ supply: true }),
  async fix(p, relaxed) {
    const more = excess(p, relaxed)
      .map((e) => ({ ...e, units: Math.max(e.final, e.peak) }))
      .filter((e) => e.units > 0);
    if (more.length === 0) return { family: 'supply', fix: 'more supply in the regions it may use' };
    const top = [...more].sort((a, b) => b.units - a.units)[0];
    return { family: 'supply', limitPath: `regions/${top.region}/supply/${top.resource}`, fix: more.map((e) => `${e.units} more ${e.resource} in ${e.region}`).join(', ') };
  },
};

const peak: Family = {
  name: 'peak',
  applies: (p) => {
    const c = p.ctx.world.current;
    return Object.keys(c.tenants).length + Object.keys(c.reservations).length + Object.keys(c.followers).length > 0;
  },
  full: () => ({ peak: true }),
  async fix(p, relaxed) {
    const over = excess(p, relaxed).filter((e) => e.peak > 0);
    const top = [...over].sort((a, b) => b.peak - a.peak)[0];
    const detail = over.map((e) => `${e.peak} ${e.resource} in ${e.region}`).join(', ');
    return {
      family: 'peak',
      limitPath: top ? `regions/${top.region}/supply/${top.resource}` : undefined,
      fix: `apply this plan, then plan again${detail ? ` (done at once, the move would hold ${detail} more than the supply while it runs)` : ''}`,
    };
  },
};

const maxReplicas: Family = {
  name: 'max-replicas',
  applies: (p) => p.ctx.entry.spec.maxReplicasPerRegion !== undefined,
  full: () => ({ maxReplicas: null }),
  async fix(p, relaxed, want, search) {
    const now = p.ctx.entry.spec.maxReplicasPerRegion!;
    const needed = Math.max(now + 1, maxPerRegion(relaxed, p.ctx.entry.id));
    let value = needed;
    if (search) {
      const candidates = Array.from({ length: needed - now }, (_, i) => now + 1 + i);
      value = (await firstReaching(p, candidates, (n) => ({ maxReplicas: n }), want)).value;
    }
    return { family: 'max-replicas', limitPath: `${base(p)}/maxReplicasPerRegion`, fix: `raise max_replicas to ${value}` };
  },
};

const minReplicas: Family = {
  name: 'min-replicas',
  applies: (p) => (p.ctx.entry.spec.minReplicasPerRegion ?? 0) > 0,
  full: () => ({ minReplicas: null }),
  async fix(p, _relaxed, want, search) {
    const now = p.ctx.entry.spec.minReplicasPerRegion!;
    let value = 0;
    if (search) {
      const candidates = Array.from({ length: now }, (_, i) => now - 1 - i); // tightest first: now−1 … 0
      value = (await firstReaching(p, candidates, (n) => ({ minReplicas: n === 0 ? null : n }), want)).value;
    }
    return { family: 'min-replicas', limitPath: `${base(p)}/minReplicasPerRegion`, fix: value === 0 ? 'remove min_replicas' : `lower min_replicas to ${value}` };
  },
};

const placement: Family = {
  name: 'placement',
  applies: (p) => p.ctx.entry.spec.avoid.length > 0 || p.ctx.entry.spec.onlyIn.length > 0,
  full: () => ({ allow: 'all' }),
  async fix(p, relaxed, want, search) {
    const allowed = new Set(p.ctx.entry.regions);
    const used = Object.keys(relaxed.target.tenants[p.ctx.entry.id]?.replicas ?? {}).filter((r) => !allowed.has(r)).sort();
    let regions = used;
    if (search && used.length > 1) {
      for (const r of used) {
        if (p.reaches(await p.solve({ allow: [r] }), want)) {
          regions = [r];
          break;
        }
      }
    }
    const spec = p.ctx.entry.spec;
    const inAvoid = regions.filter((r) => spec.avoid.includes(r));
    const notInOnly = regions.filter((r) => !spec.avoid.includes(r));
    const parts = [
      ...(inAvoid.length ? [`remove ${inAvoid.map((r) => `\`${r}\``).join(', ')} from avoid`] : []),
      ...(notInOnly.length ? [`add ${notInOnly.map((r) => `\`${r}\``).join(', ')} to only_in`] : []),
    ];
    // The avoid entry itself where a region is avoided (each list item has its own path).
    const limitPath = inAvoid.length ? `${base(p)}/avoid/${spec.avoid.indexOf(inAvoid[0])}` : `${base(p)}/onlyIn`;
    return { family: 'placement', limitPath, fix: parts.join(' and ') || 'allow more regions (avoid / only_in)' };
  },
};

/** Finite RTTs from the tenant's clients to any region above `floor`, ascending: the thresholds worth trying. */
function rttCandidates(p: Probe, floor: number): number[] {
  const { world } = p.ctx;
  const out = new Set<number>();
  for (const byClient of Object.values(p.ctx.demand)) {
    for (const client of Object.keys(byClient)) {
      for (const r of world.regions) {
        const ms = world.latency(client, r);
        if (Number.isFinite(ms) && ms > floor) out.add(ms);
      }
    }
  }
  return [...out].sort((a, b) => a - b);
}

const latency: Family = {
  name: 'latency',
  applies: (p) => p.goal === 'serve',
  full: () => ({ latency: ANY_RTT }),
  async fix(p, relaxed) {
    const thresholds = p.ctx.entry.spec.latency;
    const outcome = relaxed;
    // Per class, the farthest route the relaxed solution uses beyond its threshold: the threshold its
    // re-route needs (the solution prefers near regions: the distance term).
    const needed = new Map<string, number>();
    const routing = outcome.target.tenants[p.ctx.entry.id]?.routing ?? {};
    for (const cls of Object.keys(routing).sort()) {
      for (const [client, row] of Object.entries(routing[cls])) {
        for (const [r, w] of Object.entries(row)) {
          const ms = p.ctx.world.latency(client, r);
          if (w > 0 && ms > (thresholds[cls] ?? 0)) needed.set(cls, Math.max(needed.get(cls) ?? 0, ms));
        }
      }
    }
    const classes = [...needed.keys()].sort();
    return {
      family: 'latency',
      limitPath: classes.length ? `${base(p)}/latency/${classes[0]}` : `${base(p)}/latency`,
      fix: classes.map((c) => `raise the latency threshold of class \`${c}\` to ${needed.get(c)}ms`).join(', ') || 'raise its latency thresholds',
    };
  },
};

const drLatency: Family = {
  name: 'dr-latency',
  applies: (p) => p.goal === 'readiness' && readinessMode(p.ctx.entry.spec) === 'per-failure',
  full: () => ({ drLatency: ANY_RTT }),
  async fix(p, relaxed, want) {
    const spec = p.ctx.entry.spec;
    const floor = Math.max(spec.drLatency ?? 0, Math.min(...Object.keys(p.ctx.demand).map((c) => spec.latency[c] ?? 0)));
    const candidates = [...rttCandidates(p, floor), ANY_RTT];
    // The replicas as the relaxed solution has them: the smallest dr_latency their failover needs, by the
    // verdict function (no solve). A placement planned for a smaller dr_latency might need less still.
    const id = p.ctx.entry.id;
    const value = candidates.find((ms) => {
      const tenant = { ...p.ctx.tenantSpec({}), drLatency: ms };
      return tenantReadiness(p.ctx.world.spec, relaxed.target, id, tenant).losses.reduce((a, l) => a + l.lost, 0) <= want.loss + TOLERANCE;
    });
    return {
      family: 'dr-latency',
      limitPath: `${base(p)}/${spec.drLatency !== undefined ? 'drLatency' : 'tolerateRegionFailure'}`,
      fix: value !== undefined && value < ANY_RTT ? `set dr_latency = ${value}ms` : 'raise dr_latency',
    };
  },
};

const free: Family = {
  name: 'free',
  applies: (p) => (p.ctx.goals.free ?? []).some((g) => p.ctx.entry.resources.includes(g.resource)),
  full: () => ({ free: true }),
  async fix(p, relaxed) {
    const taken = excess(p, relaxed).filter((e) => e.final > 0);
    const parts: string[] = [];
    for (const g of p.ctx.goals.free ?? []) {
      const e = taken.find((x) => x.region === g.region && x.resource === g.resource);
      if (e) parts.push(`keep at most ${Math.max(0, g.units - e.final)} ${g.resource} free in ${g.region} (--free ${g.region}/${g.resource}=${g.units})`);
    }
    return { family: 'free', fix: parts.join(', ') || 'keep less free (--free)' };
  },
};

const priority: Family = {
  name: 'priority',
  applies: (p) => p.ctx.world.tenants.some((u) => u.spec.priority > p.ctx.entry.spec.priority),
  full: () => ({ priorityAbove: Infinity }),
  async fix(p, _relaxed, want, search) {
    const own = p.ctx.entry.spec.priority;
    const higher = [...new Set(p.ctx.world.tenants.map((u) => u.spec.priority).filter((q) => q > own))].sort((a, b) => a - b);
    let value = higher[higher.length - 1] + 1;
    if (search) value = (await firstReaching(p, higher.map((q) => q + 1), (P) => ({ priorityAbove: P }), want)).value;
    const regions = new Set(p.ctx.entry.regions);
    const holders = p.ctx.world.tenants
      .filter((u) => u.spec.priority > own && u.spec.priority < value)
      .filter((u) => Object.keys(p.ctx.placement.target.tenants[u.id]?.replicas ?? {}).some((r) => regions.has(r)))
      .map((u) => `\`${u.id}\``);
    const names = holders.length > 3 ? `${holders.slice(0, 3).join(', ')} and ${holders.length - 3} more` : holders.join(', ');
    return { family: 'priority', limitPath: `${base(p)}/priority`, fix: `raise priority to ${value}${names ? ` (above ${names})` : ''}` };
  },
};

/** In order of preference when several families each explain it alone: limits that cost no hardware first. */
export const FAMILIES: Family[] = [peak, maxReplicas, minReplicas, latency, drLatency, placement, free, priority, supply];
