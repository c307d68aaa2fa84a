import type { Diagnostic } from './diagnostics.js';
import type { SourceMap } from './source-map.js';
import type { Spec } from './spec.js';

/**
 * What reading one source file (DSL or YAML) yields: a Spec fragment holding
 * only what this file defines (other maps empty; `backend`/`planner` only if
 * the file has them), where each part was written, and every problem found.
 * The project loader merges fragments; semantic checks run on the merge.
 * Even with errors, `spec` holds everything that could be understood, so that
 * one run reports as many problems as possible.
 */
export interface LoadedFile {
  spec: Spec;
  sourceMap: SourceMap;
  diagnostics: Diagnostic[];
}
