/**
 * The documents `globe simulate` prints, built once and fed to each view (simulate-text.ts,
 * simulate-markdown.ts, simulate-json.ts): the region failures of `--fail` (its JSON form is
 * `schemas/simulate.schema.json`) and the rows of `--sweep`. The failure views share one layout —
 * one row per (failed region, tenant) that loses demand, never one column per tenant (which made
 * 3,412-character lines at 200 tenants), a short table per failed region with the utilization
 * column defined right under it, one violation per line — and differ only in their `FailuresStyle`.
 */
import type { Spec, TenantId } from '../../lang/spec.js';
import type { FailureReport, FailuresDocument, LossRow } from '../../schemas/simulate.schema.js';
import { num, pct } from './format.js';

export type SimulateFormat = 'text' | 'markdown' | 'json';
export const SIMULATE_FORMATS: readonly SimulateFormat[] = ['text', 'markdown', 'json'];

/** The definition printed under the table and in docs: one sentence, the same everywhere. */
export const UTILIZATION_LEGEND =
  'max utilization: in the busiest surviving region, rps routed there after failover ÷ rps its replicas serve at their target utilization, all tenants together (100% = at target; above = over target).';

/** `globe simulate --fail` and its rows are documents (declared in schemas/simulate.schema.ts, written to schemas/simulate.schema.json). */
export type { FailuresDocument, LossRow } from '../../schemas/simulate.schema.js';

/** `globe simulate --sweep`: one row per value of the swept setting. */
export interface SweepDocument {
  sweep: string;
  rows: { value: string; cost: number; replicas: number; unserved: number; status: string }[];
}

export function failuresDocument(reports: FailureReport[], spec: Spec, deployment: 'current' | 'planned'): FailuresDocument {
  const sorted = [...reports].sort((a, b) => cmp(a.region, b.region));
  return { version: 1, deployment, failures: sorted, rows: lossRows(sorted, spec), violations: violationLines(sorted) };
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

/** What a view of the failures decides: its title, table, legend, headings and how it lists violations. */
export interface FailuresStyle {
  title(deployment: string): string[];
  table(header: string[], rows: string[][]): string[];
  legend(text: string): string[];
  lossHeading: string;
  productsHeading: string;
  violations(lines: string[]): string[];
}

export function renderFailuresWith(doc: FailuresDocument, style: FailuresStyle): string {
  const { failures, rows } = doc;
  const out = [...style.title(doc.deployment === 'planned' ? 'planned placement' : 'current deployment')];
  out.push(
    ...style.table(
      ['failed region', 'tenants losing demand', 'lost rps', 'max utilization'],
      failures.map((r) => {
        const lost = rows.filter((x) => x.region === r.region);
        const b = busiest(r);
        return [r.region, String(lost.length), lost.length > 0 ? num(lost.reduce((s, x) => s + x.lost, 0)) : '–', b ? `${pct(b.utilization)} (${b.region})` : '–'];
      }),
    ),
  );
  out.push('', ...style.legend(UTILIZATION_LEGEND), '');
  if (rows.length === 0) out.push('No tenant loses demand in any simulated failure.');
  else {
    out.push(style.lossHeading, '');
    out.push(...style.table(['failed region', 'tenant', 'lost rps', 'of its demand', 'DR intent'], rows.map((x) => [x.region, x.tenant, num(x.lost), x.demand > 0 ? pct(x.lost / x.demand) : '–', x.violated ? 'VIOLATED' : '–'])));
  }
  const products = failures.flatMap((r) => Object.keys(r.unservedProducts).sort().map((P) => [r.region, P, num(Object.values(r.unservedProducts[P]).reduce((a, b) => a + b, 0))]));
  if (products.length > 0) {
    out.push('', style.productsHeading, '');
    out.push(...style.table(['failed region', 'product', 'lost units'], products));
  }
  out.push('');
  if (doc.violations.length === 0) out.push('Every tenant and product that asks to tolerate a region failure survives each simulated failure.');
  else out.push(...style.violations(doc.violations));
  return `${out.join('\n')}\n`;
}

/** The sweep's rows as table cells: the same columns in every view. */
export function sweepTable(doc: SweepDocument): { header: string[]; body: string[][] } {
  return {
    header: [doc.sweep, 'cost', 'replicas', 'unserved rps', 'solver'],
    body: doc.rows.map((r) => [r.value, num(r.cost), String(r.replicas), num(r.unserved), r.status]),
  };
}

function demandOf(spec: Spec, id: TenantId): number {
  const [s, t] = id.split('/');
  const tenant = spec.services[s]?.tenants[t];
  if (!tenant) return 0;
  return Object.values(tenant.demand).reduce((a, byClient) => a + Object.values(byClient).reduce((b, d) => b + d, 0), 0);
}

function cmp(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}
