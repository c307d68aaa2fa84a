/**
 * Where the cursor is in a DSL file: the blocks around it (from the tokens
 * before it, so a half-written file still answers) and the text of the line
 * before it. Completion and hover read this.
 */
import type { IToken } from 'chevrotain';
import { isBackendName } from '../backend-kinds.js';
import { globeLexer, LBrace, RBrace } from '../dsl/lexer.js';
import type { BlockKind } from '../properties.js';

export interface OpenBlock {
  kind: BlockKind | 'unknown';
  /** The block's name: `us-east` of `region us-east {`, `read` of `demand read {`. */
  name?: string;
}

export interface CursorContext {
  /** Innermost last; empty at the top level. */
  blocks: OpenBlock[];
  /** The innermost block's kind, `top` outside any. */
  block: BlockKind | 'unknown';
  /** The text of the cursor's line before the cursor. */
  linePrefix: string;
}

/** Blocks named `KEYWORD NAME {`, by keyword and enclosing block. */
const NAMED: Record<string, BlockKind> = {
  'top resource': 'resource',
  'top region': 'region',
  'top service': 'service',
  'top reservation': 'reservation',
  'top product': 'product',
  'service tenant': 'tenant',
  'service follows': 'follows',
  'tenant demand': 'demand',
  'tenant follows': 'follows',
};

/** Blocks written `KEYWORD {`. */
const NAMELESS: Record<string, BlockKind> = {
  'top latency': 'latency',
  'top planner': 'planner',
  'region supply': 'supply',
  'service residual': 'residual',
  'product traffic': 'traffic',
  'product demand': 'traffic',
};

export function cursorContext(text: string, offset: number): CursorContext {
  const before = text.slice(0, offset);
  const tokens = globeLexer.tokenize(before).tokens;
  const blocks: OpenBlock[] = [];
  for (let i = 0; i < tokens.length; i++) {
    if (tokens[i].tokenType === LBrace) blocks.push(opened(tokens, i, blocks[blocks.length - 1]?.kind ?? 'top'));
    else if (tokens[i].tokenType === RBrace) blocks.pop();
  }
  const lineStart = before.lastIndexOf('\n') + 1;
  return { blocks, block: blocks[blocks.length - 1]?.kind ?? 'top', linePrefix: before.slice(lineStart) };
}

function opened(tokens: IToken[], brace: number, parent: BlockKind | 'unknown'): OpenBlock {
  const prev = tokens[brace - 1]?.image;
  const prev2 = tokens[brace - 2]?.image;
  if (prev !== undefined && NAMELESS[`${parent} ${prev}`]) return { kind: NAMELESS[`${parent} ${prev}`] };
  if (prev2 === 'backend' && parent === 'top' && isBackendName(prev)) return { kind: `backend ${prev}`, name: prev };
  if (prev2 !== undefined && NAMED[`${parent} ${prev2}`]) return { kind: NAMED[`${parent} ${prev2}`], name: prev };
  // `residual { us-east { cpu = 12 } }`: a region's amounts, keyed by resource like a supply.
  if (parent === 'residual') return { kind: 'supply', name: prev };
  return { kind: 'unknown', name: prev };
}
