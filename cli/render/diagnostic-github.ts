/**
 * Diagnostics as GitHub Actions workflow commands (`::error file=F,line=L,col=C::code: message`):
 * the same Diagnostic data the terminal shows, one annotation each, sorted by place.
 */
import path from 'node:path';
import type { Diagnostic } from '../../schemas/diagnostic.js';

export function githubAnnotations(diagnostics: readonly Diagnostic[], cwd = process.cwd()): string {
  const escape = (s: string) => s.replace(/%/g, '%25').replace(/\r/g, '%0D').replace(/\n/g, '%0A');
  const prop = (s: string) => escape(s).replace(/:/g, '%3A').replace(/,/g, '%2C');
  const fileOf = (file: string) => (path.isAbsolute(file) ? path.relative(cwd, file) : path.normalize(file)).split(path.sep).join('/');
  return diagnostics
    .map((d) => ({ d, file: d.source ? fileOf(d.source.file) : '' }))
    .sort((a, b) => (a.file < b.file ? -1 : a.file > b.file ? 1 : (a.d.source?.line ?? 0) - (b.d.source?.line ?? 0) || (a.d.source?.col ?? 0) - (b.d.source?.col ?? 0)))
    .map(({ d, file }) => `::${d.severity === 'error' ? 'error' : 'warning'}${d.source ? ` file=${prop(file)},line=${d.source.line},col=${d.source.col}` : ''}::${escape(`${d.code}: ${d.message}`)}`)
    .join('\n')
    .concat(diagnostics.length > 0 ? '\n' : '');
}
