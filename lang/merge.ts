/**
 * Merging the files of a project into one Spec. Every definition may appear
 * in exactly one place across all files; a second one is an error naming
 * both. The latency table is the one thing several files may contribute to:
 * the same pair given twice is fine when the values agree.
 *
 * Linear in the size of the project: each file's SourceMap is walked once,
 * and latency pairs are looked up by key.
 */
import { error, type Diagnostic, type SourceSpan } from './diagnostics.js';
import type { LoadedFile } from './loaded-file.js';
import { lookupSpan, type SourceMap } from './source-map.js';
import { emptySpec, sortLatency, type LatencyPair, type Spec } from './spec.js';

type Keyed = 'resources' | 'regions' | 'services' | 'reservations' | 'products';
const KEYED: Keyed[] = ['resources', 'regions', 'services', 'reservations', 'products'];
const WHAT: Record<Keyed, string> = {
  resources: 'resource',
  regions: 'region',
  services: 'service',
  reservations: 'reservation',
  products: 'product',
};

export function mergeFiles(files: readonly LoadedFile[]): { spec: Spec; sourceMap: SourceMap; diagnostics: Diagnostic[] } {
  const spec = emptySpec();
  const sourceMap: SourceMap = new Map();
  const diagnostics: Diagnostic[] = [];
  const pairs = new Map<string, LatencyPair>();

  for (const file of files) {
    diagnostics.push(...file.diagnostics);
    // The definitions this file contributes: its source-map entries under them are copied over.
    const accepted = new Set<string>();
    for (const kind of KEYED) {
      const into = spec[kind] as Record<string, unknown>;
      for (const [name, value] of Object.entries(file.spec[kind])) {
        const path = `${kind}/${name}`;
        if (Object.hasOwn(into, name)) {
          diagnostics.push(error('duplicate', `${WHAT[kind]} \`${name}\` is defined more than once`, spanIn(file.sourceMap, path), [{ message: 'first defined here', span: spanIn(sourceMap, path) }]));
          continue;
        }
        into[name] = value;
        accepted.add(path);
      }
    }
    for (const pair of file.spec.latency) {
      const path = `latency/${pair.a}/${pair.b}`;
      const existing = pairs.get(path);
      if (existing) {
        if (existing.ms !== pair.ms) {
          diagnostics.push(
            error('latency-conflict', `latency between \`${pair.a}\` and \`${pair.b}\` is given twice with different values (${existing.ms}ms and ${pair.ms}ms)`, spanIn(file.sourceMap, path), [
              { message: 'first given here', span: spanIn(sourceMap, path) },
            ]),
          );
        }
        continue;
      }
      pairs.set(path, pair);
      spec.latency.push(pair);
      accepted.add(path);
    }
    for (const single of ['backend', 'planner'] as const) {
      const value = file.spec[single];
      if (value === undefined) continue;
      if (spec[single] !== undefined) {
        diagnostics.push(error('duplicate', `a project has one ${single} block`, spanIn(file.sourceMap, single), [{ message: 'first defined here', span: spanIn(sourceMap, single) }]));
        continue;
      }
      (spec as unknown as Record<string, unknown>)[single] = value;
      accepted.add(single);
    }
    for (const [path, span] of file.sourceMap) if (accepted.has(owner(path))) sourceMap.set(path, span);
  }
  sortLatency(spec.latency);
  return { spec, sourceMap, diagnostics };
}

/** The definition a source-map path belongs to: `regions/us-east/supply/h100` → `regions/us-east`. */
function owner(path: string): string {
  const parts = path.split('/', 3);
  if (parts[0] === 'latency') return parts.join('/');
  if (parts[0] === 'backend' || parts[0] === 'planner') return parts[0];
  return parts.slice(0, 2).join('/');
}

/** Parsers record a span for every definition; should one be missing, point at the file rather than crash. */
function spanIn(map: SourceMap, path: string): SourceSpan {
  return lookupSpan(map, path) ?? [...map.values()][0] ?? { file: '<project>', start: { line: 1, col: 1 }, end: { line: 1, col: 1 } };
}
