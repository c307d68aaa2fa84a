import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { checkPlannerOptions, plannerOptions, type PlanFlags } from '../../cli/plan-options.js';
import { checkSpec } from '../../lang/check/index.js';
import { parseGlobe } from '../../lang/dsl/index.js';
import type { LoadedFile } from '../../lang/loaded-file.js';
import { mergeFiles } from '../../lang/merge.js';
import { formatQuantity, NUMBER_MAX, parseQuantity, QUANTITY_MAX, type QuantityKind } from '../../lang/units.js';
import { loadYaml } from '../../lang/yaml/index.js';
import { globe, ROOT } from '../support/cli.js';
import { copyExample } from '../support/examples.js';

/** Names these small files leave undeclared: not what is tested here. A refused value must not be echoed by other errors. */
const FOLLOW_ON = new Set(['unknown-reference']);

/** The errors of one file, merged and checked as a project: `code@line:col message`. */
function errors(file: LoadedFile): string[] {
  const merged = mergeFiles([file]);
  return [...merged.diagnostics, ...checkSpec(merged.spec, merged.sourceMap)]
    .filter((d) => d.severity === 'error' && !FOLLOW_ON.has(d.code))
    .map((d) => `${d.code}@${d.span.start.line}:${d.span.start.col} ${d.message}`);
}
const dsl = (text: string) => errors(parseGlobe(text, 'x.globe'));
const yaml = (text: string) => errors(loadYaml(text, 'x.yaml'));

const WORLD = 'resource h { unit = gpu  cost = 1 }\nregion a { locality = na  supply { h = 4 } }\n';
const tenant = (demand: string, extra = '') => `${WORLD}service s { tenant t { demand r { a = ${demand} }  latency r < 70ms  replica h x1 serves 10rps ${extra} } }\n`;

describe('absurd magnitudes are errors that name the bound', () => {
  it.each([
    ['a rate with an exponent past the bound', tenant('1e30rps'), 'invalid-value@3:39', '`1e30rps` is more than a request rate can be: at most 1000000000rps'],
    ['a rate past the bound', tenant('2000000000rps'), 'invalid-value@3:39', 'at most 1000000000rps'],
    ['a rate with a small exponent', tenant('2e3rps'), 'invalid-value@3:39', '`2e3rps` has an exponent: write it out, `2000rps`'],
    ['a percentage past 100%', tenant('1rps', 'target_utilization = 150%'), 'invalid-value@3:112', 'at most 100%'],
    ['a latency past a minute', `${WORLD}latency { a <-> b = 61s }\n`, 'invalid-value@3:21', 'at most 60000ms'],
    ['a duration past a day', 'planner { time_limit = 86401s }\n', 'invalid-value@1:24', 'at most 86400s'],
    ['a cost with an exponent', 'resource h { unit = gpu  cost = 1e30 }\n', 'invalid-value@1:33', 'cost is at most 1000000000, found `1e30`'],
    ['a cost of 23 digits', 'resource h { unit = gpu  cost = 99999999999999999999999 }\n', 'invalid-value@1:33', 'cost is at most 1000000000'],
    ['a small number with an exponent', 'resource h { unit = gpu  cost = 1e3 }\n', 'invalid-value@1:33', 'write `1000`, not `1e3`'],
    ['units per replica', tenant('1rps').replace('x1', 'x99999999999'), 'invalid-value@3:75', 'at most 1000000000 units'],
    ['a planner weight', 'planner { churn = 1e308 }\n', 'invalid-value@1:19', 'at most 1000000000'],
  ])('DSL: %s', (_what, text, where, message) => {
    const [first, ...rest] = dsl(text);
    expect(first).toContain(message);
    expect(first.startsWith(`${where} `)).toBe(true);
    expect(rest).toEqual([]);
  });

  const yamlTenant = (field: string) =>
    `services:\n  s:\n    tenants:\n      t:\n        ${field}\n        demand: { r: { a: 3rps } }\n        latency: { r: 70ms }\n        replicas: { h: { units: 1, serves: 1rps } }\n`;
  it.each([
    ['a rate', yamlTenant('priority: 1').replace('a: 3rps', 'a: 1e30rps'), 'invalid-value@6:27', 'at most 1000000000rps'],
    ['a cost', 'resources:\n  h: { unit: gpu, cost: 1e30 }\n', '@2:25', 'at most 1000000000'],
    ['a priority', yamlTenant('priority: 1e30'), '@5:19', 'at most 1000000000'],
    ['units per replica', yamlTenant('priority: 1').replace('units: 1,', 'units: 1e12,'), 'invalid-value@8:33', 'is at most 1000000000, found `1000000000000`'],
    ['a supply', 'regions:\n  a: { locality: na, supply: { h: 1e300 } }\n', '@2:35', 'at most 1000000000'],
  ])('YAML: %s', (_what, text, where, message) => {
    const [first, ...rest] = yaml(text);
    expect(first).toContain(message);
    expect(first).toContain(`${where} `);
    expect(rest).toEqual([]);
  });

  it('accepts every bound itself', () => {
    expect(dsl(tenant('1000000000rps', 'target_utilization = 100%'))).toEqual([]);
    expect(dsl(`${WORLD}latency { a <-> b = 60s }\nplanner { time_limit = 86400s  churn = 1000000000 }\n`)).toEqual([]);
    expect(dsl('resource h { unit = gpu  cost = 1000000000 }\n')).toEqual([]);
  });

  it('states the bounds in docs/language.md, as the code has them', () => {
    const doc = readFileSync(join(ROOT, 'docs', 'language.md'), 'utf8');
    const row = (label: string, kind: QuantityKind) => {
      const max = kind === 'duration' ? '86400s' : formatQuantity(QUANTITY_MAX[kind], kind);
      expect(parseQuantity(max, kind)).toEqual({ ok: true, value: QUANTITY_MAX[kind] });
      expect(doc).toContain(`| ${label} | \`${max}\``);
    };
    row('latency / RTT', 'latency');
    row('request rate', 'rate');
    row('fraction', 'percent');
    row('duration', 'duration');
    expect(doc).toContain(`| plain number (count, cost, priority, weight) | \`${NUMBER_MAX}\` |`);
  });
});

describe('planner flags', () => {
  const flags = (more: Partial<PlanFlags>): PlanFlags => ({ lock: 'true', lockTimeout: '0s', ...more });
  const world = parseGlobe(WORLD, 'w.globe').spec;

  it.each([['1e308'], [''], ['0x10'], ['-1'], ['1000000001'], ['NaN']])('--stability %j is refused, naming the range', (w) => {
    expect(() => plannerOptions(flags({ stability: w }))).toThrow(`--stability must be a decimal number from 0 to 1000000000, not ${w}`);
  });

  it('reads a --stability within the range', () => {
    expect(plannerOptions(flags({ stability: '0.5' })).weights).toEqual({ churn: 0.5 });
  });

  it.each([
    ['1e308s', '--time-limit', { timeLimit: '1e308s' }],
    ['2000%', '--gap', { gap: '2000%' }],
    ['101%', '--max-shift', { maxShift: '101%' }],
    ['1e3', '--block-tenants', { blockTenants: '1e3' }],
  ])('%s for %s is refused', (_v, flag, more) => {
    expect(() => plannerOptions(flags(more as Partial<PlanFlags>))).toThrow(flag);
  });

  it.each([
    [['b/h=1'], '--free b/h=1: `b` is not a region of the project'],
    [['aa/h=1'], '`aa` is not a region of the project (did you mean `a`?)'],
    [['a/cpu=1'], '--free a/cpu=1: `cpu` is not a resource of the project'],
    [['a/h=5'], '--free a/h=5: a has 4 h in all; cannot keep more than that free'],
    [['a/h=3', 'a/h=2'], '--free a/h=2 (5 with the other --free a/h): a has 4 h in all'],
    [['a/h=99999999999'], 'at most 1000000000 units'],
  ])('--free %j is refused', (free, message) => {
    expect(() => checkPlannerOptions(plannerOptions(flags({ free })), world)).toThrow(message);
  });

  it('accepts --free up to the supply', () => {
    expect(() => checkPlannerOptions(plannerOptions(flags({ free: ['a/h=2', 'a/h=2'] })), world)).not.toThrow();
  });

  const dirs: string[] = [];
  afterAll(() => {
    for (const d of dirs) rmSync(d, { recursive: true, force: true });
  });

  it('globe plan --free beyond supply exits 1 with the reason and no stack trace', () => {
    const dir = mkdtempSync(join(tmpdir(), 'globe-free-'));
    dirs.push(dir);
    copyExample(join(ROOT, 'examples', 'quickstart'), dir);
    const r = globe(['plan', dir, '--free', 'us-east/cpu=401']);
    expect(r.code).toBe(1);
    expect(r.stderr).toContain('--free us-east/cpu=401: us-east has 400 cpu in all');
    expect(r.stderr).not.toMatch(/\n\s+at /);
  });
});
