/** `globe simulate --format markdown`: a pull-request comment, fed by the documents of simulate-document.ts. */
import { renderFailuresWith, sweepTable, type FailuresDocument, type SweepDocument } from './simulate-document.js';

export function renderFailuresMarkdown(doc: FailuresDocument): string {
  return renderFailuresWith(doc, {
    title: (deployment) => ['## globe simulate: region failures', '', `Simulated on the ${deployment}.`, ''],
    table: markdownTable,
    legend: (text) => [`<sub>${text}</sub>`],
    lossHeading: '### Demand lost, per failed region and tenant',
    productsHeading: '### Product traffic that cannot be re-routed',
    violations: (lines) => ['> [!WARNING]', `> ${lines.length} violated ${lines.length === 1 ? 'intent' : 'intents'}:`, ...lines.map((v) => `> - ${v}`)],
  });
}

export function renderSweepMarkdown(doc: SweepDocument): string {
  const { header, body } = sweepTable(doc);
  return `${markdownTable(header, body).join('\n')}\n`;
}

function markdownTable(header: string[], rows: string[][]): string[] {
  return [`| ${header.join(' | ')} |`, `| ${header.map(() => '---').join(' | ')} |`, ...rows.map((row) => `| ${row.join(' | ')} |`)];
}
