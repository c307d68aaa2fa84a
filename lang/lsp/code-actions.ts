/**
 * Quick fixes: every diagnostic that says "did you mean `X`?" offers to
 * replace the word it points at with X.
 */
import { CodeActionKind, type CodeAction, type Diagnostic } from 'vscode-languageserver/node';

const SUGGESTION = /\(did you mean `([^`]+)`\?\)/;
const WORD = /^[A-Za-z0-9_-]+$/;

export function quickFixes(uri: string, text: string, diagnostics: Diagnostic[]): CodeAction[] {
  const lines = text.split('\n');
  const out: CodeAction[] = [];
  for (const d of diagnostics) {
    if (d.source !== 'globe') continue;
    const suggestion = SUGGESTION.exec(typeof d.message === 'string' ? d.message : d.message.value)?.[1];
    const { start, end } = d.range;
    if (!suggestion || start.line !== end.line) continue;
    // Only a range that is exactly the misspelt word: anything else would replace more than the user wrote.
    const word = lines[start.line]?.slice(start.character, end.character) ?? '';
    if (!WORD.test(word) || word === suggestion) continue;
    out.push({
      title: `Change \`${word}\` to \`${suggestion}\``,
      kind: CodeActionKind.QuickFix,
      diagnostics: [d],
      isPreferred: true,
      edit: { changes: { [uri]: [{ range: d.range, newText: suggestion }] } },
    });
  }
  return out;
}
