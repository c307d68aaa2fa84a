import { Ajv } from 'ajv';
import { readFileSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { canonicalJson } from '../../lang/canonical-json.js';
import { parseGlobe } from '../../lang/dsl/index.js';
import { parse as parseYamlText } from 'yaml';
import { emitYaml, loadYaml } from '../../lang/yaml/index.js';
import { DEFAULT_BLOCK_GAP_LIMIT, DEFAULT_GAP_LIMIT } from '../../planner/index.js';
import { DEFAULT_BLOCK_TENANTS } from '../../planner/decompose/partition.js';
import { EDITOR_KEYWORDS } from '../../lang/schema-files.js';
import { ROOT } from '../support/cli.js';

const doc = readFileSync(join(ROOT, 'docs', 'language.md'), 'utf8');
/** Fenced code blocks of the reference, by info string (``` for the DSL, ```yaml). */
function fenced(markdown: string, info: string): string[] {
  const blocks: string[] = [];
  let current: string[] | undefined;
  let currentInfo = '';
  for (const line of markdown.split('\n')) {
    if (line.startsWith('```')) {
      if (current) {
        if (currentInfo === info) blocks.push(current.join('\n'));
        current = undefined;
      } else {
        current = [];
        currentInfo = line.slice(3).trim();
      }
    } else current?.push(line);
  }
  return blocks;
}
const yamlBlocks = fenced(doc, 'yaml');
const dslBlocks = fenced(doc, '');

function codes(text: string) {
  return loadYaml(text, 'x.yaml').diagnostics.map((d) => `${d.code}@${d.span.start.line}:${d.span.start.col}`);
}

describe('the language reference and the loaders agree', () => {
  it('has YAML and DSL examples to check', () => {
    expect(yamlBlocks.length).toBeGreaterThanOrEqual(8);
    expect(dslBlocks.length).toBe(yamlBlocks.length);
  });

  it.each(yamlBlocks.map((b, i) => [i, b]))('YAML example %i of docs/language.md loads without errors', (_i, block) => {
    expect(loadYaml(block as string, 'doc.yaml').diagnostics.filter((d) => d.severity === 'error')).toEqual([]);
  });

  it.each(dslBlocks.map((b, i) => [i, b]))('DSL example %i means the same as its YAML twin', (i, block) => {
    const dsl = parseGlobe(block as string, 'doc.globe');
    expect(dsl.diagnostics.filter((d) => d.severity === 'error')).toEqual([]);
    const yaml = loadYaml(yamlBlocks[i as number], 'doc.yaml');
    expect(canonicalJson(yaml.spec)).toBe(canonicalJson(dsl.spec));
  });
});

describe('YAML diagnostics', () => {
  it('explains missing and wrong units where they are', () => {
    expect(codes('services:\n  s:\n    tenants:\n      t:\n        demand: { r: { a: 200 } }\n        latency: { r: 70 }\n        replicas: { c: { units: 1, serves: 3ms } }\n')).toEqual([
      'missing-unit@5:27',
      'missing-unit@6:23',
      'wrong-unit@7:44',
    ]);
  });

  it('names an unknown property and suggests the right one', () => {
    const [d] = loadYaml('resources:\n  cpu: { unit: server, cots: 1 }\n', 'x.yaml').diagnostics;
    expect(d.message).toContain('unknown property `cots`');
    expect(d.message).toContain('did you mean `cost`');
    expect(d.span.start).toEqual({ line: 2, col: 24 });
  });

  it('reports syntax errors and duplicate keys with positions', () => {
    expect(codes('regions: [1, 2\nresources: 3')).toEqual(['yaml-syntax@2:1']);
    expect(codes('resources:\n  a: { unit: x }\n  a: { unit: y }\n')).toEqual(['duplicate@3:3']);
  });

  it('refuses an alias bomb quickly', () => {
    const bomb = ['a: &a [x,x,x,x,x,x,x,x,x]'];
    for (const n of ['b', 'c', 'd', 'e', 'f', 'g']) {
      const prev = String.fromCharCode(n.charCodeAt(0) - 1);
      bomb.push(`${n}: &${n} [${Array(9).fill(`*${prev}`).join(',')}]`);
    }
    expect(codes(bomb.join('\n'))[0]).toMatch(/^yaml-alias@/);
  });

  it('checks the backend by its kind only', () => {
    expect(loadYaml('backend: { kind: exec, get_state: [a] }', 'x.yaml').diagnostics.map((d) => d.message)).toEqual(['`backend` is missing `upsize`']);
    expect(loadYaml('backend: { kind: ftp }', 'x.yaml').diagnostics[0].message).toContain('`file`, `exec`, `postgres`');
  });

  it('rejects invalid names and traffic that does not add up to 100%', () => {
    expect(codes('regions:\n  Bad_Name: { locality: na }\n')).toEqual(['invalid-name@2:3']);
    expect(codes('products:\n  p: { traffic: { a: 50%, b: 40% }, latency: 1ms }\n')).toEqual(['traffic-sum@2:8']);
  });

  it('warns about an empty file', () => {
    expect(loadYaml('# nothing here\n', 'e.yaml').diagnostics.map((d) => d.code)).toEqual(['empty-file']);
  });
});

describe('emitYaml (convert --to yaml)', () => {
  const files = readdirSync(join(ROOT, 'examples'), { recursive: true, encoding: 'utf8' })
    .filter((f) => f.endsWith('.globe') && !f.split('/').some((part) => part.startsWith('.')))
    .sort();
  const schema = JSON.parse(readFileSync(join(ROOT, 'schemas', 'spec.schema.json'), 'utf8'));
  const ajv = new Ajv({ allErrors: true });
  ajv.addVocabulary(EDITOR_KEYWORDS);
  const validate = ajv.compile(schema);

  it.each(files)('round-trips examples/%s DSL → YAML → Spec, and the YAML matches the schema', (file) => {
    const dsl = parseGlobe(readFileSync(join(ROOT, 'examples', file), 'utf8'), file);
    const yamlText = emitYaml(dsl.spec, { schemaPath: '../schemas/spec.schema.json' });
    expect(yamlText.startsWith('# yaml-language-server: $schema=../schemas/spec.schema.json\n')).toBe(true);
    const back = loadYaml(yamlText, 'out.yaml');
    expect(back.diagnostics).toEqual([]);
    expect(canonicalJson(back.spec)).toBe(canonicalJson(dsl.spec));
    expect(validate(parseYamlText(yamlText))).toBe(true);
  });
});

describe('docs/language.md states the planner defaults the code uses', () => {
  it('gap limits and block size', () => {
    const percent = (x: number) => `${Number((x * 100).toPrecision(6))}%`;
    expect(doc).toContain(`solved to \`gap\` (default ${percent(DEFAULT_GAP_LIMIT)})`);
    expect(doc).toContain(`\`gap\` is each block's (default ${percent(DEFAULT_BLOCK_GAP_LIMIT)})`);
    expect(doc).toContain(`A fleet of up to ${DEFAULT_BLOCK_TENANTS} tenants is one`);
    expect(doc).toContain(`planned in blocks of about ${DEFAULT_BLOCK_TENANTS} tenants`);
  });
});
