import { Ajv } from 'ajv';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { emptySpec, type Spec, type TenantId } from '../../lang/spec.js';
import type { FailureReport } from '../../planner/simulate.js';
import { renderFailures as renderDocument } from '../../cli/render/render-simulate.js';
import { failuresDocument } from '../../cli/render/simulate-document.js';
import { ROOT } from '../support/cli.js';

const renderFailures = (reports: FailureReport[], spec: Spec, format: 'text' | 'markdown' | 'json', deployment: 'current' | 'planned') =>
  renderDocument(failuresDocument(reports, spec, deployment), format);

const validate = new Ajv({ allErrors: true, strict: false }).compile(JSON.parse(readFileSync(join(ROOT, 'schemas', 'simulate.schema.json'), 'utf8')));

/** A fleet of 200 tenants in 10 regions where each region's loss costs every tenant with a number divisible by 7 some demand. */
function fleet(): { spec: Spec; reports: FailureReport[] } {
  const spec = emptySpec();
  const regions = Array.from({ length: 10 }, (_, i) => `region-${String(i).padStart(2, '0')}`);
  const tenants: TenantId[] = [];
  for (let i = 0; i < 200; i++) {
    const svc = `service-${String(i % 20).padStart(2, '0')}`;
    const t = `tenant-${String(i).padStart(3, '0')}`;
    ((spec.services[svc] ??= { tenants: {} } as Spec['services'][string]).tenants[t] = {
      priority: 1,
      demand: { read: { [regions[i % 10]]: 1000 } },
      latency: { read: 70 },
      replicas: { cpu: { units: 1, serves: 100 } },
      targetUtilization: 0.8,
      tolerateRegionFailure: i % 2 === 0,
      avoid: [],
      onlyIn: [],
    } as Spec['services'][string]['tenants'][string]);
    tenants.push(`${svc}/${t}` as TenantId);
  }
  const reports = regions.map((region, r) => {
    const losing = tenants.filter((_, i) => (i + r) % 7 === 0);
    return {
      region,
      lost: Object.fromEntries(losing.map((id) => [id, 250])),
      unserved: Object.fromEntries(losing.map((id) => [id, { read: { [regions[(r + 1) % 10]]: 250 } }])),
      utilization: Object.fromEntries(regions.filter((x) => x !== region).map((x, j) => [x, 0.5 + j / 100])),
      violated: losing.filter((id) => Number(id.slice(-3)) % 2 === 0),
      unservedProducts: {},
      violatedProducts: [],
    } as FailureReport;
  });
  return { spec, reports };
}

describe('simulate --fail at fleet scale', () => {
  const { spec, reports } = fleet();
  const losses = reports.reduce((n, r) => n + Object.keys(r.lost).length, 0);
  const violations = reports.reduce((n, r) => n + r.violated.length, 0);

  it('prints one row per (failed region, tenant) that loses demand, one violation per line, no line wider than 120 characters', () => {
    const text = renderFailures(reports, spec, 'text', 'current');
    const lines = text.split('\n');
    expect(Math.max(...lines.map((l) => l.length))).toBeLessThanOrEqual(120);
    // the rows of the loss table, e.g. "region-03  service-04/tenant-004  250  25.0%  VIOLATED"
    const rows = lines.filter((l) => /^region-\d\d +service-\d\d\/tenant-\d{3} +250 +25\.0% +(VIOLATED|–)$/.test(l));
    expect(rows).toHaveLength(losses);
    expect(rows.filter((l) => l.endsWith('VIOLATED'))).toHaveLength(violations);
    expect(lines.filter((l) => /^ {2}service-\d\d\/tenant-\d{3} does not survive the loss of region-\d\d$/.test(l))).toHaveLength(violations);
    expect(text).toContain(`Violated (${violations}):`);
    // the summary names the busiest surviving region of each failure, and the legend defines it
    expect(text).toMatch(/^region-00 +\d+ +\d+ +58\.0% \(region-09\)$/m);
    expect(text).toContain('max utilization: in the busiest surviving region');
    expect(text.replace(/\n/g, ' ')).toContain('serve at their target utilization, all tenants together (100% = at target; above = over target).');
  });

  it('markdown keeps the same rows, and JSON validates against schemas/simulate.schema.json', () => {
    const md = renderFailures(reports, spec, 'markdown', 'planned');
    expect(md.split('\n').filter((l) => /^\| region-\d\d \| service-/.test(l))).toHaveLength(losses);
    expect(md.split('\n').filter((l) => /^> - .* does not survive the loss of /.test(l))).toHaveLength(violations);
    const doc = JSON.parse(renderFailures(reports, spec, 'json', 'planned'));
    expect(validate(doc), JSON.stringify(validate.errors)).toBe(true);
    expect(doc.rows).toHaveLength(losses);
    expect(doc.violations).toHaveLength(violations);
    expect(validate({ ...doc, rows: [{ ...doc.rows[0], lost: -1 }] })).toBe(false);
  });

  it('says so when nothing is lost', () => {
    const quiet = reports.map((r) => ({ ...r, lost: {}, unserved: {}, violated: [] }));
    const text = renderFailures(quiet, spec, 'text', 'current');
    expect(text).toContain('No tenant loses demand in any simulated failure.');
    expect(text).toContain('Every tenant and product that asks to tolerate a region failure survives each simulated failure.');
  });
});
