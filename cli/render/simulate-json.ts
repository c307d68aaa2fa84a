/** `globe simulate --format json`: the documents themselves, canonical (sorted keys), one per run. */
import { canonicalJson } from '../../lang/canonical-json.js';
import type { FailuresDocument, SweepDocument } from './simulate-document.js';

/** schemas/simulate.schema.json */
export function renderFailuresJson(doc: FailuresDocument): string {
  return `${canonicalJson(doc)}\n`;
}

export function renderSweepJson(doc: SweepDocument): string {
  return `${canonicalJson(doc)}\n`;
}
