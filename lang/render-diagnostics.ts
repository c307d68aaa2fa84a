/**
 * Diagnostics printed the way rustc and tsc print them: the message, the
 * file:line:col, the source line and a caret under the span.
 *
 *   error[unknown-reference]: region `us-esat` is not declared (did you mean `us-east`?)
 *     --> examples/quickstart/inference.globe:12:19
 *      |
 *   12 |     demand read { us-esat = 200rps }
 *      |                   ^^^^^^^
 */
import type { Diagnostic, SourceSpan } from './diagnostics.js';

export interface RenderOptions {
  color: boolean;
}

const MAX_LINE = 160;

export function renderDiagnostics(diagnostics: readonly Diagnostic[], files: ReadonlyMap<string, string>, options: RenderOptions): string {
  const paint = painter(options.color);
  const lines = new Map<string, string[]>();
  const sourceLine = (file: string, line: number): string | undefined => {
    if (!lines.has(file)) lines.set(file, files.get(file)?.split(/\r\n|\r|\n/) ?? []);
    return lines.get(file)![line - 1];
  };
  const out: string[] = [];
  for (const d of diagnostics) {
    const head = d.severity === 'error' ? paint.red(paint.bold(`error[${d.code}]`)) : paint.yellow(paint.bold(`warning[${d.code}]`));
    out.push(`${head}${paint.bold(`: ${d.message}`)}`);
    out.push(...snippet(d.span, sourceLine(d.span.file, d.span.start.line), paint, d.severity === 'error' ? paint.red : paint.yellow));
    for (const r of d.related ?? []) {
      out.push(`  ${paint.cyan('=')} note: ${r.message}`);
      out.push(...snippet(r.span, sourceLine(r.span.file, r.span.start.line), paint, paint.cyan));
    }
    out.push('');
  }
  const errors = diagnostics.filter((d) => d.severity === 'error').length;
  const warnings = diagnostics.length - errors;
  if (diagnostics.length > 0) out.push(summaryLine(errors, warnings));
  return out.length > 0 ? `${out.join('\n')}\n` : '';
}

export function summaryLine(errors: number, warnings: number): string {
  const parts: string[] = [];
  if (errors > 0) parts.push(`${errors} error${errors === 1 ? '' : 's'}`);
  if (warnings > 0) parts.push(`${warnings} warning${warnings === 1 ? '' : 's'}`);
  return parts.join(', ');
}

function snippet(span: SourceSpan, line: string | undefined, paint: Painter, mark: (s: string) => string): string[] {
  const number = String(span.start.line);
  const gutter = ' '.repeat(number.length);
  const out = [`${gutter}${paint.cyan('-->')} ${span.file}:${span.start.line}:${span.start.col}`];
  if (line === undefined) return out;
  const expanded = line.replace(/\t/g, '    ');
  const tabShift = (col: number) => line.slice(0, col - 1).split('\t').length - 1;
  const startCol = span.start.col + 3 * tabShift(span.start.col);
  const endCol = span.end.line === span.start.line ? Math.max(span.end.col + 3 * tabShift(span.end.col), startCol) : expanded.length;
  // Clip very long lines around the span so the caret stays visible.
  const offset = expanded.length > MAX_LINE ? Math.max(0, Math.min(startCol - 20, expanded.length - MAX_LINE)) : 0;
  const shown = (offset > 0 ? '…' : '') + expanded.slice(offset, offset + MAX_LINE) + (expanded.length > offset + MAX_LINE ? '…' : '');
  const caretStart = startCol - offset + (offset > 0 ? 1 : 0);
  const width = Math.max(1, Math.min(endCol, offset + MAX_LINE) - startCol + 1);
  out.push(`${gutter} ${paint.cyan('|')}`);
  out.push(`${paint.cyan(number)} ${paint.cyan('|')} ${shown.replace(/\s+$/, '')}`);
  out.push(`${gutter} ${paint.cyan('|')} ${' '.repeat(Math.max(0, caretStart - 1))}${mark('^'.repeat(width))}`);
  return out;
}

interface Painter {
  red(s: string): string;
  yellow(s: string): string;
  cyan(s: string): string;
  bold(s: string): string;
}

function painter(color: boolean): Painter {
  const wrap = (open: number, close: number) => (s: string) => (color ? `\u001b[${open}m${s}\u001b[${close}m` : s);
  return { red: wrap(31, 39), yellow: wrap(33, 39), cyan: wrap(36, 39), bold: wrap(1, 22) };
}
