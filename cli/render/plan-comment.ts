/**
 * What makes a pull-request comment findable and matchable: the hidden marker on its first line
 * (CI finds the comment to update by the prefix `<!-- globe-plan dir=<dir> `, and the plan id
 * matches the comment to the artifact that is applied), the error comment a broken project gets
 * instead of silence, and GitHub Actions annotations for its diagnostics.
 */
import path from 'node:path';
import type { Diagnostic } from '../../schemas/diagnostic.js';
import { renderDiagnostics } from './diagnostic-text.js';
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
