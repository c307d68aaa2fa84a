/**
 * The Diagnostic: what any stage tells the user went wrong or falls short — a file that does not
 * parse (lang), demand the plan cannot serve (planner), a stale plan or a lock held elsewhere
 * (executor). One shape for all of them, with or without a place in the user's files, so the CLI
 * renders every one through one function (cli/render/diagnostic-text.ts) and CI annotations,
 * the pull-request comment and the saved Plan's findings read the same data.
 * Modelled on terraform's tfdiags (severity, summary, detail, optional source range).
 * Declared once below: the declaration is the JSON Schema (`npm run schemas` writes it to
 * `schemas/diagnostic.schema.json`) and `Static` its type.
 *
 * `lang/` may import nothing of globe's, so the language keeps its own declaration
 * (`lang/diagnostics.ts`: always located, with a start and end span); `fromLangDiagnostic` turns
 * it into this one (and stops compiling if the two drift apart).
 */
import { Type, type Static } from 'typebox';
import type { Diagnostic as LangDiagnostic, SourceSpan } from '../lang/diagnostics.js';
import { Closed, DRAFT_07, Ref, schemaId } from './json-schema.js';

export const Severity = Type.Enum(['error', 'warning']);
export type Severity = Static<typeof Severity>;

/** Where a diagnostic points: 1-based line and column (UTF-16 units, as editors count). */
export const DiagnosticSource = Closed({
  /** The file as the user named it (or relative to the project, in a saved Plan). */
  file: Type.String(),
  line: Type.Integer({ minimum: 1 }),
  col: Type.Integer({ minimum: 1 }),
  /** Inclusive end of the span, when known: the caret under the offending line covers it. */
  endLine: Type.Optional(Type.Integer({ minimum: 1 })),
  endCol: Type.Optional(Type.Integer({ minimum: 1 })),
  /** The offending line, for a renderer that has not the file at hand. */
  lineText: Type.Optional(Type.String()),
});
export type DiagnosticSource = Static<typeof DiagnosticSource>;

const source = Ref(DiagnosticSource, '#/definitions/source');

export const Diagnostic = Closed(
  {
    severity: Severity,
    /** Stable, kebab-case: `unknown-reference`, `unserved-demand`, `stale-plan`, … */
    code: Type.String({ pattern: '^[a-z][a-z0-9-]*$', description: 'stable, kebab-case' }),
    /** The summary: one sentence, what is wrong. */
    message: Type.String({ description: 'the summary: one sentence, what is wrong' }),
    source: Type.Optional(source),
    /** More than the summary says (several lines allowed). */
    detail: Type.Optional(Type.String()),
    /** The smallest change that lifts the problem, when known. */
    fix: Type.Optional(Type.String({ description: 'the smallest change that lifts the problem' })),
    /** Further places that matter (e.g. the first definition of a duplicate). */
    related: Type.Optional(Type.Array(Closed({ message: Type.String(), source }))),
  },
  {
    $schema: DRAFT_07,
    $id: schemaId('diagnostic.schema.json'),
    title: 'globe Diagnostic',
    description:
      "What any stage reports to the user (schemas/diagnostic.ts): a language error, a planner finding, an executor failure; with or without a place in the user's files.",
    definitions: { source: DiagnosticSource },
  },
);
export type Diagnostic = Static<typeof Diagnostic>;

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
