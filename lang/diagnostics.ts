/**
 * Diagnostics: every error or warning globe reports about the user's files.
 * A diagnostic always has a span (file, start and end, 1-based line and
 * column) so the CLI can print the offending line with a caret, tsc-style.
 *
 * This is the language's located case of the one Diagnostic every stage reports
 * (`schemas/diagnostic.ts`, which converts it with `fromLangDiagnostic`): `lang/`
 * imports nothing of globe's, so the declaration stays here, and the language
 * server and the loader keep using spans with an end.
 */

export interface SourcePosition {
  /** 1-based line. */
  line: number;
  /** 1-based column, counted in UTF-16 code units like editors do. */
  col: number;
}

export interface SourceSpan {
  /** Path of the file as the user named it (relative to the cwd when possible). */
  file: string;
  start: SourcePosition;
  /** Inclusive end position of the span (same line as start for one-token spans). */
  end: SourcePosition;
}

export type Severity = 'error' | 'warning';

/**
 * Stable codes, one per kind of problem, so tests and users can refer to
 * them (`globe explain` may print a longer text one day).
 */
export type DiagnosticCode =
  // reading files
  | 'io-error'
  | 'file-too-large'
  | 'not-utf8'
  | 'empty-project'
  | 'empty-file'
  // DSL syntax
  | 'syntax'
  | 'unknown-keyword'
  | 'unterminated-block'
  | 'missing-unit'
  | 'wrong-unit'
  // YAML
  | 'yaml-syntax'
  | 'yaml-alias'
  | 'yaml-type'
  | 'schema'
  // semantics
  | 'duplicate'
  | 'unknown-reference'
  | 'invalid-name'
  | 'invalid-value'
  | 'latency-conflict'
  | 'unreachable-demand'
  | 'traffic-sum'
  | 'empty-resource-table'
  | 'not-integer';

export interface Diagnostic {
  severity: Severity;
  code: DiagnosticCode;
  message: string;
  span: SourceSpan;
  /** Further places that matter (e.g. the first definition of a duplicate). */
  related?: { message: string; span: SourceSpan }[];
}

export function error(code: DiagnosticCode, message: string, span: SourceSpan, related?: Diagnostic['related']): Diagnostic {
  return related ? { severity: 'error', code, message, span, related } : { severity: 'error', code, message, span };
}

export function warning(code: DiagnosticCode, message: string, span: SourceSpan): Diagnostic {
  return { severity: 'warning', code, message, span };
}

export function hasErrors(diagnostics: readonly Diagnostic[]): boolean {
  return diagnostics.some((d) => d.severity === 'error');
}

/** Sort by file, then position, then message: output order must never depend on discovery order. */
export function sortDiagnostics(diagnostics: readonly Diagnostic[]): Diagnostic[] {
  return [...diagnostics].sort(
    (x, y) =>
      cmp(x.span.file, y.span.file) ||
      x.span.start.line - y.span.start.line ||
      x.span.start.col - y.span.start.col ||
      cmp(x.code, y.code) ||
      cmp(x.message, y.message),
  );
}

function cmp(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}
