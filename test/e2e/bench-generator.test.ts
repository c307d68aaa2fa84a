import { Ajv } from 'ajv';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { canonicalJson } from '../../lang/canonical-json.js';
import { loadAndCheckProject } from '../../lang/load.js';
import { loadSchema } from '../../lang/schema-files.js';
import { LATENCY_TIERS } from '../../lang/spec.js';
import { checkInvariants } from '../../schemas/invariants.js';
import { readStateFile } from '../../executor/state-file.js';
import type { Placement } from '../../schemas/placement.js';
import { generateWorld } from '../../bench/generate-world.js';
import { writeProject } from '../../bench/write-project.js';
import { checkPlacement } from '../../planner/check/placement-checker.js';

const dirs: string[] = [];
const tempDir = () => {
  const d = mkdtempSync(join(tmpdir(), 'globe-bench-test-'));
  dirs.push(d);
  return d;
};
afterAll(() => dirs.forEach((d) => rmSync(d, { recursive: true, force: true })));

const world = generateWorld({ tenants: 300, regions: 12, resources: 4, seed: 7 });
const tenants = Object.values(world.spec.services).flatMap((s) => Object.values(s.tenants));

describe('the benchmark world generator', () => {
  it('gives the same world, byte for byte, for the same seed, and another world for another seed', () => {
    const again = generateWorld({ tenants: 300, regions: 12, resources: 4, seed: 7 });
    const other = generateWorld({ tenants: 300, regions: 12, resources: 4, seed: 8 });
    expect(canonicalJson(again.spec)).toBe(canonicalJson(world.spec));
    expect(canonicalJson(again.current)).toBe(canonicalJson(world.current));
    expect([...again.dsl]).toEqual([...world.dsl]);
    expect(canonicalJson(other.spec)).not.toBe(canonicalJson(world.spec));
  });

  it('writes a DSL project that loads without errors back to the same Spec, with the State beside it', async () => {
    const dir = tempDir();
    writeProject(dir, world.dsl, world.current);
    const project = await loadAndCheckProject(dir);
    expect(project.diagnostics.filter((d) => d.severity === 'error')).toEqual([]);
    expect(canonicalJson(project.spec)).toBe(canonicalJson(world.spec));
    expect(project.files.length).toBe(world.dsl.size);
    expect(await readStateFile(join(dir, '.globe', 'state.json'))).toEqual(world.current);
  });

  it('makes a current State that is a valid State document and fits the supply everywhere', () => {
    const validate = new Ajv({ allErrors: true, strict: false }).compile(loadSchema('state.schema.json'));
    expect(validate(world.current), JSON.stringify(validate.errors)).toBe(true);
    expect(checkInvariants(world.spec, world.current).filter((v) => v.kind === 'supply')).toEqual([]);
    // an earlier plan: most tenants deployed, a few new ones not yet, a few deployed ones since removed
    const ids = Object.keys(world.current.tenants);
    const known = new Set(Object.entries(world.spec.services).flatMap(([s, svc]) => Object.keys(svc.tenants).map((t) => `${s}/${t}`)));
    expect(ids.filter((id) => known.has(id)).length).toBeGreaterThan(tenants.length * 0.9);
    expect(ids.filter((id) => known.has(id)).length).toBeLessThan(tenants.length);
    expect(ids.some((id) => !known.has(id))).toBe(true);
  });

  it('is feasible: a reference placement serves all demand within its thresholds, survives region loss where asked, and fits the supply', () => {
    const placement = { target: world.reference, unserved: {}, unservedProducts: {} } as unknown as Placement;
    expect(checkPlacement(world.spec, world.reference, placement)).toEqual([]);
    for (const [k, h] of Object.entries(world.stats.headroom)) {
      expect(h, k).toBeGreaterThanOrEqual(0.2);
      expect(h, k).toBeLessThanOrEqual(0.4);
    }
  });

  it('has the structure of a fleet: heavy-tailed demand, every tier, 1–3 hardware options, some DR, products with followers, reservations', () => {
    const totals = tenants.map((t) => Object.values(t.demand).reduce((a, byClient) => a + Object.values(byClient).reduce((b, x) => b + x, 0), 0)).sort((a, b) => b - a);
    const all = totals.reduce((a, b) => a + b, 0);
    expect(totals.slice(0, totals.length / 10).reduce((a, b) => a + b, 0)).toBeGreaterThan(all * 0.4);
    const thresholds = new Set(tenants.flatMap((t) => Object.values(t.latency)));
    for (const tier of Object.values(LATENCY_TIERS)) expect(thresholds).toContain(tier);
    const options = new Set(tenants.map((t) => Object.keys(t.replicas).length));
    expect([...options].sort()).toEqual([1, 2, 3]);
    const dr = tenants.filter((t) => t.tolerateRegionFailure).length / tenants.length;
    expect(dr).toBeGreaterThan(0.08);
    expect(dr).toBeLessThan(0.25);
    expect(Object.keys(world.spec.products).length).toBe(2);
    const followers = Object.values(world.spec.services).filter((s) => Object.keys(s.follows).length > 0);
    expect(followers.length).toBe(4);
    expect(Object.keys(world.spec.reservations).length).toBeGreaterThan(0);
    const localities = new Set(Object.values(world.spec.regions).map((r) => r.locality));
    expect(localities.size).toBeGreaterThanOrEqual(2);
  });

  it('refuses bad sizes with a clear error', () => {
    expect(() => generateWorld({ tenants: 0, regions: 10, resources: 4, seed: 1 })).toThrow(/tenants must be a whole number/);
    expect(() => generateWorld({ tenants: 10, regions: 10, resources: 2.5, seed: 1 })).toThrow(/resources must be a whole number/);
  });
});

describe('writing a benchmark project', () => {
  it('never writes into a directory that holds something else', () => {
    const dir = tempDir();
    writeFileSync(join(dir, 'notes.txt'), 'mine');
    expect(() => writeProject(dir, world.dsl, world.current)).toThrow(/not empty and was not written by the benchmark/);
    expect(readFileSync(join(dir, 'notes.txt'), 'utf8')).toBe('mine');
  });

  it('replaces an earlier benchmark project, leaving no stale service file behind', async () => {
    const dir = tempDir();
    writeProject(dir, world.dsl, world.current);
    const small = generateWorld({ tenants: 20, regions: 4, resources: 2, seed: 1 });
    writeProject(dir, small.dsl, small.current);
    const project = await loadAndCheckProject(dir);
    expect(project.diagnostics.filter((d) => d.severity === 'error')).toEqual([]);
    expect(canonicalJson(project.spec)).toBe(canonicalJson(small.spec));
  });
});
