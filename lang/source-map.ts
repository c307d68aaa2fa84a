import type { SourceSpan } from './diagnostics.js';

/**
 * Where each part of the Spec was written. Keys are paths into the Spec
 * document, segments joined by '/', e.g.
 *
 *   regions/us-east                          the whole region block (its name token)
 *   regions/us-east/supply/h100              one supply entry
 *   services/inference/tenants/ranker        a tenant (its name token)
 *   services/inference/tenants/ranker/demand/read/us-east
 *   services/inference/tenants/ranker/latency/read
 *   services/inference/tenants/ranker/replicas/h100
 *   latency/us-east/us-west                  a latency pair (names sorted)
 *   products/facebook/demand/us-east
 *   backend
 *
 * The span of a definition points at its name; the span of a value points
 * at the value. Semantic checks and the planner's explanations look spans up
 * here to say where an intent was written.
 */
export type SourceMap = Map<string, SourceSpan>;

export function specPath(...segments: (string | number)[]): string {
  return segments.join('/');
}

/** The span of the path, or of its nearest recorded ancestor. */
export function lookupSpan(map: SourceMap, path: string): SourceSpan | undefined {
  let p = path;
  for (;;) {
    const span = map.get(p);
    if (span) return span;
    const cut = p.lastIndexOf('/');
    if (cut < 0) return undefined;
    p = p.slice(0, cut);
  }
}
