/**
 * A backend key whose value is a path (`backend file { path }`) names a file
 * inside the project: an absolute path or one that climbs out with `..` would
 * let a project read and write any file globe can reach. (The executor checks
 * again, following symbolic links.)
 */
import { isAbsolute, normalize, sep } from 'node:path';
import { fieldValue } from '../backend-config.js';
import { backendKind } from '../backend-kinds.js';
import type { CheckContext } from './context.js';

export function statePathProblem(path: string): string | undefined {
  if (path.length === 0) return 'is empty';
  if (isAbsolute(path) || /^[A-Za-z]:[\\/]/.test(path)) return 'must be relative to the project directory, not absolute';
  const n = normalize(path);
  if (n === '..' || n.startsWith(`..${sep}`)) return 'must stay inside the project directory (no `..` out of it)';
  if (n === '.' || n.endsWith(sep)) return 'must name a file';
  return undefined;
}

export function checkBackendPath(ctx: CheckContext): void {
  const b = ctx.spec.backend;
  if (!b) return;
  for (const key of backendKind(b.kind).keys.filter((k) => k.value === 'path')) {
    const path = fieldValue(b, key);
    const problem = typeof path === 'string' ? statePathProblem(path) : undefined;
    const at = `backend/${key.keyword}`;
    if (problem) ctx.error('invalid-value', `the ${b.kind} backend's ${key.keyword} ${problem}`, ctx.written(at) ? at : 'backend');
  }
}
