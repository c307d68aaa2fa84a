import { Ajv } from 'ajv';
import { readFileSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { loadAndCheckProject } from '../../lang/load.js';
import { emptySpec, type Spec, type Tenant } from '../../lang/spec.js';
import { ROOT } from '../support/cli.js';

const schema = (name: string) => JSON.parse(readFileSync(join(ROOT, 'schemas', name), 'utf8'));

describe('the Spec type and schemas/spec-document.schema.json agree', () => {
  const validate = new Ajv({ allErrors: true, strict: false }).compile(schema('spec-document.schema.json'));

  // examples/ci is a CI recipe (a workflow and a script), not a project
  it.each(readdirSync(join(ROOT, 'examples')).filter((d) => d !== 'ci'))('the Spec of examples/%s validates', async (example) => {
    const { spec, diagnostics } = await loadAndCheckProject(join(ROOT, 'examples', example));
    expect(diagnostics.filter((d) => d.severity === 'error')).toEqual([]);
    expect(validate(spec), JSON.stringify(validate.errors)).toBe(true);
  });

  it('names every property of a fully populated Spec and nothing else', () => {
    // `Required<Tenant>` makes this literal fail to compile when a field is added to the type;
    // `additionalProperties: false` in the schema makes validation fail when the schema lacks it.
    const tenant: Required<Tenant> = {
      priority: 1,
      demand: { r: { a: 1 } },
      latency: { r: 5 },
      replicas: { cpu: { units: 1, serves: 10 } },
      targetUtilization: 0.5,
      tolerateRegionFailure: true,
      aggregateDisasterReadiness: true,
      drLatency: 80,
      avoid: [],
      onlyIn: ['a'],
      minReplicasPerRegion: 1,
      maxReplicasPerRegion: 2,
      maxSurge: 1,
      follows: { p: { r: 1 } },
    };
    const spec: Required<Spec> = {
      ...emptySpec(),
      resources: { cpu: { unit: 'server', cost: 1 } },
      regions: { a: { locality: 'na', supply: { cpu: 3 } } },
      latency: [{ a: 'a', b: 'a', ms: 1 }],
      services: { s: { tenants: { t: tenant }, follows: { p: { perUnit: { cpu: 1 } } }, residual: { a: { cpu: 1 } }, tolerateRegionFailure: false } },
      reservations: { g: { resource: 'cpu', amount: 1, locality: 'na', tolerateRegionFailure: true } },
      products: { p: { demand: { a: 1 }, latency: 5, avoid: [], tolerateRegionFailure: false } },
      backend: { kind: 'exec', commands: { getState: ['x'], upsize: ['x'], route: ['x'], downsize: ['x'], shift: ['x'] }, timeoutMs: 1 },
      planner: { weights: { cost: 1, churn: 1, balance: 1, distance: 1 }, timeLimitSeconds: 1, gapLimit: 0.1 },
    };
    expect(validate(spec), JSON.stringify(validate.errors)).toBe(true);
    expect(validate({ ...spec, extra: 1 })).toBe(false);
  });
});
