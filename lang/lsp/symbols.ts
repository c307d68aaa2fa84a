/**
 * Where names are defined and used in one file, read from the file's
 * SourceMap (which the DSL and the YAML loaders both fill, with a span per
 * definition and per reference), so both spellings are covered by one walk.
 * A span is trusted only where the file's text there is the name itself:
 * a path whose span points at a value, not at the name, yields nothing
 * rather than a wrong place to rename.
 */
import type { SourcePosition, SourceSpan } from '../diagnostics.js';
import type { SourceMap } from '../source-map.js';

/** Kinds of names that can be looked up and renamed. Regions and edge locations share one namespace. */
export type Namespace = 'region' | 'resource' | 'product' | 'service' | 'locality' | 'reservation';

export interface Occurrence {
  ns: Namespace;
  name: string;
  /** A definition (a `region NAME`, a region's `locality = na`) rather than a use. */
  definition: boolean;
  /** A use in the latency table: where an edge location, which has no definition, is introduced. */
  latency?: true;
  span: SourceSpan;
}

type Found = { ns: Namespace; name: string; definition: boolean; many?: boolean };

/** What the source-map path `p` (split on '/') names, if anything. */
function classify(p: string[]): Found[] {
  const [top, a] = p;
  const n = p.length;
  if (top === 'regions') {
    if (n === 2) return [{ ns: 'region', name: a, definition: true }];
    if (n === 3 && p[2] === 'locality') return [];
    if (n === 4 && p[2] === 'supply') return [{ ns: 'resource', name: p[3], definition: false }];
    return [];
  }
  if (top === 'resources' && n === 2) return [{ ns: 'resource', name: a, definition: true }];
  if (top === 'products') {
    if (n === 2) return [{ ns: 'product', name: a, definition: true }];
    if (n === 4 && p[2] === 'demand') return [{ ns: 'region', name: p[3], definition: false }];
    return [];
  }
  if (top === 'reservations') {
    if (n === 2) return [{ ns: 'reservation', name: a, definition: true }];
    return [];
  }
  if (top === 'latency' && n === 3) return [{ ns: 'region', name: p[1], definition: false, many: true }, { ns: 'region', name: p[2], definition: false, many: true }];
  if (top !== 'services') return [];
  if (n === 2) return [{ ns: 'service', name: a, definition: true }];
  if (p[2] === 'follows') {
    if (n === 4) return [{ ns: 'product', name: p[3], definition: false }];
    if (n === 6 && p[4] === 'perUnit') return [{ ns: 'resource', name: p[5], definition: false }];
    return [];
  }
  if (p[2] === 'residual') {
    if (n === 4) return [{ ns: 'region', name: p[3], definition: false }];
    if (n === 5) return [{ ns: 'resource', name: p[4], definition: false }];
    return [];
  }
  if (p[2] !== 'tenants' || n < 6) return [];
  const field = p[4];
  if (field === 'replicas' && n === 6) return [{ ns: 'resource', name: p[5], definition: false }];
  if (field === 'follows' && n === 6) return [{ ns: 'product', name: p[5], definition: false }];
  if (field === 'demand' && n === 7) return [{ ns: 'region', name: p[6], definition: false }];
  return [];
}

/** Names given as values, whose text the path does not hold: found by reading the span. */
function valueAt(p: string[]): Namespace | undefined {
  const n = p.length;
  if (p[0] === 'regions' && n === 3 && p[2] === 'locality') return 'locality';
  if (p[0] === 'reservations' && n === 3 && p[2] === 'locality') return 'locality';
  if (p[0] === 'reservations' && n === 3 && p[2] === 'resource') return 'resource';
  if ((p[0] === 'services' && n === 6 && (p[4] === 'avoid' || p[4] === 'onlyIn')) || (p[0] === 'products' && n === 4 && p[2] === 'avoid')) return 'region';
  return undefined;
}

export function occurrencesIn(file: string, text: string, sourceMap: SourceMap): Occurrence[] {
  const lines = text.split('\n');
  const out: Occurrence[] = [];
  for (const [path, span] of sourceMap) {
    if (span.file !== file) continue;
    const p = path.split('/');
    for (const f of classify(p)) {
      for (const at of locate(lines, span, f.name, f.many === true)) {
        out.push(p[0] === 'latency' ? { ns: f.ns, name: f.name, definition: false, latency: true, span: at } : { ns: f.ns, name: f.name, definition: f.definition, span: at });
      }
    }
    const ns = valueAt(p);
    if (ns) {
      const word = textOf(lines, span);
      if (word !== undefined && NAME.test(word)) out.push({ ns, name: word, definition: ns === 'locality' && p[0] === 'regions', span });
    }
  }
  return out;
}

const NAME = /^[a-z][a-z0-9]*(?:-[a-z0-9]+)*$/;
const NAME_CHAR = /[A-Za-z0-9_-]/;

/** The one-line text of a span, if it is on one line. */
function textOf(lines: string[], span: SourceSpan): string | undefined {
  if (span.start.line !== span.end.line) return undefined;
  const line = lines[span.start.line - 1];
  return line?.slice(span.start.col - 1, span.end.col);
}

/** The span itself when its text is `name`; else (with `many`) each whole-word `name` inside it. */
function locate(lines: string[], span: SourceSpan, name: string, many: boolean): SourceSpan[] {
  if (textOf(lines, span) === name) return [span];
  if (!many) return [];
  const out: SourceSpan[] = [];
  for (let l = span.start.line; l <= span.end.line; l++) {
    const line = lines[l - 1] ?? '';
    const from = l === span.start.line ? span.start.col - 1 : 0;
    const to = l === span.end.line ? span.end.col : line.length;
    for (let i = line.indexOf(name, from); i >= 0 && i + name.length <= to; i = line.indexOf(name, i + 1)) {
      const before = line[i - 1];
      const after = line[i + name.length];
      if ((before === undefined || !NAME_CHAR.test(before)) && (after === undefined || !NAME_CHAR.test(after))) {
        out.push({ file: span.file, start: { line: l, col: i + 1 }, end: { line: l, col: i + name.length } });
      }
    }
  }
  return out;
}

/** Whether a 1-based position lies inside a span (end inclusive, one past it too: the cursor after a word). */
export function spanContains(span: SourceSpan, at: SourcePosition): boolean {
  if (at.line < span.start.line || at.line > span.end.line) return false;
  if (at.line === span.start.line && at.col < span.start.col) return false;
  if (at.line === span.end.line && at.col > span.end.col + 1) return false;
  return true;
}
