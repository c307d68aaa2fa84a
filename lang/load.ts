/**
 * The whole of `lang/`: read a project, merge its files, check it.
 */
import { checkSpec } from './check/index.js';
import { sortDiagnostics, type Diagnostic } from './diagnostics.js';
import { loadProject, type Project } from './project.js';

export type { Project } from './project.js';

export async function loadAndCheckProject(path: string): Promise<Project> {
  return checkProject(await loadProject(path));
}

/** A read project (loadProject) with its semantic findings added. */
export function checkProject(project: Project): Project {
  const semantic = checkSpec(project.spec, project.sourceMap);
  return { ...project, diagnostics: sortDiagnostics([...project.diagnostics, ...relevantSemantic(project.diagnostics, semantic)]) };
}

/**
 * With syntax errors, part of the project could not be read: a reference to
 * something defined in the broken part would be reported as unknown, which
 * is noise. Keep semantic findings only where they cannot be such echoes.
 */
const UNREADABLE = new Set(['syntax', 'unterminated-block', 'yaml-syntax', 'yaml-alias', 'yaml-type', 'schema', 'not-utf8', 'file-too-large', 'io-error']);

function relevantSemantic(readErrors: Diagnostic[], semantic: Diagnostic[]): Diagnostic[] {
  const broken = new Set(readErrors.filter((d) => d.severity === 'error' && UNREADABLE.has(d.code)).map((d) => d.span.file));
  if (broken.size === 0) return semantic;
  return semantic.filter((d) => !broken.has(d.span.file) && d.code !== 'unknown-reference' && d.code !== 'unreachable-demand');
}
