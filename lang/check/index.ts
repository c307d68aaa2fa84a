/**
 * Semantic checks on the merged Spec: what the grammar and the schema cannot
 * see. Each check is one file; all of them run, so one `globe validate`
 * reports every problem.
 */
import type { Diagnostic } from '../diagnostics.js';
import type { SourceMap } from '../source-map.js';
import type { Spec } from '../spec.js';
import { checkBackendPath } from './backend-path.js';
import { CheckContext } from './context.js';
import { checkReachability } from './reachability.js';
import { checkReferences } from './references.js';
import { checkValues } from './values.js';

export function checkSpec(spec: Spec, sourceMap: SourceMap): Diagnostic[] {
  const ctx = new CheckContext(spec, sourceMap);
  checkReferences(ctx);
  checkValues(ctx);
  checkBackendPath(ctx);
  // Reachability only makes sense once every name resolves.
  if (!ctx.diagnostics.some((d) => d.code === 'unknown-reference' && d.severity === 'error')) checkReachability(ctx);
  return ctx.diagnostics;
}
