/** Small Specs written in the DSL, for planner tests. */
import { parseGlobe } from '../../lang/dsl/index.js';
import { checkSpec } from '../../lang/check/index.js';
import { mergeFiles } from '../../lang/merge.js';
import type { Spec } from '../../lang/spec.js';
import type { SourceMap } from '../../lang/source-map.js';

export function specOf(text: string): { spec: Spec; sourceMap: SourceMap } {
  const merged = mergeFiles([parseGlobe(text, 'test.globe')]);
  const errors = [...merged.diagnostics, ...checkSpec(merged.spec, merged.sourceMap)].filter((d) => d.severity === 'error');
  if (errors.length > 0) throw new Error(`test spec is invalid: ${errors.map((e) => `${e.span.start.line}:${e.span.start.col} ${e.message}`).join('; ')}`);
  return { spec: merged.spec, sourceMap: merged.sourceMap };
}
