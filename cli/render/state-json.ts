/**
 * The State document as `globe state pull` prints it: canonical JSON (sorted keys), which
 * `globe state push` reads back. State has no text or markdown view: people read a State through
 * the Plan made against it.
 */
import { canonicalJson } from '../../lang/canonical-json.js';
import type { State } from '../../schemas/state.js';

export function renderStateJson(state: State): string {
  return `${canonicalJson(state)}\n`;
}
