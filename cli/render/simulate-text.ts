/**
 * `globe simulate --fail` as people read it at fleet scale: one row per (failed
 * region, tenant) that loses demand — never one column per tenant, which made
 * 3,412-character lines at 200 tenants — a short table per failed region with
 * the utilization column defined right under it, and one violation per line.
 * The JSON form is `schemas/simulate.schema.json`.
 */
import { canonicalJson } from '../../lang/canonical-json.js';
import type { Spec, TenantId } from '../../lang/spec.js';
import type { FailureReport } from '../../planner/simulate.js';
import { num, pct } from './format.js';

export type SimulateFormat = 'text' | 'markdown' | 'json';

/** The definition printed under the table and in docs: one sentence, the same everywhere. */
export const UTILIZATION_LEGEND =
  'max utilization: in the busiest surviving region, rps routed there after failover ÷ rps its replicas serve at their target utilization, all tenants together (100% = at target; above = over target).';

export interface LossRow {
  region: string;
  tenant: TenantId;
  lost: number;
  /** the tenant's declared demand, all classes and clients: the share lost is lost / demand */
  demand: number;
  violated: boolean;
}

/** One row per (failed region, tenant) that loses demand, sorted by region then tenant. */
export function lossRows(reports: FailureReport[], spec: Spec): LossRow[] {
  const rows: LossRow[] = [];
  for (const r of reports) {
    for (const tenant of Object.keys(r.lost).sort() as TenantId[]) {
      rows.push({ region: r.region, tenant, lost: r.lost[tenant], demand: demandOf(spec, tenant), violated: r.violated.includes(tenant) });
    }
  }
  return rows.sort((a, b) => cmp(a.region, b.region) || cmp(a.tenant, b.tenant));
}

/** The region after failover whose utilization is highest (ties: the first by name), or null when none serves. */
export function busiest(r: FailureReport): { region: string; utilization: number } | null {
  let best: { region: string; utilization: number } | null = null;
  for (const region of Object.keys(r.utilization).sort()) {
    const u = r.utilization[region];
    if (!best || u > best.utilization) best = { region, utilization: u };
  }
  return best;
}

export function violationLines(reports: FailureReport[]): string[] {
  return [
    ...reports.flatMap((r) => r.violated.map((id) => `${id} does not survive the loss of ${r.region}`)),
    ...reports.flatMap((r) => r.violatedProducts.map((P) => `product ${P} does not survive the loss of ${r.region}`)),
  ].sort();
}

export function renderFailures(reports: FailureReport[], spec: Spec, format: SimulateFormat, deployment: 'current' | 'planned' = 'current'): string {
  if (format === 'json') return `${canonicalJson(failuresDocument(reports, spec, deployment))}\n`;
  const md = format === 'markdown';
  const table = md ? markdownTable : textTable;
  const out: string[] = [];
  const sorted = [...reports].sort((a, b) => cmp(a.region, b.region));
  const rows = lossRows(sorted, spec);
  out.push(md ? '## globe simulate: region failures' : 'Region failures simulated on the ' + (deployment === 'planned' ? 'planned placement' : 'current deployment') + ':', '');
  if (md) out.push(`Simulated on the ${deployment === 'planned' ? 'planned placement' : 'current deployment'}.`, '');
  out.push(
    ...table(
      ['failed region', 'tenants losing demand', 'lost rps', 'max utilization'],
      sorted.map((r) => {
        const lost = rows.filter((x) => x.region === r.region);
        const b = busiest(r);
        return [r.region, String(lost.length), lost.length > 0 ? num(lost.reduce((s, x) => s + x.lost, 0)) : '–', b ? `${pct(b.utilization)} (${b.region})` : '–'];
      }),
    ),
  );
  out.push('', ...(md ? [`<sub>${UTILIZATION_LEGEND}</sub>`] : wrap(UTILIZATION_LEGEND, 100)), '');
  if (rows.length === 0) out.push('No tenant loses demand in any simulated failure.');
  else {
    out.push(md ? '### Demand lost, per failed region and tenant' : 'Demand lost, per failed region and tenant (DR intent VIOLATED: the tenant asks to tolerate a region failure):', '');
    out.push(...table(['failed region', 'tenant', 'lost rps', 'of its demand', 'DR intent'], rows.map((x) => [x.region, x.tenant, num(x.lost), x.demand > 0 ? pct(x.lost / x.demand) : '–', x.violated ? 'VIOLATED' : '–'])));
  }
  const products = sorted.flatMap((r) => Object.keys(r.unservedProducts).sort().map((P) => [r.region, P, num(Object.values(r.unservedProducts[P]).reduce((a, b) => a + b, 0))]));
  if (products.length > 0) {
    out.push('', md ? '### Product traffic that cannot be re-routed' : 'Product traffic that cannot be re-routed:', '');
    out.push(...table(['failed region', 'product', 'lost units'], products));
  }
  const violations = violationLines(sorted);
  out.push('');
  if (violations.length === 0) out.push('Every tenant and product that asks to tolerate a region failure survives each simulated failure.');
  else if (md) out.push('> [!WARNING]', `> ${violations.length} violated ${violations.length === 1 ? 'intent' : 'intents'}:`, ...violations.map((v) => `> - ${v}`));
  else out.push(`Violated (${violations.length}):`, ...violations.map((v) => `  ${v}`));
  return `${out.join('\n')}\n`;
}

/** The `--format json` document (schemas/simulate.schema.json): the reports as computed, plus the rows the tables show. */
export function failuresDocument(reports: FailureReport[], spec: Spec, deployment: 'current' | 'planned') {
  const sorted = [...reports].sort((a, b) => cmp(a.region, b.region));
  return {
    version: 1,
    deployment,
    failures: sorted,
    rows: lossRows(sorted, spec),
    violations: violationLines(sorted),
  };
}

function demandOf(spec: Spec, id: TenantId): number {
  const [s, t] = id.split('/');
  const tenant = spec.services[s]?.tenants[t];
  if (!tenant) return 0;
  return Object.values(tenant.demand).reduce((a, byClient) => a + Object.values(byClient).reduce((b, d) => b + d, 0), 0);
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

function markdownTable(header: string[], rows: string[][]): string[] {
  return [`| ${header.join(' | ')} |`, `| ${header.map(() => '---').join(' | ')} |`, ...rows.map((row) => `| ${row.join(' | ')} |`)];
}

function cmp(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}
