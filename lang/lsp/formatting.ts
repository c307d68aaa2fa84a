/**
 * Formatting: `globe fmt` on the document, as one edit of the whole text.
 * A file with syntax errors is left as it is (as `globe fmt` does); its
 * diagnostics already say why.
 */
import type { TextEdit } from 'vscode-languageserver/node';
import { formatGlobe } from '../dsl/index.js';

export function formatDocument(text: string, path: string): TextEdit[] {
  if (!path.endsWith('.globe')) return [];
  const result = formatGlobe(text, path);
  if (result.diagnostics.some((d) => d.severity === 'error') || result.text === text) return [];
  const lines = text.split('\n');
  return [{ range: { start: { line: 0, character: 0 }, end: { line: lines.length - 1, character: lines[lines.length - 1].length } }, newText: result.text }];
}
