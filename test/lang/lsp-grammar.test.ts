/**
 * The TextMate grammar (editors/vscode/syntaxes/globe.tmLanguage.json),
 * tokenized with the engine VS Code uses (vscode-textmate +
 * vscode-oniguruma) on every example: comments, strings, declarations and
 * their names, keywords, numbers with their units, tiers and references get
 * the scopes a theme colours.
 */
import { readdirSync, readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { join } from 'node:path';
import * as oniguruma from 'vscode-oniguruma';
import vsctm from 'vscode-textmate';
import { beforeAll, describe, expect, it } from 'vitest';
import { ROOT } from '../support/cli.js';

const require = createRequire(import.meta.url);
let grammar: vsctm.IGrammar;

beforeAll(async () => {
  const wasm = readFileSync(join(require.resolve('vscode-oniguruma'), '..', 'onig.wasm'));
  await oniguruma.loadWASM(wasm.buffer.slice(wasm.byteOffset, wasm.byteOffset + wasm.byteLength) as ArrayBuffer);
  const registry = new vsctm.Registry({
    onigLib: Promise.resolve({ createOnigScanner: (p: string[]) => new oniguruma.OnigScanner(p), createOnigString: (s: string) => new oniguruma.OnigString(s) }),
    loadGrammar: async (scope) =>
      scope === 'source.globe' ? vsctm.parseRawGrammar(readFileSync(join(ROOT, 'editors', 'vscode', 'syntaxes', 'globe.tmLanguage.json'), 'utf8'), 'globe.tmLanguage.json') : null,
  });
  const loaded = await registry.loadGrammar('source.globe');
  if (!loaded) throw new Error('grammar did not load');
  grammar = loaded;
});

interface Token {
  text: string;
  scopes: string[];
  line: number;
}

function tokenize(text: string): Token[] {
  const out: Token[] = [];
  let state = vsctm.INITIAL;
  text.split('\n').forEach((line, i) => {
    const r = grammar.tokenizeLine(line, state);
    for (const t of r.tokens) out.push({ text: line.slice(t.startIndex, t.endIndex), scopes: t.scopes, line: i + 1 });
    state = r.ruleStack;
  });
  return out;
}

/** The innermost scope of each token with this text. */
function scopesOf(tokens: Token[], text: string): string[] {
  return tokens.filter((t) => t.text === text).map((t) => t.scopes[t.scopes.length - 1]);
}

const examples = readdirSync(join(ROOT, 'examples'), { withFileTypes: true })
  .filter((d) => d.isDirectory())
  // Files only: other tests keep a project's state in its `.globe/` directory while they run.
  .flatMap((d) =>
    readdirSync(join(ROOT, 'examples', d.name), { withFileTypes: true })
      .filter((f) => f.isFile() && f.name.endsWith('.globe') && !f.name.startsWith('.'))
      .map((f) => join('examples', d.name, f.name)),
  )
  .sort();

describe('the TextMate grammar on every example', () => {
  it('finds examples to tokenize', () => {
    expect(examples.length).toBeGreaterThanOrEqual(10);
  });

  it.each(examples)('%s: comments, declarations, keywords, quantities, numbers, strings and names get their scopes', (path) => {
    const text = readFileSync(join(ROOT, path), 'utf8');
    const tokens = tokenize(text);
    const lines = text.split('\n');
    const inner = (t: Token) => t.scopes[t.scopes.length - 1];

    // Every comment, whole, is a comment; nothing after a `#` outside strings is anything else.
    lines.forEach((line, i) => {
      const hash = line.indexOf('#');
      if (hash < 0 || line.slice(0, hash).includes('"')) return;
      const after = tokens.filter((t) => t.line === i + 1 && t.text !== '' && line.indexOf(t.text) >= hash);
      expect(after.every((t) => t.scopes.some((s) => s.startsWith('comment.line.number-sign')))).toBe(true);
    });
    // Each declaration: its keyword and its name.
    for (const m of text.matchAll(/^(resource|region|service|tenant|reservation|product) ([a-z0-9-]+) \{/gm)) {
      const kw = tokens.find((t) => t.text === m[1] && lines[t.line - 1].trimStart().startsWith(`${m[1]} ${m[2]} `));
      expect(kw && inner(kw)).toBe(`storage.type.${m[1]}.globe`);
      expect(scopesOf(tokens, m[2])).toContain(`entity.name.type.${m[1]}.globe`);
    }
    // Numbers with units: the number and its unit apart.
    for (const m of text.matchAll(/(?<![\w.-])([0-9]+(?:\.[0-9]+)?)(ms|rps|%|s)(?![\w-])/g)) {
      if (lines.find((l) => l.includes(m[0]))?.trimStart().startsWith('#')) continue;
      expect(scopesOf(tokens, m[1])).toContain('constant.numeric.globe');
      expect(scopesOf(tokens, m[2])).toContain('keyword.other.unit.globe');
    }
    // Statement keywords.
    for (const kw of ['supply', 'replica', 'serves', 'tolerate', 'avoid', 'only_in', 'residual']) {
      if (!new RegExp(`^\\s*[^#\\n]*\\b${kw}\\b`, 'm').test(text)) continue;
      expect(scopesOf(tokens, kw)).toContain(`keyword.other.${kw}.globe`);
    }
    // Tiers, region-failure, strings, and no token left without a scope of its own on a code line.
    for (const tier of ['regional', 'zonal', 'continental', 'global']) if (new RegExp(`< ${tier}\\b`).test(text)) expect(scopesOf(tokens, tier)).toContain('constant.language.tier.globe');
    if (text.includes('region-failure')) expect(scopesOf(tokens, 'region-failure')).toContain('constant.language.globe');
    for (const t of tokens) {
      if (t.text.trim() === '') continue;
      expect(t.scopes.length, `\`${t.text}\` on ${path}:${t.line} has no scope of its own`).toBeGreaterThan(1);
    }
  });

  it('scopes a statement of each kind exactly', () => {
    const scoped = (line: string) =>
      tokenize(line)
        .filter((t) => t.text.trim() !== '')
        .map((t) => `${t.text}:${t.scopes[t.scopes.length - 1]}`);
    expect(scoped('  replica a100 x2 serves 400rps  # two units')).toEqual([
      'replica:keyword.other.replica.globe',
      'a100:variable.other.reference.globe',
      'x:keyword.operator.multiplier.globe',
      '2:constant.numeric.multiplier.globe',
      'serves:keyword.other.serves.globe',
      '400:constant.numeric.globe',
      'rps:keyword.other.unit.globe',
      '#:punctuation.definition.comment.globe',
      ' two units:comment.line.number-sign.globe',
    ]);
    expect(scoped('  us-east <-> eu-west = 75ms')).toEqual([
      'us-east:variable.other.reference.globe',
      '<->:keyword.operator.pair.globe',
      'eu-west:variable.other.reference.globe',
      '=:keyword.operator.globe',
      '75:constant.numeric.globe',
      'ms:keyword.other.unit.globe',
    ]);
    expect(scoped('  upsize = ["./hook \\"a\\"", "upsize"]')).toEqual([
      'upsize:variable.other.property.globe',
      '=:keyword.operator.globe',
      '[:punctuation.section.brackets.begin.globe',
      '":punctuation.definition.string.begin.globe',
      './hook :string.quoted.double.globe',
      '\\":constant.character.escape.globe',
      'a:string.quoted.double.globe',
      '\\":constant.character.escape.globe',
      '":punctuation.definition.string.end.globe',
      ',:punctuation.separator.comma.globe',
      '":punctuation.definition.string.begin.globe',
      'upsize:string.quoted.double.globe',
      '":punctuation.definition.string.end.globe',
      ']:punctuation.section.brackets.end.globe',
    ]);
    expect(scoped('region us-east { locality = na  supply { h100 = 40 } }')).toEqual([
      'region:storage.type.region.globe',
      'us-east:entity.name.type.region.globe',
      '{:punctuation.section.block.begin.globe',
      'locality:variable.other.property.globe',
      '=:keyword.operator.globe',
      'na:variable.other.reference.globe',
      'supply:keyword.other.supply.globe',
      '{:punctuation.section.block.begin.globe',
      'h100:variable.other.property.globe',
      '=:keyword.operator.globe',
      '40:constant.numeric.globe',
      '}:punctuation.section.block.end.globe',
      '}:punctuation.section.block.end.globe',
    ]);
  });
});
