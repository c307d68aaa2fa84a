/**
 * What makes a pull-request comment findable and matchable: the hidden marker on its first line
 * (CI finds the comment to update by the prefix `<!-- globe-plan dir=<dir> `, and the plan id
 * matches the comment to the artifact that is applied), the error comment a broken project gets
 * instead of silence, and GitHub Actions annotations for its diagnostics.
 */
import path from 'node:path';
import type { Diagnostic } from '../../lang/diagnostics.js';
import { renderDiagnostics } from '../../lang/render-diagnostics.js';
import { planDigest } from '../../executor/plan-binding.js';
import type { Plan } from '../../schemas/plan.js';

/** The project directory as the user gave it, normalized, relative to the cwd, with `/` separators. */
export function markerDir(dir: string, cwd = process.cwd()): string {
  const rel = path.isAbsolute(dir) ? path.relative(cwd, dir) : path.normalize(dir);
  const norm = rel === '' ? '.' : rel.split(path.sep).join('/').replace(/\/+$/, '');
  return norm === '' ? '.' : norm;
}

/** The first 12 hex digits of the plan's digest: the same id whether rendered by `plan` or `show`. */
export function planShortId(plan: Plan): string {
  return planDigest(plan).replace(/^sha256:/, '').slice(0, 12);
}

export function planMarker(dir: string, plan: Plan | null): string {
  return `<!-- globe-plan dir=${markerDir(dir)} plan=${plan ? planShortId(plan) : 'none'} -->`;
}

/** The comment a project with errors gets: the marker, one sentence, the diagnostics as the terminal shows them. */
export function renderErrorComment(dir: string, message: string, diagnostics: readonly Diagnostic[], files: readonly { path: string; text: string }[]): string {
  const texts = new Map(files.map((f) => [f.path, f.text]));
  const errors = diagnostics.filter((d) => d.severity === 'error').length;
  const body = diagnostics.length > 0 ? renderDiagnostics(diagnostics, texts, { color: false }).trimEnd() : message;
  const sentence =
    diagnostics.length > 0
      ? `**Nothing was planned: the project has ${errors} ${errors === 1 ? 'error' : 'errors'}.** Fix ${errors === 1 ? 'it' : 'them'} and push again.`
      : `**Nothing was planned:** ${message.replace(/`/g, "'")}`;
  // A fence longer than any backtick run inside, so a diagnostic quoting code cannot end the block early.
  const fence = '`'.repeat(Math.max(3, ...[...body.matchAll(/`+/g)].map((m) => m[0].length + 1)));
  return [planMarker(dir, null), '## globe plan', '', sentence, '', `${fence}text`, body, fence, ''].join('\n');
}

/** `::error file=F,line=L,col=C::message`, one per error diagnostic, sorted by place (GitHub Actions annotations). */
export function githubAnnotations(diagnostics: readonly Diagnostic[], cwd = process.cwd()): string {
  const escape = (s: string) => s.replace(/%/g, '%25').replace(/\r/g, '%0D').replace(/\n/g, '%0A');
  const prop = (s: string) => escape(s).replace(/:/g, '%3A').replace(/,/g, '%2C');
  return diagnostics
    .map((d) => ({ d, file: (path.isAbsolute(d.span.file) ? path.relative(cwd, d.span.file) : path.normalize(d.span.file)).split(path.sep).join('/') }))
    .sort((a, b) => (a.file < b.file ? -1 : a.file > b.file ? 1 : a.d.span.start.line - b.d.span.start.line || a.d.span.start.col - b.d.span.start.col))
    .map(({ d, file }) => `::${d.severity === 'error' ? 'error' : 'warning'} file=${prop(file)},line=${d.span.start.line},col=${d.span.start.col}::${escape(`${d.code}: ${d.message}`)}`)
    .join('\n')
    .concat(diagnostics.length > 0 ? '\n' : '');
}
