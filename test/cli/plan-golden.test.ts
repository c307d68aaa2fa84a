/**
 * The plan goldens (test/golden/plan/<scenario>.{txt,md,json}): text, the pull-request comment and
 * JSON, rendered from the saved fixture plans (test/golden/plans/<scenario>.plan.json), never from a
 * solve. That the fixtures are still what the planner makes is test/e2e/plan-fixtures.test.ts's job;
 * how to regenerate them is in test/support/plan-scenarios.ts. `UPDATE_GOLDEN=1` rewrites the goldens.
 */
import { Ajv } from 'ajv';
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { renderPlanJson } from '../../cli/render/plan-json.js';
import { renderPlanMarkdown } from '../../cli/render/plan-markdown.js';
import { renderPlanText } from '../../cli/render/plan-text.js';
import { globe, ROOT } from '../support/cli.js';
import { fixtureFile, readFixture, SCENARIOS } from '../support/plan-scenarios.js';

function golden(name: string, actual: string): void {
  const file = join(ROOT, 'test', 'golden', 'plan', name);
  if (process.env.UPDATE_GOLDEN || !existsSync(file)) writeFileSync(file, actual);
  expect(actual).toBe(readFileSync(file, 'utf8'));
}

/** The scenarios with plan goldens (`global` has its own: the HTML page and the comment). */
const GOLDEN = Object.keys(SCENARIOS).filter((name) => name !== 'global');

describe('the plan goldens, rendered from fixture plans', () => {
  it.each(GOLDEN)('%s: text, markdown and JSON', (name) => {
    const plan = readFixture(name);
    // What `globe plan DIR` prints off a terminal: no colour, no solver time.
    golden(`${name}.txt`, renderPlanText(plan, { color: false, showTimings: false }));
    // What `globe plan . --format markdown` prints from the project. The plan id digests the
    // state's lineage, a fresh UUID in every real run.
    const md = renderPlanMarkdown(plan, { showTimings: false, dir: '.' });
    golden(`${name}.md`, md.replace(/ plan=[0-9a-f]{12} -->/, ' plan=<id> -->'));
    golden(`${name}.json`, renderPlanJson(plan).replace(/"lineage": "[0-9a-f-]{36}"/, '"lineage": "<lineage>"'));
  });

  it('globe show prints a fixture exactly as the renderers do (text and JSON)', () => {
    const file = fixtureFile('demand-change');
    const plan = readFixture('demand-change');
    const text = globe(['show', file]);
    expect(text.code, text.stderr).toBe(0);
    expect(text.stdout).toBe(renderPlanText(plan, { color: false, showTimings: false }));
    expect(globe(['show', file, '--json']).stdout).toBe(renderPlanJson(plan));
  });

  it('every fixture plan validates against schemas/plan.schema.json', () => {
    const ajv = new Ajv({ allErrors: true, strict: false });
    for (const s of ['spec-document', 'placement', 'state']) ajv.addSchema(JSON.parse(readFileSync(join(ROOT, 'schemas', `${s}.schema.json`), 'utf8')));
    const validate = ajv.compile(JSON.parse(readFileSync(join(ROOT, 'schemas', 'plan.schema.json'), 'utf8')));
    for (const name of Object.keys(SCENARIOS)) expect(validate(readFixture(name)), `${name}: ${JSON.stringify(validate.errors)}`).toBe(true);
  });
});

describe('what the fixture plans show of the planner', () => {
  it('moves replicas between regions when demand moves, upsizing before routing before downsizing', () => {
    const plan = readFixture('demand-change');
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
    const plan = readFixture('supply-shrinks');
    const row = plan.diff.regions.find((r) => r.region === 'us-east' && r.resource === 'h100')!;
    expect(row.after).toBeLessThanOrEqual(2);
    expect(row.peak).toBeLessThanOrEqual(row.before);
  });
});
