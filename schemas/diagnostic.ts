/**
 * The Diagnostic: what any stage tells the user went wrong or falls short — a file that does not
 * parse (lang), demand the plan cannot serve (planner), a stale plan or a lock held elsewhere
 * (executor). One shape for all of them, with or without a place in the user's files, so the CLI
 * renders every one through one function (cli/render/diagnostic-text.ts) and CI annotations,
 * the pull-request comment and the saved Plan's findings read the same data.
 * Modelled on terraform's tfdiags (severity, summary, detail, optional source range).
 * Its type and JSON Schema are declared once, in `diagnostic.schema.ts` (see state.ts for why apart).
 *
 * `lang/` may import nothing of globe's, so the language keeps its own declaration
 * (`lang/diagnostics.ts`: always located, with a start and end span); `fromLangDiagnostic` turns
 * it into this one (and stops compiling if the two drift apart).
 */
import type { Diagnostic as LangDiagnostic, SourceSpan } from '../lang/diagnostics.js';
import type { Diagnostic, DiagnosticSource } from './diagnostic.schema.js';

export type { Diagnostic, DiagnosticSource, Severity } from './diagnostic.schema.js';

export function sourceOfSpan(span: SourceSpan): DiagnosticSource {
  return { file: span.file, line: span.start.line, col: span.start.col, endLine: span.end.line, endCol: span.end.col };
}

/** A language diagnostic (always located) as every stage's Diagnostic. */
export function fromLangDiagnostic(d: LangDiagnostic): Diagnostic {
  const out: Diagnostic = { severity: d.severity, code: d.code, message: d.message, source: sourceOfSpan(d.span) };
  if (d.related) out.related = d.related.map((r) => ({ message: r.message, source: sourceOfSpan(r.span) }));
  return out;
}

/**
 * An error a stage throws that the user must read (not a bug in globe): it carries its
 * Diagnostic, so the CLI asks for it in one place instead of telling error classes apart.
 * Subclasses name their code; the message is the summary.
 */
export abstract class GlobeError extends Error {
  abstract readonly code: string;

  diagnostic(): Diagnostic {
    return { severity: 'error', code: this.code, message: this.message };
  }
}

/** The Diagnostic an error carries, or undefined for an error that is a bug (a stack trace belongs to GLOBE_DEBUG). */
export function diagnosticOf(e: unknown): Diagnostic | undefined {
  return e instanceof GlobeError ? e.diagnostic() : undefined;
}
