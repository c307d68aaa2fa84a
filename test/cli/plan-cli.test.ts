import { Ajv } from 'ajv';
import { cpSync, mkdtempSync, readFileSync, readdirSync, writeFileSync, existsSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { writeStateFile } from '../../executor/state-file.js';
import type { Plan } from '../../schemas/plan.js';
import type { Deployment } from '../../schemas/state.js';
import { renderPlanMarkdown, GITHUB_COMMENT_LIMIT } from '../../cli/render/plan-markdown.js';
import { ensureBuilt, globe, ROOT } from '../support/cli.js';
import { FULL_EXIT_START, fullExitWorld } from '../support/waves-project.js';
import { copyExample } from '../support/examples.js';

/** A copy of an example in a temp dir, optionally with a state already deployed. */
function project(example: string): string {
  const dir = mkdtempSync(join(tmpdir(), `globe-plan-${example}-`));
  copyExample(join(ROOT, 'examples', example), dir);
  return dir;
}

/** Deploy a plan's target as the current state (what a finished apply leaves). */
async function deploy(dir: string, planFile: string): Promise<void> {
  const plan = JSON.parse(readFileSync(planFile, 'utf8')) as Plan;
  await writeStateFile(join(dir, '.globe', 'state.json'), null, plan.placement.target);
}

function golden(name: string, actual: string): void {
  const file = join(ROOT, 'test', 'golden', 'plan', name);
  if (process.env.UPDATE_GOLDEN || !existsSync(file)) writeFileSync(file, actual);
  expect(actual).toBe(readFileSync(file, 'utf8'));
}

/** A project written from DSL text, optionally with a deployment in place. */
async function written(name: string, text: string, deployed?: Deployment): Promise<string> {
  const dir = mkdtempSync(join(tmpdir(), `globe-plan-${name}-`));
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

/** Flags a scenario plans with (the others: none). */
const scenarioFlags: Record<string, string[]> = { 'reason-apply-peak': ['--max-waves', '1'] };

const scenarios: Record<string, () => Promise<string>> = {
  // Nothing deployed yet.
  'fresh-deploy': async () => project('quickstart'),
  // Deployed, then eu-west's demand grows and us-east's shrinks: replicas move between regions.
  'demand-change': async () => {
    const dir = project('quickstart');
    expect(globe(['plan', dir, '--out', join(dir, 'first.json')]).code).toBe(0);
    await deploy(dir, join(dir, 'first.json'));
    const file = join(dir, 'search.globe');
    writeFileSync(file, readFileSync(file, 'utf8').replace('us-east = 900rps  us-west = 400rps', 'us-east = 100rps  us-west = 100rps').replace('eu-west = 600rps', 'eu-west = 1800rps'));
    return dir;
  },
  // Deployed, then us-east loses most of its H100s.
  'supply-shrinks': async () => {
    const dir = project('quickstart');
    expect(globe(['plan', dir, '--out', join(dir, 'first.json')]).code).toBe(0);
    await deploy(dir, join(dir, 'first.json'));
    const file = join(dir, 'world.globe');
    writeFileSync(file, readFileSync(file, 'utf8').replace('region us-east { locality = na  supply { h100 = 16', 'region us-east { locality = na  supply { h100 = 2'));
    return dir;
  },
  // Reasons from the model, one golden per kind of binding limit.
  // max_replicas: 10 replicas needed, 3 allowed.
  'reason-max-replicas': async () =>
    written(
      'max-replicas',
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
  // The apply-time peak: a holds r1 and b holds r2, their demand now swapped.
  // (Planned in one wave, --max-waves 1: the limit as it binds a single safe step.)
  'reason-apply-peak': async () => written('apply-peak', swapWorld, swapState),
  // Waves: the same swap, planned in two waves through the room each tenant frees.
  'waves-swap': async () => written('waves-swap', swapWorld, swapState),
  // Waves: region e exits (its supply is 0) in a full world; x's clients reach only r1, which y fills.
  'waves-exit': async () =>
    written(
      'waves-exit',
      fullExitWorld(0),
      FULL_EXIT_START,
    ),
  // Supply: more demand than the hardware of the one region within reach.
  'reason-supply': async () =>
    written(
      'supply',
      `resource h100 { unit = gpu  cost = 3 }
region r1 { locality = na  supply { h100 = 4 } }
service s {
  tenant t { demand q { r1 = 3000rps }  latency q < 20ms  replica h100 x1 serves 500rps }
}
`,
    ),
};

const dirs: Record<string, string> = {};
beforeAll(async () => {
  ensureBuilt();
  for (const [name, make] of Object.entries(scenarios)) dirs[name] = await make();
});

describe('globe plan golden files', () => {
  for (const name of Object.keys(scenarios)) {
    it(`${name}: text, markdown and JSON`, () => {
      const dir = dirs[name];
      const flags = scenarioFlags[name] ?? [];
      const text = globe(['plan', dir, ...flags]);
      expect(text.code).toBe(0);
      golden(`${name}.txt`, text.stdout);
      // Run from the project: the comment's marker names the directory as given (`.`), the same in every run.
      const md = globe(['plan', '.', '--format', 'markdown', ...flags], { cwd: dir });
      // The plan id digests the state's lineage, a fresh UUID in every run of this test.
      golden(`${name}.md`, md.stdout.replace(/ plan=[0-9a-f]{12} -->/, ' plan=<id> -->'));
      const json = globe(['plan', dir, '--json', ...flags]);
      // The state's lineage is a fresh UUID in every run of this test.
      golden(`${name}.json`, json.stdout.replace(/"lineage": "[0-9a-f-]{36}"/, '"lineage": "<lineage>"'));
    });
  }

  it('saves a byte-identical plan file for the same project and state', () => {
    const dir = dirs['demand-change'];
    for (const name of ['again-1.json', 'again-2.json']) expect(globe(['plan', dir, '--out', join(dir, name)]).code).toBe(0);
    expect(readFileSync(join(dir, 'again-2.json'), 'utf8')).toBe(readFileSync(join(dir, 'again-1.json'), 'utf8'));
  });

  it('the JSON plan validates against schemas/plan.schema.json', () => {
    const ajv = new Ajv({ allErrors: true, strict: false });
    for (const s of ['spec-document', 'placement', 'state']) ajv.addSchema(JSON.parse(readFileSync(join(ROOT, 'schemas', `${s}.schema.json`), 'utf8')));
    const validate = ajv.compile(JSON.parse(readFileSync(join(ROOT, 'schemas', 'plan.schema.json'), 'utf8')));
    for (const dir of Object.values(dirs)) {
      const plan = JSON.parse(globe(['plan', dir, '--json']).stdout);
      expect(validate(plan), JSON.stringify(validate.errors)).toBe(true);
    }
  });

  it('moves replicas between regions when demand moves, upsizing before routing before downsizing', () => {
    const plan = JSON.parse(globe(['plan', dirs['demand-change'], '--json']).stdout) as Plan;
    const ranker = plan.moves.filter((m) => (m.kind === 'route' ? m.tenant : m.kind !== 'shift' && m.subject.type === 'tenant' ? m.subject.tenant : '') === 'search/ranker');
    const kinds = ranker.map((m) => m.kind);
    expect(kinds).toContain('upsize');
    expect(kinds).toContain('downsize');
    expect(kinds.lastIndexOf('upsize')).toBeLessThan(kinds.indexOf('downsize'));
    const route = kinds.indexOf('route');
    if (route >= 0) expect(kinds.lastIndexOf('upsize') < route && route < kinds.indexOf('downsize')).toBe(true);
    // the downsize waits for the upsize: it depends on it
    const down = ranker.find((m) => m.kind === 'downsize')!;
    expect(down.dependsOn.length).toBeGreaterThan(0);
  });

  it('shrinks the region that lost supply without ever exceeding what it held', () => {
    const plan = JSON.parse(globe(['plan', dirs['supply-shrinks'], '--json']).stdout) as Plan;
    const row = plan.diff.regions.find((r) => r.region === 'us-east' && r.resource === 'h100')!;
    expect(row.after).toBeLessThanOrEqual(2);
    expect(row.peak).toBeLessThanOrEqual(row.before);
  });
});

describe('globe plan behaviour', () => {
  it.each(readdirSync(join(ROOT, 'examples')).filter((d) => !d.startsWith('exec') && d !== 'ci' /* a CI recipe, not a project */))('examples/%s: two runs print the same bytes', (example) => {
    const a = globe(['plan', `examples/${example}`, '--lock', 'false']);
    const b = globe(['plan', `examples/${example}`, '--lock', 'false']);
    expect(a.code).toBe(0);
    expect(b.stdout).toBe(a.stdout);
  });

  it('says "No changes" and exits 0 with --detailed-exitcode when the state matches; 2 when there are changes', async () => {
    const dir = project('quickstart');
    const first = globe(['plan', dir, '--out', join(dir, 'p.json'), '--detailed-exitcode']);
    expect(first.code).toBe(2);
    await deploy(dir, join(dir, 'p.json'));
    const again = globe(['plan', dir, '--detailed-exitcode']);
    expect(again.code).toBe(0);
    expect(again.stdout).toContain('No changes.');
  });

  it('show renders a saved plan exactly as plan printed it, and refuses a truncated one', () => {
    const dir = project('quickstart');
    const planned = globe(['plan', dir, '--format', 'markdown', '--out', join(dir, 'p.json')]);
    expect(globe(['show', join(dir, 'p.json'), '--format', 'markdown', '--project', dir]).stdout).toBe(planned.stdout);
    const text = readFileSync(join(dir, 'p.json'), 'utf8');
    writeFileSync(join(dir, 'cut.json'), text.slice(0, text.length / 2));
    const cut = globe(['show', join(dir, 'cut.json')]);
    expect(cut.code).toBe(1);
    expect(cut.stderr).toContain('not valid JSON');
    writeFileSync(join(dir, 'edited.json'), text.replace('"moves": [', '"moves": 3, "x": ['));
    expect(globe(['show', join(dir, 'edited.json')]).stderr).toMatch(/not a valid plan|not valid JSON/);
  });

  it('refuses a corrupt state file without touching it', () => {
    const dir = project('quickstart');
    const state = join(dir, '.globe', 'state.json');
    cpSync(join(ROOT, 'examples/quickstart/world.globe'), state, { recursive: true });
    const before = readFileSync(state, 'utf8');
    const r = globe(['plan', dir]);
    expect(r.code).toBe(1);
    expect(r.stderr).toContain('is corrupt');
    expect(readFileSync(state, 'utf8')).toBe(before);
  });

  it('keeps a large plan under the GitHub comment limit and says what it cut', () => {
    const dir = project('global');
    const plan = JSON.parse(globe(['plan', dir, '--json']).stdout) as Plan;
    // Blow the plan up: many copies of every tenant's diff.
    const many = { ...plan, diff: { ...plan.diff, tenants: Array.from({ length: 400 }, (_, i) => plan.diff.tenants.map((t) => ({ ...t, tenant: `${t.tenant}-${i}` as typeof t.tenant }))).flat() } };
    const md = renderPlanMarkdown(many, { showTimings: false });
    expect(md.length).toBeLessThan(GITHUB_COMMENT_LIMIT);
    expect(md).toMatch(/… \d+ tenants not shown/);
    expect(md).toContain('## globe plan');
  });
});
