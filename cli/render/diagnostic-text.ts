/**
 * Every Diagnostic (schemas/diagnostic.ts) as text, whatever stage made it. One with a source is
 * printed the way rustc and tsc print theirs: the message, the file:line:col, the source line and
 * a caret under the span. One without (a stale plan, a lock held elsewhere) is one line,
 * `globe: MESSAGE`.
 *
 *   error[unknown-reference]: region `us-esat` is not declared (did you mean `us-east`?)
 *     --> examples/quickstart/inference.globe:12:19
 *      |
 *   12 |     demand read { us-esat = 200rps }
 *      |                   ^^^^^^^
 */
import type { Diagnostic, DiagnosticSource } from '../../schemas/diagnostic.js';

export interface RenderOptions {
  color: boolean;
}

/** The source text of the files diagnostics point into, by path as the diagnostics name them. */
export type SourceTexts = ReadonlyMap<string, string>;

const MAX_LINE = 160;

/** A list of diagnostics and the summary line (`2 errors, 1 warning`); empty for none. */
export function renderDiagnostics(diagnostics: readonly Diagnostic[], files: SourceTexts, options: RenderOptions): string {
  if (diagnostics.length === 0) return '';
  const lines = sourceLines(files);
  const out = diagnostics.flatMap((d) => diagnosticLines(d, lines, painter(options.color)));
  const errors = diagnostics.filter((d) => d.severity === 'error').length;
  out.push(summaryLine(errors, diagnostics.length - errors));
  return `${out.join('\n')}\n`;
}

/** One diagnostic: what a command that stops prints (no summary line). */
export function renderDiagnostic(d: Diagnostic, files: SourceTexts, options: RenderOptions): string {
  return `${diagnosticLines(d, sourceLines(files), painter(options.color)).join('\n')}\n`;
}

export function summaryLine(errors: number, warnings: number): string {
  const parts: string[] = [];
  if (errors > 0) parts.push(`${errors} error${errors === 1 ? '' : 's'}`);
  if (warnings > 0) parts.push(`${warnings} warning${warnings === 1 ? '' : 's'}`);
  return parts.join(', ');
}

type LineOf = (source: DiagnosticSource) => string | undefined;

function diagnosticLines(d: Diagnostic, lineOf: LineOf, paint: Painter): string[] {
  const notes = [...(d.detail ? [d.detail] : []), ...(d.fix ? [`fix: ${d.fix}`] : [])];
  if (!d.source) return [`globe: ${d.severity === 'warning' ? 'warning: ' : ''}${d.message}`, ...notes.map((n) => `  ${n}`)];
  const mark = d.severity === 'error' ? paint.red : paint.yellow;
  const out = [`${mark(paint.bold(`${d.severity}[${d.code}]`))}${paint.bold(`: ${d.message}`)}`];
  out.push(...snippet(d.source, lineOf(d.source), paint, mark));
  for (const r of d.related ?? []) {
    out.push(`  ${paint.cyan('=')} note: ${r.message}`);
    out.push(...snippet(r.source, lineOf(r.source), paint, paint.cyan));
  }
  out.push(...notes.map((n) => `  ${paint.cyan('=')} ${n}`));
  out.push('');
  return out;
}

function sourceLines(files: SourceTexts): LineOf {
  const split = new Map<string, string[]>();
  return (s) => {
    if (s.lineText !== undefined) return s.lineText;
    if (!split.has(s.file)) split.set(s.file, files.get(s.file)?.split(/\r\n|\r|\n/) ?? []);
    return split.get(s.file)![s.line - 1];
  };
}

function snippet(source: DiagnosticSource, line: string | undefined, paint: Painter, mark: (s: string) => string): string[] {
  const number = String(source.line);
  const gutter = ' '.repeat(number.length);
  const out = [`${gutter}${paint.cyan('-->')} ${source.file}:${source.line}:${source.col}`];
  if (line === undefined) return out;
  const expanded = line.replace(/\t/g, '    ');
  const tabShift = (col: number) => line.slice(0, col - 1).split('\t').length - 1;
  const startCol = source.col + 3 * tabShift(source.col);
  const endLine = source.endLine ?? source.line;
  const endCol = endLine !== source.line ? expanded.length : source.endCol === undefined ? startCol : Math.max(source.endCol + 3 * tabShift(source.endCol), startCol);
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
