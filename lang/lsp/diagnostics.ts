/**
 * Diagnostics as you type: globe's own diagnostics (the ones `globe
 * validate` prints) as LSP diagnostics, one list per file of the project.
 */
import { isAbsolute } from 'node:path';
import { DiagnosticSeverity, type Diagnostic as LspDiagnostic } from 'vscode-languageserver/node';
import type { Diagnostic } from '../diagnostics.js';
import { pathToUri, toRange } from './positions.js';

export function toLspDiagnostic(d: Diagnostic): LspDiagnostic {
  const out: LspDiagnostic = {
    range: toRange(d.span),
    severity: d.severity === 'error' ? DiagnosticSeverity.Error : DiagnosticSeverity.Warning,
    code: d.code,
    source: 'globe',
    message: d.message,
  };
  // Places elsewhere ("first defined here") are only places when they are in a file.
  const related = (d.related ?? []).filter((r) => isAbsolute(r.span.file));
  if (related.length > 0) out.relatedInformation = related.map((r) => ({ location: { uri: pathToUri(r.span.file), range: toRange(r.span) }, message: r.message }));
  return out;
}

/**
 * What to publish after a check: every file whose diagnostics changed since
 * the last publish, and the files just edited (an editor expects an answer
 * for the document it changed). `last` is updated.
 */
export function diagnosticsToPublish(byFile: Map<string, Diagnostic[]>, last: Map<string, string>, edited: ReadonlySet<string>): { path: string; diagnostics: LspDiagnostic[] }[] {
  const out: { path: string; diagnostics: LspDiagnostic[] }[] = [];
  const paths = new Set([...byFile.keys(), ...last.keys()]);
  for (const path of [...paths].sort()) {
    const diagnostics = (byFile.get(path) ?? []).map(toLspDiagnostic);
    const key = JSON.stringify(diagnostics);
    if (last.get(path) === key && !edited.has(path)) continue;
    if (byFile.has(path)) last.set(path, key);
    else last.delete(path);
    out.push({ path, diagnostics });
  }
  return out;
}
