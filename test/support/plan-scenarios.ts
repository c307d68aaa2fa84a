/**
 * The worlds the plan goldens are rendered from. Each scenario is a project (an example, or DSL text)
 * with, where it says so, a deployment already in place; planning it with the real CLI gives the Plan
 * document saved in `test/golden/plans/<name>.plan.json`.
 *
 * The renderer goldens (test/cli/plan-golden.test.ts, plan-html, plan-comment) render those saved
 * documents and never solve; test/e2e/plan-fixtures.test.ts plans every scenario for real and compares
 * the result with its fixture, so a planner change that alters a plan fails there, in one place.
 * After such an intended change, regenerate the fixtures (and then the goldens, if the output moved):
 *
 *   npm run build && npx tsx test/support/write-plan-fixtures.ts
 *   UPDATE_GOLDEN=1 npx vitest run test/cli/plan-golden.test.ts test/cli/plan-html.test.ts test/cli/plan-comment.test.ts
 */
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { writeStateFile } from '../../executor/state-file.js';
import type { Plan } from '../../schemas/plan.js';
import type { Deployment } from '../../schemas/state.js';
import { globe, ROOT } from './cli.js';
import { copyExample } from './examples.js';
import { FULL_EXIT_START, fullExitWorld } from './waves-project.js';

export const FIXTURES = join(ROOT, 'test', 'golden', 'plans');

export function fixtureFile(name: string): string {
  return join(FIXTURES, `${name}.plan.json`);
}

export function readFixture(name: string): Plan {
  return JSON.parse(readFileSync(fixtureFile(name), 'utf8')) as Plan;
}

/**
 * A state's lineage is a fresh UUID in every run; the fixture keeps this one instead, so that planning
 * the same world again writes the same bytes. (Renderers print it only in JSON, where the goldens read
 * `<lineage>`.)
 */
export const PINNED_LINEAGE = '00000000-0000-4000-8000-000000000000';

interface Scenario {
  /** The project, made inside `work`; returns its directory. */
  make(work: string): Promise<string>;
  /** Planner flags the scenario plans with (default none). */
  flags?: string[];
}

/** A copy of an example. */
function example(name: string, work: string): string {
  const dir = join(work, name);
  copyExample(join(ROOT, 'examples', name), dir);
  return dir;
}

/** Plan once and deploy the plan's target as the current state (what a finished apply leaves). */
async function deployFirstPlan(dir: string): Promise<void> {
  const first = join(dir, '..', 'first.plan.json');
  const r = globe(['plan', dir, '--lock', 'false', '--out', first]);
  if (r.code !== 0) throw new Error(`planning ${dir} failed:\n${r.stderr}`);
  const plan = JSON.parse(readFileSync(first, 'utf8')) as Plan;
  await writeStateFile(join(dir, '.globe', 'state.json'), null, plan.placement.target);
}

function edit(file: string, from: string, to: string): void {
  const text = readFileSync(file, 'utf8');
  if (!text.includes(from)) throw new Error(`${file} no longer contains ${JSON.stringify(from)}: update the scenario`);
  writeFileSync(file, text.replace(from, to));
}

/** A project written from DSL text, optionally with a deployment in place. */
async function written(work: string, text: string, deployed?: Deployment): Promise<string> {
  const dir = join(work, 'project');
  mkdirSync(dir, { recursive: true });
  writeFileSync(join(dir, 'world.globe'), text);
  if (deployed) await writeStateFile(join(dir, '.globe', 'state.json'), null, deployed);
  return dir;
}

const h100Regions = `resource h100 { unit = gpu  cost = 3 }
region r1 { locality = na  supply { h100 = 4 } }
region r2 { locality = na  supply { h100 = 4 } }
latency { r1 <-> r2 = 80ms }
`;

// The swap of issue 16: a holds r1 and b holds r2, their demand now swapped.
const swapWorld = `${h100Regions}service swap {
  tenant a { demand q { r2 = 2000rps }  latency q < 20ms  replica h100 x1 serves 500rps }
  tenant b { demand q { r1 = 2000rps }  latency q < 20ms  replica h100 x1 serves 500rps }
}
`;
const swapState: Deployment = {
  tenants: {
    'swap/a': { replicas: { r1: { h100: 4 } }, routing: {} },
    'swap/b': { replicas: { r2: { h100: 4 } }, routing: {} },
  },
  reservations: {},
  products: {},
  followers: {},
};

export const SCENARIOS: Record<string, Scenario> = {
  // examples/global, nothing deployed: the fixture of the HTML page and the pull-request comment.
  global: { make: async (work) => example('global', work) },
  // Nothing deployed yet.
  'fresh-deploy': { make: async (work) => example('quickstart', work) },
  // Deployed, then eu-west's demand grows and us-east's shrinks: replicas move between regions.
  'demand-change': {
    make: async (work) => {
      const dir = example('quickstart', work);
      await deployFirstPlan(dir);
      const file = join(dir, 'search.globe');
      edit(file, 'us-east = 900rps  us-west = 400rps', 'us-east = 100rps  us-west = 100rps');
      edit(file, 'eu-west = 600rps', 'eu-west = 1800rps');
      return dir;
    },
  },
  // Deployed, then us-east loses most of its H100s.
  'supply-shrinks': {
    make: async (work) => {
      const dir = example('quickstart', work);
      await deployFirstPlan(dir);
      edit(join(dir, 'world.globe'), 'region us-east { locality = na  supply { h100 = 16', 'region us-east { locality = na  supply { h100 = 2');
      return dir;
    },
  },
  // Reasons from the model, one golden per kind of binding limit.
  // max_replicas: 10 replicas needed, 3 allowed.
  'reason-max-replicas': {
    make: async (work) =>
      written(
        work,
        `resource cpu { unit = server  cost = 1 }
region solo { locality = na  supply { cpu = 100 } }
service s {
  tenant t {
    demand q { solo = 1000rps }
    latency q < 70ms
    replica cpu x1 serves 100rps
    max_replicas = 3
  }
}
`,
      ),
  },
  // The apply-time peak: a holds r1 and b holds r2, their demand now swapped.
  // (Planned in one wave, --max-waves 1: the limit as it binds a single safe step.)
  'reason-apply-peak': { make: async (work) => written(work, swapWorld, swapState), flags: ['--max-waves', '1'] },
  // Waves: the same swap, planned in two waves through the room each tenant frees.
  'waves-swap': { make: async (work) => written(work, swapWorld, swapState) },
  // Waves: region e exits (its supply is 0) in a full world; x's clients reach only r1, which y fills.
  'waves-exit': { make: async (work) => written(work, fullExitWorld(0), FULL_EXIT_START) },
  // Supply: more demand than the hardware of the one region within reach.
  'reason-supply': {
    make: async (work) =>
      written(
        work,
        `resource h100 { unit = gpu  cost = 3 }
region r1 { locality = na  supply { h100 = 4 } }
service s {
  tenant t { demand q { r1 = 3000rps }  latency q < 20ms  replica h100 x1 serves 500rps }
}
`,
      ),
  },
};

/**
 * Plans a scenario for real (the compiled CLI, `globe plan --out`) inside `work` (an empty directory
 * the caller removes): the saved Plan document's text with its lineage pinned (`text`), the file as
 * saved (`out`) and the project (`dir`).
 */
export async function planScenario(name: string, work: string): Promise<{ text: string; out: string; dir: string }> {
  const scenario = SCENARIOS[name];
  if (!scenario) throw new Error(`no plan scenario ${name}`);
  const dir = await scenario.make(work);
  const out = join(work, `${name}.plan.json`);
  const r = globe(['plan', dir, '--lock', 'false', '--out', out, ...(scenario.flags ?? [])]);
  if (r.code !== 0) throw new Error(`globe plan ${name} exited ${r.code}:\n${r.stderr}`);
  return { text: pinLineage(readFileSync(out, 'utf8')), out, dir };
}

/** The flags a scenario plans with. */
export function scenarioFlags(name: string): string[] {
  return SCENARIOS[name]?.flags ?? [];
}

/** The saved plan's text with the state's lineage (a fresh UUID per run) replaced by PINNED_LINEAGE. */
export function pinLineage(text: string): string {
  return text.replace(/"lineage": "[0-9a-f-]{36}"/, `"lineage": "${PINNED_LINEAGE}"`);
}
