/**
 * A globe YAML file is plain data: mappings with name keys, lists, strings,
 * numbers, booleans. YAML can say much more — `!!binary`, `!!timestamp`,
 * `!!set`, `!!omap`, custom `!tags`, dates read implicitly under `%YAML 1.1`,
 * mappings and lists as keys — and each of those would reach the schema as a
 * Buffer, a Date, a Map or a stringified key, to be misreported ("must be a
 * number, found a mapping") or silently accepted (a `!!set` passes as an
 * empty object). They are refused here, where they are written, before the
 * document is converted to data.
 */
import { isAlias, isMap, isPair, isScalar, isSeq, type Document, type Node } from 'yaml';
import { error, type Diagnostic } from '../diagnostics.js';
import type { YamlPositions } from './positions.js';

const CORE = 'tag:yaml.org,2002:';
/** Explicit tags that name what a plain value already is: harmless. */
const PLAIN_TAGS = new Set(['str', 'int', 'float', 'bool', 'null', 'map', 'seq'].map((t) => CORE + t));

export function plainDataDiagnostics(doc: Document, positions: YamlPositions): Diagnostic[] {
  const out: Diagnostic[] = [];
  const at = (node: Node, message: string) => out.push(error('yaml-type', message, positions.spanOfRange(node.range)));
  const visit = (node: unknown): void => {
    // An alias repeats a node checked where its anchor is.
    if (node === null || node === undefined || isAlias(node)) return;
    const n = node as Node;
    if (n.tag !== undefined && !PLAIN_TAGS.has(n.tag)) {
      at(n, `the tag \`${shortTag(n.tag)}\` is not supported: a globe file holds plain values (names, numbers, quantities such as \`200rps\`, lists and mappings)`);
      return;
    }
    if (isScalar(n)) {
      if (!isPlainScalar(n.value)) at(n, `\`${n.source ?? String(n.value)}\` is read as ${describe(n.value)}, which a globe file never holds: quote it if you mean a string`);
    } else if (isMap(n)) {
      for (const pair of n.items) {
        if (!isPair(pair)) continue;
        const key = pair.key as Node | null;
        if (key !== null && !isScalar(key) && !isAlias(key)) at(key, `a key must be a name, found ${isSeq(key) ? 'a list' : 'a mapping'}`);
        else if (isScalar(key) && (key.value === null || typeof key.value === 'object')) at(key, `a key must be a name, found ${describe(key.value)}`);
        else visit(key);
        visit(pair.value);
      }
    } else if (isSeq(n)) {
      for (const item of n.items) visit(item);
    }
  };
  visit(doc.contents);
  return out;
}

function isPlainScalar(v: unknown): boolean {
  return v === null || typeof v === 'string' || typeof v === 'number' || typeof v === 'boolean';
}

function shortTag(tag: string): string {
  return tag.startsWith(CORE) ? `!!${tag.slice(CORE.length)}` : tag;
}

function describe(v: unknown): string {
  if (v === null || v === undefined) return 'nothing';
  if (v instanceof Date) return 'a timestamp';
  if (v instanceof Uint8Array) return 'binary data';
  if (typeof v === 'bigint') return 'a big integer';
  return `a ${typeof v}`;
}
