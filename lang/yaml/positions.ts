/**
 * Source positions in a YAML document: from a path of keys to the span of
 * the key or the value, so that every diagnostic about YAML points at the
 * exact line and column, like the DSL's.
 */
import { isMap, isPair, isScalar, isSeq, type Document, type LineCounter, type Node, type Pair, type YAMLMap } from 'yaml';
import type { SourceSpan } from '../diagnostics.js';

export class YamlPositions {
  /**
   * Each mapping's pairs by key, built on first use: looking a key up by
   * scanning the mapping made every lookup linear in its size, and loading a
   * file of n services quadratic (4 MB: 410 s; now 6 s).
   */
  private readonly index = new WeakMap<YAMLMap, Map<string, Pair>>();

  constructor(
    private readonly doc: Document,
    private readonly lines: LineCounter,
    private readonly file: string,
  ) {}

  spanOfRange(range: readonly [number, number, number] | null | undefined): SourceSpan {
    if (!range) return { file: this.file, start: { line: 1, col: 1 }, end: { line: 1, col: 1 } };
    const start = this.lines.linePos(range[0]);
    const end = this.lines.linePos(Math.max(range[0], range[1] - 1));
    return { file: this.file, start: { line: start.line, col: start.col }, end: { line: end.line, col: end.col } };
  }

  /** The pair (key + value) at a path of keys / indexes, if it exists. */
  pairAt(path: readonly (string | number)[]): { key?: Node; value?: Node } | undefined {
    let node: unknown = this.doc.contents;
    let pair: Pair | undefined;
    for (const seg of path) {
      if (isMap(node)) {
        pair = this.pairsOf(node).get(String(seg));
        if (!pair) return undefined;
        node = pair.value;
      } else if (isSeq(node) && typeof seg === 'number') {
        pair = undefined;
        node = node.items[seg];
        if (node === undefined) return undefined;
      } else return undefined;
    }
    return { key: pair && (pair.key as Node), value: node as Node | undefined };
  }

  /** The first pair of each scalar key, as a linear scan finds it. */
  private pairsOf(map: YAMLMap): Map<string, Pair> {
    let pairs = this.index.get(map);
    if (!pairs) {
      pairs = new Map();
      for (const p of map.items) {
        if (!isPair(p) || !isScalar(p.key)) continue;
        const k = String(p.key.value);
        if (!pairs.has(k)) pairs.set(k, p);
      }
      this.index.set(map, pairs);
    }
    return pairs;
  }

  /** Span of the key at `path` (the name of a definition), falling back to the value or the nearest ancestor. */
  keySpan(path: readonly (string | number)[]): SourceSpan {
    for (let n = path.length; n >= 0; n--) {
      const p = this.pairAt(path.slice(0, n));
      const node = p?.key ?? p?.value;
      if (node?.range) return this.spanOfRange(node.range);
    }
    return this.spanOfRange(undefined);
  }

  /** Span of the value at `path`, falling back to its key or an ancestor. */
  valueSpan(path: readonly (string | number)[]): SourceSpan {
    for (let n = path.length; n >= 0; n--) {
      const p = this.pairAt(path.slice(0, n));
      const node = p?.value ?? p?.key;
      if (node?.range) return this.spanOfRange(node.range);
    }
    return this.spanOfRange(undefined);
  }
}
