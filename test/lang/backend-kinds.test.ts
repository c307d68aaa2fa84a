/**
 * One declaration per backend kind (lang/backend-kinds.ts): every key of
 * every kind is read by both lowerings, written by both emitters and read
 * back the same; and the files that stay hand-kept — the Spec's
 * `BackendConfig` (published as schemas/spec-document.schema.json), the
 * YAML JSON Schema's `definitions.backend` and the TextMate grammar — say
 * the same kinds, keys, required keys and defaults. The backend table of
 * docs/language.md is the one generated from the declaration.
 */
import { Ajv } from 'ajv';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { defaultInWords, ENV_VAR_PATTERN, fieldValue } from '../../lang/backend-config.js';
import { BACKEND_KINDS, BACKEND_NAMES, type BackendKey, type BackendKind } from '../../lang/backend-kinds.js';
import { emitGlobe, parseGlobe } from '../../lang/dsl/index.js';
import { cursorContext } from '../../lang/lsp/context.js';
import { complete, scopeOf } from '../../lang/lsp/completion.js';
import { propertiesOf } from '../../lang/properties.js';
import { BACKEND_TABLE_BEGIN, backendReferenceTable, withBackendTable } from '../../lang/reference-table.js';
import { emptySpec, type BackendConfig } from '../../lang/spec.js';
import { emitYaml, loadYaml } from '../../lang/yaml/index.js';
import { ROOT } from '../support/cli.js';

const readJson = <T>(...path: string[]) => JSON.parse(readFileSync(join(ROOT, ...path), 'utf8')) as T;

interface SchemaNode {
  type?: string;
  $ref?: string;
  const?: string;
  pattern?: string;
  description?: string;
  minItems?: number;
  items?: SchemaNode;
  required?: string[];
  additionalProperties?: boolean;
  properties?: Record<string, SchemaNode>;
  oneOf?: SchemaNode[];
}

/** A value of the key's kind that is not its default, as the DSL writes it and as the config holds it. */
function otherValue(key: BackendKey): { dsl: string; config: unknown } {
  switch (key.value) {
    case 'string':
      return { dsl: `"some ${key.keyword}"`, config: `some ${key.keyword}` };
    case 'path':
      return { dsl: `"state/${key.keyword}.json"`, config: `state/${key.keyword}.json` };
    case 'name':
      return { dsl: `other-${key.keyword.replace(/_/g, '-')}`, config: `other-${key.keyword.replace(/_/g, '-')}` };
    case 'env-var':
      return { dsl: `OTHER_${key.keyword.toUpperCase()}`, config: `OTHER_${key.keyword.toUpperCase()}` };
    case 'argv':
      return { dsl: `["./bin/${key.keyword}", "an arg"]`, config: [`./bin/${key.keyword}`, 'an arg'] };
    case 'duration':
      return { dsl: '7s', config: 7000 };
  }
}

const block = (kind: BackendKind, lines: string[]) => `backend ${kind.name} {\n${lines.map((l) => `  ${l}`).join('\n')}\n}\n`;

function lowered(text: string): BackendConfig {
  const f = parseGlobe(text, 'backend.globe');
  expect(f.diagnostics).toEqual([]);
  return f.spec.backend!;
}

describe.each(BACKEND_KINDS.map((k) => [k.name, k] as const))('backend %s: every declared key', (_, kind) => {
  it('lowers from a block writing every key, emits (DSL and YAML) and re-lowers to the same config', () => {
    const config = lowered(block(kind, kind.keys.map((key) => `${key.keyword} = ${otherValue(key).dsl}`)));
    for (const key of kind.keys) expect(fieldValue(config, key), key.keyword).toEqual(otherValue(key).config);
    const spec = { ...emptySpec(), backend: config };
    expect(lowered(emitGlobe(spec)), 'DSL').toEqual(config);
    const yaml = loadYaml(emitYaml(spec), 'backend.yaml');
    expect(yaml.diagnostics, 'YAML').toEqual([]);
    expect(yaml.spec.backend, 'YAML').toEqual(config);
  });

  it('fills every default and leaves out every key that has none, in both spellings', () => {
    const required = kind.keys.filter((k) => k.required);
    const dsl = lowered(block(kind, required.map((key) => `${key.keyword} = ${otherValue(key).dsl}`)));
    for (const key of kind.keys.filter((k) => !k.required)) expect(fieldValue(dsl, key), key.keyword).toEqual(key.default);
    const yamlLines = required.map((key) => `  ${key.keyword}: ${JSON.stringify(otherValue(key).config)}`);
    const yaml = loadYaml(`backend:\n  kind: ${kind.name}\n${yamlLines.join('\n')}\n`, 'backend.yaml');
    expect(yaml.diagnostics).toEqual([]);
    expect(yaml.spec.backend).toEqual(dsl);
  });

  it("reads each key's own syntax example", () => {
    for (const key of kind.keys) {
      const others = kind.keys.filter((k) => k.required && k !== key).map((k) => `${k.keyword} = ${otherValue(k).dsl}`);
      expect(fieldValue(lowered(block(kind, [key.syntax, ...others])), key), key.syntax).toBeDefined();
    }
  });

  it('says which required key is missing, at the block', () => {
    for (const key of kind.keys.filter((k) => k.required)) {
      const others = kind.keys.filter((k) => k.required && k !== key).map((k) => `${k.keyword} = ${otherValue(k).dsl}`);
      const f = parseGlobe(block(kind, others), 'backend.globe');
      expect(f.diagnostics.map((d) => [d.message, d.span.file, d.span.start.line, d.span.start.col])).toEqual([[expect.stringContaining(`backend ${kind.name} needs \`${key.keyword} = `), 'backend.globe', 1, 1]]);
    }
  });

  it("is a row of the language's table (completion, hover, did-you-mean), in the declaration's order", () => {
    expect(propertiesOf(`backend ${kind.name}`).map((p) => [p.keyword, p.yamlKey, p.syntax, p.doc])).toEqual(kind.keys.map((k) => [k.keyword, k.keyword, k.syntax, k.doc]));
  });
});

describe('the kinds are listed from the declaration', () => {
  it('an unknown kind is told every kind', () => {
    const f = parseGlobe('backend pigeon { }\n', 'backend.globe');
    expect(f.diagnostics.map((d) => d.message)).toEqual([`backend must be ${BACKEND_NAMES.slice(0, -1).map((n) => `\`${n}\``).join(', ')} or \`${BACKEND_NAMES.at(-1)}\`, not \`pigeon\``]);
    const y = loadYaml('backend: { kind: pigeon }\n', 'backend.yaml');
    expect(y.diagnostics.map((d) => d.message)).toEqual([`\`backend\`: \`kind\` must be one of ${BACKEND_NAMES.map((n) => `\`${n}\``).join(', ')}`]);
  });

  it('the language server completes every kind after `backend`, with its doc', () => {
    const text = 'backend ';
    const ctx = cursorContext(text, text.length);
    const items = complete(ctx, scopeOf(emptySpec(), ctx, text), { line: 0, character: text.length });
    expect(items.map((i) => [i.label, i.detail])).toEqual(BACKEND_KINDS.map((k) => [k.name, k.doc]));
  });

  it("the language server knows each kind's block", () => {
    for (const kind of BACKEND_KINDS) {
      const text = `backend ${kind.name} {\n  `;
      expect(cursorContext(text, text.length).block).toBe(`backend ${kind.name}`);
    }
  });
});

describe('the hand-kept files agree with the declaration', () => {
  /** A Spec field's path for every leaf of a config's schema branch, and whether it is required. */
  function leaves(node: SchemaNode, prefix = ''): [string, boolean, SchemaNode][] {
    return Object.entries(node.properties ?? {})
      .filter(([name]) => name !== 'kind')
      .flatMap(([name, child]): [string, boolean, SchemaNode][] => {
        const required = (node.required ?? []).includes(name);
        if (child.type === 'object') return leaves(child, `${prefix}${name}.`).map(([p, r, n]) => [p, r && required, n]);
        return [[`${prefix}${name}`, required, child]];
      });
  }

  const specKind: Record<BackendKey['value'], SchemaNode> = {
    string: { type: 'string' },
    path: { type: 'string' },
    name: { type: 'string' },
    'env-var': { type: 'string' },
    argv: { type: 'array', items: { type: 'string' }, minItems: 1 },
    duration: { type: 'number', minimum: 0 } as SchemaNode,
  };

  it('`BackendConfig` (lang/spec-document.schema.ts, published by `npm run schemas`): the kinds, the fields, and required = required or defaulted', () => {
    const branches = readJson<{ properties: { backend: SchemaNode } }>('schemas', 'spec-document.schema.json').properties.backend.oneOf!;
    expect(branches.map((b) => b.properties!.kind.const)).toEqual(BACKEND_NAMES);
    for (const [i, kind] of BACKEND_KINDS.entries()) {
      const fields = leaves(branches[i]);
      expect(fields.map(([path, required]) => [path, required]), kind.name).toEqual(kind.keys.map((k) => [k.field, k.required === true || k.default !== undefined]));
      for (const [key, [, , node]] of kind.keys.map((k, j) => [k, fields[j]] as const)) expect(node, `${kind.name} ${key.keyword}`).toEqual(specKind[key.value]);
      expect(branches[i].additionalProperties).toBe(false);
    }
  });

  it('the YAML schema (schemas/spec.schema.json, `definitions.backend`): the kinds in order, the keys, the required ones, the value kinds, the defaults', () => {
    const backend = readJson<{ definitions: Record<string, SchemaNode> }>('schemas', 'spec.schema.json').definitions.backend;
    const yamlKind: Record<BackendKey['value'], Partial<SchemaNode>> = {
      string: { type: 'string' },
      path: { type: 'string' },
      name: { $ref: '#/definitions/name' },
      'env-var': { type: 'string', pattern: ENV_VAR_PATTERN.source },
      argv: { $ref: '#/definitions/argv' },
      duration: { $ref: '#/definitions/duration' },
    };
    expect(backend.oneOf!.map((b) => b.properties!.kind.const)).toEqual(BACKEND_NAMES);
    for (const [i, kind] of BACKEND_KINDS.entries()) {
      const branch = backend.oneOf![i];
      expect(branch.additionalProperties).toBe(false);
      expect(branch.required).toEqual(['kind', ...kind.keys.filter((k) => k.required).map((k) => k.keyword)]);
      expect(Object.keys(branch.properties!)).toEqual(['kind', ...kind.keys.map((k) => k.keyword)]);
      for (const key of kind.keys) {
        const { description, ...shape } = branch.properties![key.keyword];
        expect(shape, `${kind.name} ${key.keyword}`).toEqual(yamlKind[key.value]);
        if (key.default !== undefined) expect(description, `${kind.name} ${key.keyword}`).toMatch(new RegExp(`Default \`?${defaultInWords(key).replace(/^"(.*)"$/, '$1').replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}\`?\\.`));
      }
    }
  });

  it('a schema-valid YAML backend of every kind lowers, and one the schema refuses does not validate', () => {
    const schema = readJson<object>('schemas', 'spec.schema.json');
    const validate = new Ajv({ strict: false, allErrors: true }).compile(schema);
    for (const kind of BACKEND_KINDS) {
      const required = Object.fromEntries(kind.keys.filter((k) => k.required).map((k) => [k.keyword, otherValue(k).config]));
      expect(validate({ backend: { kind: kind.name, ...required } }), kind.name).toBe(true);
      expect(validate({ backend: { kind: kind.name, ...required, not_a_key: 'x' } }), kind.name).toBe(false);
    }
  });

  it('the TextMate grammar colours every kind after `backend`, and no other', () => {
    const grammar = readJson<{ repository: Record<string, unknown> }>('editors', 'vscode', 'syntaxes', 'globe.tmLanguage.json');
    const matches = JSON.stringify(grammar).match(/\\\\b\(backend\)\\\\s\+\(([a-z|]+)\)/);
    expect(matches?.[1].split('|')).toEqual(BACKEND_NAMES);
  });

  it("docs/language.md's backend table is the one generated (run `npm run docs:reference` after editing the declaration)", () => {
    const doc = readFileSync(join(ROOT, 'docs', 'language.md'), 'utf8');
    expect(doc).toContain(BACKEND_TABLE_BEGIN);
    expect(withBackendTable(doc)).toBe(doc);
    expect(backendReferenceTable().split('\n').slice(2).map((r) => /^\| `([a-z]+)` \| `([a-z_]+)/.exec(r)?.slice(1))).toEqual(BACKEND_KINDS.flatMap((k) => k.keys.map((key) => [k.name, key.keyword])));
  });
});
