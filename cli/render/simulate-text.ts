/** `globe simulate` as text (the default): fed by the documents of simulate-document.ts, or the what-if Plan. */
import type { Plan } from '../../schemas/plan.js';
import { num } from './format.js';
import { renderFailuresWith, sweepTable, type FailuresDocument, type SweepDocument } from './simulate-document.js';

export function renderFailuresText(doc: FailuresDocument): string {
  return renderFailuresWith(doc, {
    title: (deployment) => [`Region failures simulated on the ${deployment}:`, ''],
    table: textTable,
    legend: (text) => wrap(text, 100),
    lossHeading: 'Demand lost, per failed region and tenant (DR intent VIOLATED: the tenant asks to tolerate a region failure):',
    productsHeading: 'Product traffic that cannot be re-routed:',
    violations: (lines) => [`Violated (${lines.length}):`, ...lines.map((v) => `  ${v}`)],
  });
}

export function renderSweepText(doc: SweepDocument): string {
  const { header, body } = sweepTable(doc);
  return `${textTable(header, body).join('\n')}\n`;
}

/** The sentence before a `--turn-up` plan: what the new region would take. */
export function turnUpLine(plan: Plan, region: string): string {
  const takes = Object.entries(plan.placement.usage[region] ?? {}).map(([k, u]) => `${num(u.used)} of ${u.supply} ${k}`);
  return `${region} would take ${takes.length > 0 ? takes.join(', ') : 'nothing'}.`;
}

/** Words into lines of at most `width` characters (a word longer than that gets a line of its own). */
function wrap(text: string, width: number): string[] {
  const lines: string[] = [];
  let line = '';
  for (const word of text.split(' ')) {
    if (line && line.length + 1 + word.length > width) (lines.push(line), (line = word));
    else line = line ? `${line} ${word}` : word;
  }
  return line ? [...lines, line] : lines;
}

function textTable(header: string[], rows: string[][]): string[] {
  const widths = header.map((h, i) => Math.max(h.length, ...rows.map((row) => row[i].length)));
  return [header, ...rows].map((row) => row.map((c, i) => c.padEnd(widths[i])).join('  ').trimEnd());
}
