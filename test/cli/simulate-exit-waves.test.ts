import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { writeStateFile } from '../../executor/state-file.js';
import { globe } from '../support/cli.js';
import { FULL_EXIT_START, fullExitWorld } from '../support/waves-project.js';

const world = fullExitWorld(4);

let dir: string;
beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'globe-exit-waves-'));
  writeFileSync(join(dir, 'world.globe'), world);
  await writeStateFile(join(dir, '.globe', 'state.json'), null, FULL_EXIT_START);
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
