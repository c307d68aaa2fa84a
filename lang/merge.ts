/**
 * Merging the files of a project into one Spec. Every definition may appear
 * in exactly one place across all files; a second one is an error naming
 * both. The latency table is the one thing several files may contribute to.
 */
import { error, type Diagnostic } from './diagnostics.js';
import type { LoadedFile } from './loaded-file.js';
import type { SourceMap } from './source-map.js';
import { emptySpec, sortLatency, type Spec } from './spec.js';

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

  for (const file of files) {
    diagnostics.push(...file.diagnostics);
    for (const kind of KEYED) {
      for (const [name, value] of Object.entries(file.spec[kind])) {
        const path = `${kind}/${name}`;
        const first = sourceMap.get(path);
        if (first) {
          const here = file.sourceMap.get(path)!;
          diagnostics.push(error('duplicate', `${WHAT[kind]} \`${name}\` is defined more than once`, here, [{ message: 'first defined here', span: first }]));
          continue;
        }
        (spec[kind] as Record<string, unknown>)[name] = value;
        copyPaths(file.sourceMap, sourceMap, path);
      }
    }
    for (const pair of file.spec.latency) {
      const path = `latency/${pair.a}/${pair.b}`;
      const existing = spec.latency.find((p) => p.a === pair.a && p.b === pair.b);
      if (existing) {
        if (existing.ms !== pair.ms) {
          diagnostics.push(
            error('latency-conflict', `latency between \`${pair.a}\` and \`${pair.b}\` is given twice with different values (${existing.ms}ms and ${pair.ms}ms)`, file.sourceMap.get(path)!, [
              { message: 'first given here', span: sourceMap.get(path)! },
            ]),
          );
        }
        continue;
      }
      spec.latency.push(pair);
      copyPaths(file.sourceMap, sourceMap, path);
    }
    for (const single of ['backend', 'planner'] as const) {
      const value = file.spec[single];
      if (value === undefined) continue;
      const first = sourceMap.get(single);
      if (first) {
        diagnostics.push(error('duplicate', `a project has one ${single} block`, file.sourceMap.get(single)!, [{ message: 'first defined here', span: first }]));
        continue;
      }
      (spec as unknown as Record<string, unknown>)[single] = value;
      copyPaths(file.sourceMap, sourceMap, single);
    }
  }
  sortLatency(spec.latency);
  return { spec, sourceMap, diagnostics };
}

function copyPaths(from: SourceMap, to: SourceMap, prefix: string): void {
  for (const [path, span] of from) if (path === prefix || path.startsWith(`${prefix}/`)) to.set(path, span);
}
