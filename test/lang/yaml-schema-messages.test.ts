import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { parse as parseYamlText } from 'yaml';
import { loadYaml } from '../../lang/yaml/index.js';
import { NUMBER_MAX, parseQuantity, quantityForm, type QuantityKind } from '../../lang/units.js';
import { ROOT } from '../support/cli.js';

interface SchemaNode {
  errorMessage?: string;
  patternErrorMessage?: string;
  maximum?: number;
  anyOf?: SchemaNode[];
  defaultSnippets?: { label: string; body: unknown }[];
  [key: string]: unknown;
}
const schema = JSON.parse(readFileSync(join(ROOT, 'schemas', 'spec.schema.json'), 'utf8')) as { definitions: Record<string, SchemaNode> };
const defs = schema.definitions;

/** One value of each kind at a place of that kind, and the dotted path globe names it by. */
const PLACES: Record<QuantityKind, { yaml: (v: string) => string; where: string }> = {
  rate: {
    yaml: (v) => `services:\n  s:\n    tenants:\n      t:\n        demand: { read: { a: ${v} } }\n        latency: { read: 70ms }\n        replicas: { h: { units: 1, serves: 1rps } }\n`,
    where: 'services.s.tenants.t.demand.read.a',
  },
  latency: {
    yaml: (v) => `services:\n  s:\n    tenants:\n      t:\n        demand: { read: { a: 1rps } }\n        latency: { read: ${v} }\n        replicas: { h: { units: 1, serves: 1rps } }\n`,
    where: 'services.s.tenants.t.latency.read',
  },
  duration: { yaml: (v) => `planner: { time_limit: ${v} }\n`, where: 'planner.time_limit' },
  percent: {
    yaml: (v) => `services:\n  s:\n    tenants:\n      t:\n        demand: { read: { a: 1rps } }\n        latency: { read: 70ms }\n        replicas: { h: { units: 1, serves: 1rps } }\n        target_utilization: ${v}\n`,
    where: 'services.s.tenants.t.target_utilization',
  },
};
const KINDS = Object.keys(PLACES) as QuantityKind[];

/** globe's own first message for a file. */
const globeSays = (text: string) => loadYaml(text, 'x.yaml').diagnostics[0]?.message;

describe('the YAML schema says what globe says (yaml-language-server shows errorMessage / patternErrorMessage)', () => {
  it.each(KINDS)('%s: the schema carries globe’s sentence for a value of the wrong type or form', (kind) => {
    // Latencies are a duration or a tier: each alternative carries the sentence, whichever the editor reports.
    const carriers = kind === 'latency' ? defs.latency.anyOf! : [defs[kind]];
    for (const node of carriers) expect(node.errorMessage).toBe(quantityForm(kind));
    for (const node of carriers.filter((n) => n.pattern !== undefined)) expect(node.patternErrorMessage).toBe(quantityForm(kind));
  });

  it.each(KINDS)('%s: globe prints that same sentence for a value that is not a quantity at all', (kind) => {
    const { yaml, where } = PLACES[kind];
    expect(globeSays(yaml('[1, 2]'))).toBe(`\`${where}\`: ${quantityForm(kind)}, found a list`);
    expect(globeSays(yaml('fast'))).toBe(`\`${where}\`: ${quantityForm(kind)}, found \`fast\``);
    expect(globeSays(yaml('true'))).toBe(`\`${where}\`: ${quantityForm(kind)}, found \`true\``);
  });

  it.each(KINDS)('%s: where the value is written like a quantity, globe is more specific than the editor can be', (kind) => {
    const { yaml, where } = PLACES[kind];
    expect(globeSays(yaml('120'))).toBe(`\`${where}\`: ${(parseQuantity('120', kind) as { message: string }).message}`);
    expect(globeSays(yaml('120'))).toMatch(/needs a unit: write `120(ms|rps|%)`/);
  });

  it('the request-rate sentence is the one the issue asked for', () => {
    expect(quantityForm('rate')).toBe('a request rate is a string with its unit, e.g. `120rps`');
  });

  it('plain numbers have the same upper bound in the schema as in globe', () => {
    expect(defs.count.maximum).toBe(NUMBER_MAX);
    expect(defs.amount.maximum).toBe(NUMBER_MAX);
    expect(globeSays('regions:\n  a: { locality: na, supply: { h: 1000000001 } }\n')).toBe('`regions.a.supply.h` is at most 1000000000, found `1000000001`');
  });

  it('names: the schema states the rule globe applies', () => {
    expect(defs.name.patternErrorMessage).toContain('lower case letters, digits and single dashes, starting with a letter');
    expect(globeSays('regions:\n  Bad_Name: { locality: na }\n')).toContain('use lower case letters, digits and single dashes, starting with a letter');
  });
});

describe('the schema’s completion snippets are valid globe', () => {
  it.each(KINDS)('%s snippets parse as that kind', (kind) => {
    const snippets = kind === 'latency' ? defs.latency.defaultSnippets! : defs[kind].defaultSnippets!;
    expect(snippets.length).toBeGreaterThan(0);
    for (const s of snippets) expect(parseQuantity(String(s.body), kind).ok).toBe(true);
  });

  /** A snippet with each `${n:default}` placeholder replaced by its default: what a user gets by pressing Tab through it. */
  const filled = (body: unknown) => parseYamlText(JSON.stringify(body).replace(/\$\{\d+:([^}]*)\}/g, '$1'));

  it('a resource, a region and a tenant from the snippets load without errors', () => {
    const resource = filled(defs.resource.defaultSnippets![0].body) as { unit: string };
    const region = filled(defs.region.defaultSnippets![0].body) as { supply: Record<string, number> };
    const tenant = filled(defs.tenant.defaultSnippets![0].body) as { replicas: Record<string, unknown> };
    const [hardware] = Object.keys(region.supply);
    expect(Object.keys(tenant.replicas)).toEqual([hardware]);
    const text = JSON.stringify({ resources: { [hardware]: resource }, regions: { 'us-east': region }, services: { s: { tenants: { t: tenant } } } });
    expect(loadYaml(text, 'snippets.yaml').diagnostics).toEqual([]);
  });
});
