import { Ajv } from 'ajv';
import { readdirSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { loadAndCheckProject } from '../../lang/load.js';
import { Spec } from '../../lang/spec-document.schema.js';
import { emptySpec } from '../../lang/spec.js';
import { ROOT } from '../support/cli.js';

describe('what the language lowers is a valid Spec document', () => {
  const validate = new Ajv({ allErrors: true, strict: false }).compile(Spec);

  // examples/ci is a CI recipe (a workflow and a script), not a project
  it.each(readdirSync(join(ROOT, 'examples')).filter((d) => d !== 'ci'))('the Spec of examples/%s validates', async (example) => {
    const { spec, diagnostics } = await loadAndCheckProject(join(ROOT, 'examples', example));
    expect(diagnostics.filter((d) => d.severity === 'error')).toEqual([]);
    expect(validate(spec), JSON.stringify(validate.errors)).toBe(true);
  });

  it('refuses a Spec with a field it does not declare, or a value out of range', () => {
    expect(validate(emptySpec()), JSON.stringify(validate.errors)).toBe(true);
    expect(validate({ ...emptySpec(), extra: 1 })).toBe(false);
    const tenant = { priority: 0, demand: {}, latency: {}, replicas: { cpu: { units: 1, serves: 10 } }, targetUtilization: 1, tolerateRegionFailure: false, avoid: [], onlyIn: [] };
    const withTenant = (t: object) => ({ ...emptySpec(), services: { s: { tenants: { t }, follows: {}, residual: {}, tolerateRegionFailure: false } } });
    expect(validate(withTenant(tenant)), JSON.stringify(validate.errors)).toBe(true);
    expect(validate(withTenant({ ...tenant, targetUtilization: 1.5 }))).toBe(false);
    expect(validate(withTenant({ ...tenant, maxSurge: 0 }))).toBe(false);
    expect(validate(withTenant({ ...tenant, typo: 1 }))).toBe(false);
  });
});
