/**
 * The Diagnostic's declaration: the JSON Schema (`npm run schemas` writes it to
 * `schemas/diagnostic.schema.json`) and, by `Static`, the type (`schemas/diagnostic.ts`
 * re-exports it with the functions every stage uses).
 */
import { Type, type Static } from 'typebox';
import { Closed, DRAFT_07, Ref, schemaId } from '../lang/json-schema.js';

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
