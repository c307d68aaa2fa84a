/**
 * `parseGlobe`: one `*.globe` file → Spec fragment + SourceMap + diagnostics.
 *
 * Error recovery happens at two levels. The file is cut into top-level
 * segments (a segment starts at each top-level keyword found at brace depth
 * 0) and each is parsed on its own, so an error in one block never hides the
 * next block's. Inside a segment, chevrotain's recovery re-synchronises.
 */
import type { ILexingError, IRecognitionException, IToken } from 'chevrotain';
import { EOF } from './chevrotain.js';
import { error, type Diagnostic, type SourceSpan } from '../diagnostics.js';
import type { LoadedFile } from '../loaded-file.js';
import { emptySpec } from '../spec.js';
import type { Statement } from './ast.js';
import { globeLexer, Kw, LBrace, LBracket, RBrace, RBracket } from './lexer.js';
import { describeToken, parseTokens } from './parser.js';
import { emptyFileWarning, lowerToSpec } from './to-spec.js';

const MAX_SYNTAX_ERRORS = 100;

/**
 * The grammar nests a few levels deep (service → tenant → demand, lists of
 * names); anything past this is refused before parsing.
 */
export const MAX_BLOCK_DEPTH = 32;

const TOP_LEVEL = new Set([Kw.resource, Kw.region, Kw.latency, Kw.service, Kw.reservation, Kw.product, Kw.backend, Kw.planner]);

export interface SyntaxTree {
  statements: Statement[];
  tokens: IToken[];
  comments: IToken[];
  diagnostics: Diagnostic[];
}

export function parseGlobe(text: string, file: string): LoadedFile {
  try {
    return parseGlobeUnsafe(text, file);
  } catch (e) {
    // A bug in globe must still end as a diagnostic at the file, never a crash of the whole run.
    const reason = e instanceof Error ? e.message : String(e);
    const span = { file, start: { line: 1, col: 1 }, end: { line: 1, col: 1 } };
    return { spec: emptySpec(), sourceMap: new Map(), diagnostics: [error('syntax', `internal error while reading this file (${reason}); please report it`, span)] };
  }
}

function parseGlobeUnsafe(text: string, file: string): LoadedFile {
  const tree = parseSyntax(text, file);
  if (tree.tokens.length === 0 && tree.diagnostics.length === 0) {
    return { ...lowerToSpec([], file), diagnostics: [emptyFileWarning(file)] };
  }
  const lowered = lowerToSpec(tree.statements, file);
  // A statement damaged by a syntax error often lowers to a second, confusing
  // error on the same line: the syntax error alone says what to fix.
  const syntaxLines = new Set(tree.diagnostics.map((d) => d.span.start.line));
  // A token the parser's recovery inserted (`replica h serves 1rps` gets an invented `x…`) has no position:
  // whatever lowering says about it only echoes the syntax error that made it.
  const meaning = lowered.diagnostics.filter((d) => Number.isFinite(d.span.start.line) && Number.isFinite(d.span.start.col) && !syntaxLines.has(d.span.start.line));
  return { spec: lowered.spec, sourceMap: lowered.sourceMap, diagnostics: [...tree.diagnostics, ...meaning] };
}

/** Lex and parse without lowering: what the formatter needs. */
export function parseSyntax(text: string, file: string): SyntaxTree {
  const lexed = globeLexer.tokenize(text);
  const diagnostics: Diagnostic[] = lexed.errors.map((e) => lexingDiagnostic(e, text, file));
  const { kept, tooDeep } = pruneDeepBlocks(lexed.tokens);
  if (tooDeep) diagnostics.push(error('syntax', `blocks are nested more than ${MAX_BLOCK_DEPTH} levels deep`, tokenSpan(tooDeep, file)));
  const unclosed = unclosedBraces(kept);
  for (const brace of unclosed) {
    diagnostics.push(error('unterminated-block', 'this block is never closed: `}` missing', tokenSpan(brace, file)));
  }
  const statements: Statement[] = [];
  for (const segment of topLevelSegments(kept)) {
    // A file this broken is not worth parsing to the end: the first errors say what to fix.
    if (diagnostics.length > MAX_SYNTAX_ERRORS) break;
    const parsed = parseTokens(segment);
    statements.push(...parsed.statements);
    for (const e of parsed.errors) {
      // The unclosed brace was already reported where it was opened.
      if (unclosed.length > 0 && e.token.tokenType === EOF) continue;
      diagnostics.push(recognitionDiagnostic(e, segment, file));
    }
  }
  return { statements, tokens: lexed.tokens, comments: lexed.groups.comments ?? [], diagnostics: dedupe(diagnostics) };
}

/**
 * Drop every token inside a block (or list) nested deeper than
 * MAX_BLOCK_DEPTH, and return the first such bracket: the parser is
 * recursive, and a file of a million `{` must not exhaust its stack.
 */
function pruneDeepBlocks(tokens: IToken[]): { kept: IToken[]; tooDeep?: IToken } {
  const opens = (t: IToken) => t.tokenType === LBrace || t.tokenType === LBracket;
  const closes = (t: IToken) => t.tokenType === RBrace || t.tokenType === RBracket;
  let depth = 0;
  let first = -1;
  for (let i = 0; i < tokens.length && first < 0; i++) {
    if (opens(tokens[i]) && ++depth > MAX_BLOCK_DEPTH) first = i;
    else if (closes(tokens[i]) && depth > 0) depth--;
  }
  if (first < 0) return { kept: tokens };
  const kept = tokens.slice(0, first);
  for (let i = first; i < tokens.length; i++) {
    const t = tokens[i];
    if (opens(t)) depth++;
    if (depth <= MAX_BLOCK_DEPTH) kept.push(t);
    if (closes(t) && depth > 0) depth--;
  }
  return { kept, tooDeep: tokens[first] };
}

/** Cut the token stream where a top-level keyword appears at brace depth 0. */
function topLevelSegments(tokens: IToken[]): IToken[][] {
  const segments: IToken[][] = [];
  let depth = 0;
  let current: IToken[] = [];
  for (const t of tokens) {
    if (depth === 0 && TOP_LEVEL.has(t.tokenType) && current.length > 0) {
      segments.push(current);
      current = [];
    }
    if (t.tokenType === LBrace) depth++;
    else if (t.tokenType === RBrace) depth = Math.max(0, depth - 1);
    current.push(t);
  }
  if (current.length > 0) segments.push(current);
  return segments;
}

function unclosedBraces(tokens: IToken[]): IToken[] {
  const open: IToken[] = [];
  for (const t of tokens) {
    if (t.tokenType === LBrace) open.push(t);
    else if (t.tokenType === RBrace) open.pop();
  }
  // Report only the outermost unclosed brace: the inner ones follow from it.
  return open.slice(0, 1);
}

function tokenSpan(t: IToken, file: string): SourceSpan {
  return {
    file,
    start: { line: t.startLine ?? 1, col: t.startColumn ?? 1 },
    end: { line: t.endLine ?? t.startLine ?? 1, col: t.endColumn ?? t.startColumn ?? 1 },
  };
}

function recognitionDiagnostic(e: IRecognitionException, segment: IToken[], file: string): Diagnostic {
  let token = e.token;
  if (token.tokenType === EOF || token.startLine === undefined || Number.isNaN(token.startLine)) {
    // Point just past the last real token rather than at an unknown place.
    const last = segment[segment.length - 1];
    token = last;
    const span = last
      ? { file, start: { line: last.endLine ?? 1, col: (last.endColumn ?? 0) + 1 }, end: { line: last.endLine ?? 1, col: (last.endColumn ?? 0) + 1 } }
      : { file, start: { line: 1, col: 1 }, end: { line: 1, col: 1 } };
    return error('syntax', e.message.replace(describeToken(e.token), 'end of file'), span);
  }
  return error('syntax', e.message, tokenSpan(token, file));
}

function lexingDiagnostic(e: ILexingError, text: string, file: string): Diagnostic {
  const bad = text.substr(e.offset, e.length);
  const shown = bad.length > 20 ? `${bad.slice(0, 20)}…` : bad;
  const line = e.line ?? 1;
  const col = e.column ?? 1;
  return error('syntax', `unexpected character${bad.length > 1 ? 's' : ''} \`${shown}\``, {
    file,
    start: { line, col },
    end: { line, col: col + Math.max(0, Math.min(bad.length, 20) - 1) },
  });
}

/**
 * After a syntax error, chevrotain's recovery often trips again a few tokens
 * later on the same line; like most compilers, report the first error of a
 * line only (an unclosed block is always reported).
 */
function dedupe(diagnostics: Diagnostic[]): Diagnostic[] {
  const seen = new Set<string>();
  return diagnostics.filter((d) => {
    if (d.code === 'unterminated-block') return true;
    const key = `${d.span.file}:${d.span.start.line}`;
    if (seen.has(key)) return false;
    seen.add(key);
    return true;
  });
}
