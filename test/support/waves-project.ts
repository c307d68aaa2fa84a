/**
 * The issue's swap on the exec backend, for the wave tests: two regions of 4
 * h100, tenant `a` holding all of r1 and `b` all of r2, their demand swapped
 * (each must now be served where the other sits, latency < 20 ms across 90 ms).
 * No single safe step exists; the plan here takes three waves, each within
 * Σ max(before, after) ≤ supply: `a` leaves r1, `b` moves r2 → r1, `a` comes
 * up in r2.
 *
 * The hooks are the example's behind a wrapper a test can steer without timing:
 * - after every move it appends the world it left to `history.jsonl`;
 * - the move whose id is in `hold` writes its pid to `held` and waits for `release`;
 * - `validate` appends `<phase> <wave>` to `gates.log`, and fails (exit 1, two lines of
 *   output) while `fail-gate` holds `<phase>:<wave>`; otherwise it runs the example's gate.
 */
import { chmodSync, cpSync, existsSync, mkdirSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { emptyDeployment, type Deployment, type RoutingMatrix, type State } from '../../schemas/state.js';
import { buildPlan } from '../../planner/build-plan.js';
import type { Plan } from '../../schemas/plan.js';
import { globe, ROOT } from './cli.js';

export const SWAP_WORLD = `resource h100 { unit = gpu  cost = 1 }
region r1 { locality = na  supply { h100 = 4 } }
region r2 { locality = eu  supply { h100 = 4 } }
latency { r1 <-> r2 = 90ms }
service s {
  tenant a {
    demand q { r2 = 1600rps }
    latency q < 20ms
    replica h100 x1 serves 500rps
  }
  tenant b {
    demand q { r1 = 1600rps }
    latency q < 20ms
    replica h100 x1 serves 500rps
  }
}
`;

const WRAPPER = `#!/usr/bin/env node
import { appendFileSync, existsSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import { spawnSync } from 'node:child_process';
const cmd = process.argv[2];
const input = cmd === 'get-state' ? '' : await new Promise((r) => { let s = ''; process.stdin.on('data', (d) => (s += d)); process.stdin.on('end', () => r(s)); });
if (cmd === 'validate') {
  const phase = process.env.GLOBE_GATE + ':' + process.env.GLOBE_WAVE;
  appendFileSync('gates.log', process.env.GLOBE_GATE + ' ' + process.env.GLOBE_WAVE + ' of ' + process.env.GLOBE_WAVES + '\\n');
  if (existsSync('fail-gate') && readFileSync('fail-gate', 'utf8').trim() === phase) {
    process.stdout.write('checking error rates\\n');
    process.stderr.write('error rate 7.5% in r1\\nover the 1% objective: not healthy\\n');
    process.exit(1);
  }
}
const held = cmd !== 'get-state' && cmd !== 'validate' && existsSync('hold') && !existsSync('held') && JSON.parse(input).id === readFileSync('hold', 'utf8').trim();
if (held) {
  writeFileSync('held.tmp', String(process.pid));
  renameSync('held.tmp', 'held');
  while (!existsSync('release')) await new Promise((r) => setTimeout(r, 20));
}
const r = spawnSync('./hooks/globe-hook.mjs', [cmd], { input, encoding: 'utf8', env: process.env });
process.stdout.write(r.stdout);
process.stderr.write(r.stderr);
if (r.status === 0 && cmd !== 'get-state' && cmd !== 'validate') appendFileSync('history.jsonl', readFileSync('.globe/exec-world.json', 'utf8').replace(/\\n\\s*/g, '') + '\\n');
process.exit(r.status ?? 1);
`;

const at = (a: Record<string, number>, aRoute: string | undefined, b: Record<string, number>, bRoute: string | undefined): Deployment => {
  const tenant = (replicas: Record<string, number>, route: string | undefined) => ({
    replicas: Object.fromEntries(Object.entries(replicas).map(([r, n]) => [r, { h100: n }])),
    routing: (route ? { q: { [route]: { [route]: 1 } } } : {}) as Record<string, RoutingMatrix>,
  });
  const tenants: Deployment['tenants'] = {};
  if (Object.keys(a).length > 0 || aRoute) tenants['s/a'] = tenant(a, aRoute);
  if (Object.keys(b).length > 0 || bRoute) tenants['s/b'] = tenant(b, bRoute);
  return { ...emptyDeployment(), tenants };
};

/** Where the swap starts: `a` serves its old clients in r1, `b` in r2. */
export const SWAP_START = at({ r1: 4 }, 'r1', { r2: 4 }, 'r2');
/** The deployments after wave 1 and wave 2. */
export const SWAP_WAVES = [at({}, undefined, { r2: 4 }, 'r2'), at({}, undefined, { r1: 4 }, 'r1')];
/** Each served where its demand now is. */
export const SWAP_TARGET = at({ r2: 4 }, 'r2', { r1: 4 }, 'r1');

export interface WavesProject {
  dir: string;
  plan: Plan;
}

/** The swap project, the world at SWAP_START, and the three-wave plan in plan.json. */
export function swapProject(options: { validate?: boolean } = {}): WavesProject {
  const dir = mkdtempSync(join(tmpdir(), 'globe-waves-'));
  mkdirSync(join(dir, 'hooks'));
  cpSync(join(ROOT, 'examples', 'exec-backend', 'hooks', 'globe-hook.mjs'), join(dir, 'hooks', 'globe-hook.mjs'));
  writeFileSync(join(dir, 'hooks', 'waves.mjs'), WRAPPER);
  chmodSync(join(dir, 'hooks', 'waves.mjs'), 0o755);
  writeFileSync(join(dir, 'world.globe'), SWAP_WORLD);
  const hook = (cmd: string) => `["./hooks/waves.mjs", "${cmd}"]`;
  writeFileSync(
    join(dir, 'backend.globe'),
    `backend exec {\n  get_state = ${hook('get-state')}\n  upsize = ${hook('upsize')}\n  route = ${hook('route')}\n  downsize = ${hook('downsize')}\n${options.validate ? `  validate = ${hook('validate')}\n` : ''}  timeout = 120s\n}\n`,
  );
  mkdirSync(join(dir, '.globe'));
  const start: State = { version: 1, lineage: 'swap-world', serial: 3, ...structuredClone(SWAP_START) } as State;
  writeFileSync(join(dir, '.globe', 'exec-world.json'), JSON.stringify(start, null, 2));
  // The planner's own document (Spec, solver figures), re-built through the waves.
  const r = globe(['plan', dir, '--out', join(dir, 'one-wave.json')]);
  if (r.code !== 0) throw new Error(`plan failed: ${r.stderr}`);
  const base = JSON.parse(readFileSync(join(dir, 'one-wave.json'), 'utf8')) as Plan;
  const plan = buildPlan({
    spec: base.spec,
    current: start,
    placement: { ...base.placement, target: structuredClone(SWAP_TARGET), unserved: {} },
    globeVersion: base.globeVersion,
    intermediate: structuredClone(SWAP_WAVES),
  });
  writeFileSync(join(dir, 'plan.json'), JSON.stringify(plan, null, 2));
  return { dir, plan };
}

/** The world the example hook keeps, without the units it records beside the counts. */
export function worldOf(dir: string): Deployment {
  return stripUnits(JSON.parse(readFileSync(join(dir, '.globe', 'exec-world.json'), 'utf8')) as Deployment);
}

/** Every world a move left behind, in order. */
export function historyOf(dir: string): Deployment[] {
  const file = join(dir, 'history.jsonl');
  if (!existsSync(file)) return [];
  return readFileSync(file, 'utf8')
    .split('\n')
    .filter((l) => l.trim() !== '')
    .map((l) => stripUnits(JSON.parse(l) as Deployment));
}

export function gatesLog(dir: string): string[] {
  const file = join(dir, 'gates.log');
  return existsSync(file) ? readFileSync(file, 'utf8').trim().split('\n') : [];
}

function stripUnits(w: Deployment): Deployment {
  const tenants = Object.fromEntries(Object.entries(w.tenants).map(([id, t]) => [id, { replicas: t.replicas, routing: t.routing }]));
  return { tenants, reservations: w.reservations, products: w.products, followers: w.followers };
}

/** h100 used per region: each tenant's replicas (one unit each here). */
export function h100Use(d: Deployment): Record<string, number> {
  const out: Record<string, number> = {};
  for (const t of Object.values(d.tenants)) for (const [r, byRes] of Object.entries(t.replicas)) out[r] = (out[r] ?? 0) + (byRes.h100 ?? 0);
  return out;
}

/**
 * A full world for a region exit: e's tenant x has clients only r1 reaches in time, and r1 is
 * held 8 of 10 by y, which may be served from anywhere; r2 and r3 are held 9 of 10 by tenants
 * pinned there. `eSupply` 0 is the exit declared in the Spec; 4 is `simulate --exit e`'s world.
 */
export function fullExitWorld(eSupply: number): string {
  return `resource h100 { unit = gpu  cost = 3 }
region e  { locality = na  supply { h100 = ${eSupply} } }
region r1 { locality = na  supply { h100 = 10 } }
region r2 { locality = na  supply { h100 = 10 } }
region r3 { locality = na  supply { h100 = 10 } }
latency {
  e <-> r1 = 10ms  e <-> r2 = 80ms  e <-> r3 = 80ms
  r1 <-> r2 = 80ms  r1 <-> r3 = 80ms  r2 <-> r3 = 80ms
}
service full {
  tenant x  { demand q { e = 2000rps }   latency q < 20ms    replica h100 x1 serves 500rps }
  tenant y  { demand q { r1 = 4000rps }  latency q < global  replica h100 x1 serves 500rps }
  tenant p2 { demand q { r2 = 4500rps }  latency q < 5ms     replica h100 x1 serves 500rps }
  tenant p3 { demand q { r3 = 4500rps }  latency q < 5ms     replica h100 x1 serves 500rps }
}
`;
}

/** What runs in the full exit world before the exit. */
export const FULL_EXIT_START: Deployment = {
  tenants: {
    'full/x': { replicas: { e: { h100: 4 } }, routing: { q: { e: { e: 1 } } } },
    'full/y': { replicas: { r1: { h100: 8 } }, routing: { q: { r1: { r1: 1 } } } },
    'full/p2': { replicas: { r2: { h100: 9 } }, routing: { q: { r2: { r2: 1 } } } },
    'full/p3': { replicas: { r3: { h100: 9 } }, routing: { q: { r3: { r3: 1 } } } },
  },
  reservations: {},
  products: {},
  followers: {},
};
