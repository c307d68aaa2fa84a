import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { writeStateFile } from '../executor/state-file.js';
import { globe } from './support/cli.js';

/**
 * A full world: e's tenant x has clients only r1 reaches in time, and r1 is held 8 of 10 by y,
 * which may be served from anywhere; r2 and r3 are held 9 of 10 by tenants pinned there.
 */
const world = `resource h100 { unit = gpu  cost = 3 }
region e  { locality = na  supply { h100 = 4 } }
region r1 { locality = na  supply { h100 = 10 } }
region r2 { locality = na  supply { h100 = 10 } }
region r3 { locality = na  supply { h100 = 10 } }
latency {
  e <-> r1 = 10ms  e <-> r2 = 80ms  e <-> r3 = 80ms
  r1 <-> r2 = 80ms  r1 <-> r3 = 80ms  r2 <-> r3 = 80ms
}
service full {
  tenant x  { demand q { e = 2000rps }   latency q < 20ms    replica h100 x1 serves 500rps }
  tenant y  { demand q { r1 = 4000rps }  latency q < global  replica h100 x1 serves 500rps }
  tenant p2 { demand q { r2 = 4500rps }  latency q < 5ms     replica h100 x1 serves 500rps }
  tenant p3 { demand q { r3 = 4500rps }  latency q < 5ms     replica h100 x1 serves 500rps }
}
`;

let dir: string;
beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'globe-exit-waves-'));
  writeFileSync(join(dir, 'world.globe'), world);
  await writeStateFile(join(dir, '.globe', 'state.json'), null, {
    tenants: {
      'full/x': { replicas: { e: { h100: 4 } }, routing: { q: { e: { e: 1 } } } },
      'full/y': { replicas: { r1: { h100: 8 } }, routing: { q: { r1: { r1: 1 } } } },
      'full/p2': { replicas: { r2: { h100: 9 } }, routing: { q: { r2: { r2: 1 } } } },
      'full/p3': { replicas: { r3: { h100: 9 } }, routing: { q: { r3: { r3: 1 } } } },
    },
    reservations: {},
    products: {},
    followers: {},
  });
});

describe('globe simulate --exit in waves', () => {
  it('says how many waves the evacuation takes, and serves everything at the end', () => {
    const r = globe(['simulate', dir, '--exit', 'e']);
    expect(r.code, r.stderr).toBe(0);
    expect(r.stdout.split('\n')[0]).toBe('e reaches zero in 2 waves.');
    expect(r.stdout).toContain('Wave 2: 1 upsize, 1 route, 1 downsize — uses the 2 h100 that wave 1 frees in r1');
  });

  it('in one safe step (--max-waves 1) reaches zero too, leaving demand unserved: exit 2', () => {
    const r = globe(['simulate', dir, '--exit', 'e', '--max-waves', '1']);
    expect(r.code, r.stderr).toBe(2);
    expect(r.stdout.split('\n')[0]).toBe('e reaches zero in 1 wave.');
    expect(r.stdout).not.toContain('Waves:');
  });

  it('refuses a --max-waves that is not a whole number from 1', () => {
    for (const bad of ['0', '1.5', 'two', '101']) {
      const r = globe(['simulate', dir, '--exit', 'e', '--max-waves', bad]);
      expect(r.code).toBe(1);
      expect(r.stderr).toContain(`--max-waves must be a whole number from 1 to 100, not ${bad}`);
      expect(r.stderr).not.toMatch(/\n\s+at /);
    }
    const plan = globe(['plan', dir, '--max-waves', '0']);
    expect(plan.code).toBe(1);
    expect(plan.stderr).toContain('--max-waves must be a whole number from 1 to 100, not 0');
  });
});
