/**
 * globe's spans (1-based lines and columns, end inclusive) and LSP ranges
 * (0-based, end exclusive); files as paths and as the URIs editors use.
 * Both count columns in UTF-16 code units, so no conversion is needed there.
 */
import { fileURLToPath, pathToFileURL } from 'node:url';
import type { Position, Range } from 'vscode-languageserver/node';
import type { SourcePosition, SourceSpan } from '../diagnostics.js';

export function toRange(span: SourceSpan): Range {
  return {
    start: { line: span.start.line - 1, character: span.start.col - 1 },
    end: { line: span.end.line - 1, character: span.end.col },
  };
}

export function toSourcePosition(p: Position): SourcePosition {
  return { line: p.line + 1, col: p.character + 1 };
}

/** The file path of a `file:` URI; undefined for other schemes (untitled buffers, git diffs). */
export function uriToPath(uri: string): string | undefined {
  if (!uri.startsWith('file:')) return undefined;
  try {
    return fileURLToPath(uri);
  } catch {
    return undefined;
  }
}

export function pathToUri(path: string): string {
  return pathToFileURL(path).href;
}

/** Offset of a position in a text (clamped to the text). */
export function offsetAt(text: string, p: Position): number {
  let offset = 0;
  for (let line = 0; line < p.line; line++) {
    const next = text.indexOf('\n', offset);
    if (next < 0) return text.length;
    offset = next + 1;
  }
  const end = text.indexOf('\n', offset);
  return Math.min(offset + p.character, end < 0 ? text.length : end);
}
