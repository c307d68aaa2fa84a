/**
 * `globe fmt`: the canonical layout of a DSL file, comments kept.
 *
 * The formatter re-prints the token stream; it never rebuilds text from the
 * Spec, so comments, number spellings (`3.0`) and the user's choice between
 * an inline block and a multi-line one survive. The rules:
 *   - a block whose `{` and `}` were on one line, with no comment inside,
 *     stays on one line: `region a { locality = na  supply { h100 = 4 } }`,
 *     statements separated by two spaces; any other block is expanded, one
 *     statement per line, indented by two spaces per level;
 *   - exactly one blank line between top-level blocks (a comment directly
 *     above a block stays attached to it); inside blocks, a user's blank
 *     line is kept (several collapse into one);
 *   - single spaces between tokens, none inside `[ ]`, list items separated
 *     by `, `; trailing comments are kept two spaces after the code;
 *   - one newline at the end of the file.
 * Formatting is idempotent and never changes the file's Spec (both tested).
 */
import type { IToken } from 'chevrotain';
import type { Diagnostic } from '../diagnostics.js';
import { hasErrors } from '../diagnostics.js';
import { firstToken, type Statement } from './ast.js';
import { Comma, Comment, LBrace, LBracket, RBrace, RBracket } from './lexer.js';
import { parseSyntax } from './parse-globe.js';

export function formatGlobe(text: string, file: string): { text: string; diagnostics: Diagnostic[] } {
  const tree = parseSyntax(text, file);
  if (hasErrors(tree.diagnostics)) return { text, diagnostics: tree.diagnostics };
  const starts = new Set<number>();
  collectStatementStarts(tree.statements, starts);
  const tokens = [...tree.tokens, ...tree.comments].sort((a, b) => a.startOffset - b.startOffset);
  const inline = inlineBlocks(tokens);
  const multiLine = new Set<number>();
  for (const st of tree.statements) {
    if (st.kind === 'block' && st.open && !inline.has(st.open.startOffset)) multiLine.add(firstToken(st).startOffset);
  }
  return { text: print(tokens, starts, inline, multiLine), diagnostics: [] };
}

function collectStatementStarts(statements: Statement[], starts: Set<number>): void {
  for (const s of statements) {
    starts.add(firstToken(s).startOffset);
    if (s.kind === 'block') collectStatementStarts(s.body, starts);
  }
}

/** Offsets of the `{` of blocks that stay on one line. */
function inlineBlocks(tokens: IToken[]): Set<number> {
  const inline = new Set<number>();
  const stack: { open: IToken; hasComment: boolean }[] = [];
  for (const t of tokens) {
    if (t.tokenType === LBrace) stack.push({ open: t, hasComment: false });
    else if (t.tokenType === Comment) for (const b of stack) b.hasComment = true;
    else if (t.tokenType === RBrace) {
      const b = stack.pop();
      if (b && !b.hasComment && b.open.startLine === t.startLine) inline.add(b.open.startOffset);
    }
  }
  return inline;
}

function print(tokens: IToken[], starts: Set<number>, inline: Set<number>, multiLineTop: Set<number>): string {
  let out = '';
  const blocks: boolean[] = []; // inline flag of each open block
  let indentLevel = 0; // multi-line blocks only
  let bracketDepth = 0;
  let prev: IToken | undefined;
  let currentTopMultiLine = false;
  /** A multi-line top-level block is always set apart by a blank line; one-liners may stay together. */
  const topLevelGap = (p: IToken, t: IToken, depth: number) =>
    depth === 0 && p.tokenType !== Comment && (currentTopMultiLine || multiLineTop.has(t.startOffset));

  const indent = () => '  '.repeat(indentLevel);
  const inInline = () => blocks.length > 0 && blocks[blocks.length - 1];
  const blankBefore = (t: IToken) => prev !== undefined && (t.startLine ?? 0) - (prev.endLine ?? 0) >= 2;
  const newline = (blank: boolean) => {
    // Trailing spaces trimmed from the end only: a /[ ]+$/ regex scans the whole output each time (quadratic in file size).
    let end = out.length;
    while (end > 0 && out.charCodeAt(end - 1) === 32) end--;
    if (end < out.length) out = out.slice(0, end);
    out += blank ? '\n\n' : '\n';
  };

  for (const t of tokens) {
    if (t.tokenType === Comment) {
      const comment = t.image.replace(/\s+$/, '');
      if (prev && prev.endLine === t.startLine) {
        out += `  ${comment}`;
      } else {
        if (prev) newline(topLevelGap(prev, t, blocks.length) || blankBefore(t));
        out += indent() + comment;
      }
    } else if (t.tokenType === RBrace) {
      const wasInline = blocks.pop() ?? false;
      if (wasInline) out += prev?.tokenType === LBrace ? '}' : ' }';
      else {
        indentLevel = Math.max(0, indentLevel - 1);
        newline(false);
        out += `${indent()}}`;
      }
    } else if (starts.has(t.startOffset)) {
      if (!prev) out += indent();
      else if (inInline()) out += prev.tokenType === LBrace ? ' ' : '  ';
      else {
        const afterOpen = prev.tokenType === LBrace;
        newline(!afterOpen && (topLevelGap(prev, t, blocks.length) || blankBefore(t)));
        out += indent();
      }
      out += t.image;
      if (blocks.length === 0) currentTopMultiLine = multiLineTop.has(t.startOffset);
    } else if (t.tokenType === LBrace) {
      out += ' {';
      const isInline = inline.has(t.startOffset);
      blocks.push(isInline);
      if (!isInline) indentLevel++;
    } else {
      if (t.tokenType === RBracket) out = out.replace(/,$/, ''); // no trailing comma in lists
      out += spaceBefore(t, prev, bracketDepth) + t.image;
    }
    if (t.tokenType === LBracket) bracketDepth++;
    if (t.tokenType === RBracket) bracketDepth = Math.max(0, bracketDepth - 1);
    prev = t;
  }
  return out.replace(/[ ]+$/gm, '').replace(/\n*$/, '\n').replace(/^\n+/, '');
}

function spaceBefore(t: IToken, prev: IToken | undefined, bracketDepth: number): string {
  if (!prev) return '';
  if (t.tokenType === RBracket || t.tokenType === Comma) return '';
  if (prev.tokenType === LBracket) return '';
  if (prev.tokenType === Comma) return ' ';
  // Inside a list, items are separated by ", " even when the user left the comma out.
  if (bracketDepth > 0 && prev.tokenType !== LBracket) return ', ';
  return ' ';
}
