/**
 * Plans written by hand for the executor's tests: a small world (two
 * regions, two tenants, a reservation), moves with their dependencies, and
 * an in-memory backend and journal whose faults a test can switch on.
 * Nothing here runs the planner: the executor is tested on its own.
 */
import { applyMove } from '../../schemas/apply-move.js';
import type { Backend, MoveOutput } from '../../executor/backend.js';
import { FILE_CAPABILITIES } from '../../executor/backends/file.js';
import { usageByRegion } from '../../schemas/invariants.js';
import { replayRecords, type JournalRecord, type JournalReplay, type JournalStore } from '../../executor/journal.js';
import { emptyDeployment, STATE_VERSION, type Deployment, type State } from '../../schemas/state.js';
import { SPEC_VERSION, type Spec } from '../../lang/spec.js';
import type { Placement } from '../../schemas/placement.js';
import { PLAN_VERSION, type Move, type Plan, type ResizeMove, type Subject } from '../../schemas/plan.js';

/**
 * us-east: 10 h100, 100 cpu; eu-west: 6 h100, 60 cpu.
 * search/ranker: one h100 serves 500 rps at 80% → 400 rps per replica.
 * search/indexer: one replica takes 4 cpu and serves 250 rps.
 * Reservation batch-pool: cpu.
 */
export function deploymentOf(state: State | null): Deployment {
  return state ? { tenants: state.tenants, reservations: state.reservations, products: state.products, followers: state.followers } : emptyDeployment();
}

export function fixtureSpec(): Spec {
  return {
    version: SPEC_VERSION,
    resources: { cpu: { unit: 'server', cost: 0.1 }, h100: { unit: 'gpu', cost: 3 } },
    regions: {
      'eu-west': { locality: 'eu', supply: { cpu: 60, h100: 6 } },
      'us-east': { locality: 'na', supply: { cpu: 100, h100: 10 } },
    },
    latency: [{ a: 'eu-west', b: 'us-east', ms: 75 }],
    services: {
      search: {
        tenants: {
          indexer: {
            priority: 0,
            demand: { batch: { 'us-east': 1000 } },
            latency: { batch: 200 },
            replicas: { cpu: { units: 4, serves: 250 } },
            targetUtilization: 1,
            tolerateRegionFailure: false,
            avoid: [],
            onlyIn: [],
          },
          ranker: {
            priority: 100,
            demand: { query: { 'eu-west': 400, 'us-east': 800 } },
            latency: { query: 200 },
            replicas: { h100: { units: 1, serves: 500 } },
            targetUtilization: 0.8,
            tolerateRegionFailure: false,
            avoid: [],
            onlyIn: [],
          },
        },
        follows: {},
        residual: {},
        tolerateRegionFailure: false,
      },
    },
    reservations: { 'batch-pool': { resource: 'cpu', amount: 10, locality: 'na', tolerateRegionFailure: false } },
    products: {},
  };
}

const ranker = { type: 'tenant', tenant: 'search/ranker' } as const satisfies Subject;
const indexer = { type: 'tenant', tenant: 'search/indexer' } as const satisfies Subject;
const pool = { type: 'reservation', reservation: 'batch-pool' } as const satisfies Subject;

export function resize(id: string, subject: Subject, region: string, resource: string, from: number, to: number, dependsOn: string[] = []): ResizeMove {
  return { id, kind: to > from ? 'upsize' : 'downsize', subject, region, resource, from, to, dependsOn, round: 1 };
}

/** From nothing: both tenants and the reservation, 7 moves. */
export function freshMoves(): Move[] {
  return [
    resize('m001-upsize-indexer-us-east', indexer, 'us-east', 'cpu', 0, 4),
    { id: 'm002-route-indexer', kind: 'route', tenant: 'search/indexer', routing: { batch: { 'us-east': { 'us-east': 1 } } }, dependsOn: ['m001-upsize-indexer-us-east'], round: 1 },
    resize('m003-upsize-ranker-eu-west', ranker, 'eu-west', 'h100', 0, 1),
    resize('m004-upsize-ranker-us-east', ranker, 'us-east', 'h100', 0, 2),
    {
      id: 'm005-route-ranker',
      kind: 'route',
      tenant: 'search/ranker',
      routing: { query: { 'eu-west': { 'eu-west': 1 }, 'us-east': { 'us-east': 1 } } },
      dependsOn: ['m003-upsize-ranker-eu-west', 'm004-upsize-ranker-us-east'],
      round: 1,
    },
    resize('m006-upsize-pool-eu-west', pool, 'eu-west', 'cpu', 0, 10),
    resize('m007-upsize-pool-us-east', pool, 'us-east', 'cpu', 0, 10),
  ];
}

/** What freshMoves leave behind. */
export function deployedState(): State {
  const d = freshMoves().reduce(applyMove, emptyDeployment());
  return { version: STATE_VERSION, lineage: 'fixture-lineage', serial: 7, ...d };
}

/** From deployedState: ranker shifts half its us-east traffic to eu-west, indexer moves to eu-west. Upsize, route, downsize. */
export function changeMoves(): Move[] {
  return [
    resize('m001-upsize-indexer-eu-west', indexer, 'eu-west', 'cpu', 0, 4),
    { id: 'm002-route-indexer', kind: 'route', tenant: 'search/indexer', routing: { batch: { 'us-east': { 'eu-west': 1 } } }, dependsOn: ['m001-upsize-indexer-eu-west'], round: 1 },
    resize('m003-downsize-indexer-us-east', indexer, 'us-east', 'cpu', 4, 0, ['m002-route-indexer']),
    resize('m004-upsize-ranker-eu-west', ranker, 'eu-west', 'h100', 1, 2),
    {
      id: 'm005-route-ranker',
      kind: 'route',
      tenant: 'search/ranker',
      routing: { query: { 'eu-west': { 'eu-west': 1 }, 'us-east': { 'eu-west': 0.5, 'us-east': 0.5 } } },
      dependsOn: ['m004-upsize-ranker-eu-west'],
      round: 1,
    },
    resize('m006-downsize-ranker-us-east', ranker, 'us-east', 'h100', 2, 1, ['m005-route-ranker']),
  ];
}

/** A Plan document around hand-written moves: basis from `current`, per-region usage before/after/peak from the moves. */
export function planOf(moves: Move[], current: State | null, spec: Spec = fixtureSpec()): Plan {
  const start = deploymentOf(current);
  const target = moves.reduce(applyMove, start);
  const before = usageByRegion(spec, start);
  const peak = new Map(before);
  let d = start;
  for (const m of moves) {
    d = applyMove(d, m);
    for (const [key, used] of usageByRegion(spec, d)) peak.set(key, Math.max(peak.get(key) ?? 0, used));
  }
  const after = usageByRegion(spec, target);
  const keys = [...new Set([...before.keys(), ...after.keys()])].sort();
  const placement: Placement = {
    version: 1,
    target,
    failover: {},
    unserved: {},
    unservedProducts: {},
    usage: {},
    disasterReadiness: {},
    solver: { status: 'optimal', objective: 0, bound: 0, boundKind: 'exact', lpBound: 0, gap: 0, seconds: 0, model: { rows: 0, columns: 0, nonzeros: 0, integers: 0 }, terms: {} },
  };
  const count = (k: string) => moves.filter((m) => m.kind === k).length;
  return {
    version: PLAN_VERSION,
    globeVersion: '0.1.0',
    basis: { specDigest: 'sha256:fixture', lineage: current?.lineage ?? null, serial: current?.serial ?? 0 },
    spec,
    placement,
    diff: {
      tenants: [],
      reservations: [],
      followers: [],
      products: [],
      regions: keys.map((key) => {
        const [region, resource] = key.split('\u0000');
        return { region, resource, supply: spec.regions[region]?.supply[resource] ?? 0, before: before.get(key) ?? 0, after: after.get(key) ?? 0, peak: peak.get(key) ?? 0 };
      }),
    },
    moves,
    summary: {
      tenantsToAdd: 0,
      tenantsToChange: 0,
      tenantsToRemove: 0,
      replicasUp: 0,
      replicasDown: 0,
      routingChanges: 0,
      movesByKind: { upsize: count('upsize'), downsize: count('downsize'), route: count('route'), shift: count('shift') },
      hasChanges: moves.length > 0,
    },
  };
}

export interface MemoryBackendFaults {
  /** Fail this move with this message (and stderr). */
  fail?: (m: Move) => string | undefined;
  /** Accept the move but never carry it out. */
  drop?: (m: Move) => boolean;
  /** After a move, this many reads still show the old state (a backend that converges slowly). */
  lagReads?: number;
  /** How long a move takes, in ms. */
  delayMs?: (m: Move) => number;
}

/** The world in memory: records every state it passes through and how many moves ran at once. */
export class MemoryBackend implements Backend {
  /** Like the file backend: each move one serial, written by globe. */
  readonly capabilities = FILE_CAPABILITIES;
  state: State | null;
  /** Every deployment the world passed through, the first one included. */
  readonly history: Deployment[] = [];
  /** `start id` / `end id`, in the order they happened. */
  readonly log: string[] = [];
  running = 0;
  peakRunning = 0;
  reads = 0;
  private stale: { state: State | null; reads: number } | undefined;

  constructor(
    initial: State | null,
    public faults: MemoryBackendFaults = {},
  ) {
    this.state = structuredClone(initial);
    this.history.push(deploymentOf(initial));
  }

  async getState(): Promise<State | null> {
    this.reads++;
    if (this.stale && this.stale.reads > 0) {
      this.stale.reads--;
      return structuredClone(this.stale.state);
    }
    return structuredClone(this.state);
  }

  async execute(move: Move): Promise<MoveOutput> {
    this.log.push(`start ${move.id}`);
    this.running++;
    this.peakRunning = Math.max(this.peakRunning, this.running);
    try {
      const delay = this.faults.delayMs?.(move) ?? 0;
      if (delay > 0) await new Promise((r) => setTimeout(r, delay));
      const failure = this.faults.fail?.(move);
      if (failure) throw Object.assign(new Error(failure), { stderr: `stderr of ${move.id}\n` });
      if (this.faults.drop?.(move)) return {};
      const before = this.state;
      const d = applyMove(deploymentOf(this.state), move);
      this.state = { version: STATE_VERSION, lineage: this.state?.lineage ?? 'memory-lineage', serial: (this.state?.serial ?? 0) + 1, ...d };
      this.history.push(d);
      if (this.faults.lagReads) this.stale = { state: before, reads: this.faults.lagReads };
      return { stderr: `did ${move.id}\n` };

    } finally {
      this.running--;
      this.log.push(`end ${move.id}`);
    }
  }
}

/** A journal in memory; `failAfter` appends succeed, then every one fails as a full disk does. */
export class MemoryJournal implements JournalStore {
  records: JournalRecord[] = [];
  closed = 0;

  constructor(public failAfter = Infinity) {}

  async read(): Promise<JournalReplay> {
    return replayRecords(structuredClone(this.records));
  }

  async append(record: JournalRecord): Promise<void> {
    if (this.records.length >= this.failAfter) throw Object.assign(new Error('ENOSPC: no space left on device, write'), { code: 'ENOSPC' });
    this.records.push(structuredClone(record));
  }

  async close(): Promise<void> {
    this.closed++;
  }

  /** The statuses each move went through, in order. */
  statusesOf(id: string): string[] {
    return this.records.flatMap((r) => (r.type === 'move' && r.move === id ? [r.status] : []));
  }
}
