import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import type { Plan } from '../../schemas/plan.js';
import { ensureBuilt, globe, ROOT } from '../support/cli.js';
import { copyExample } from '../support/examples.js';

beforeAll(() => ensureBuilt());

describe('apply of a saved plan whose moves were edited', () => {
  it('refuses a dependency cycle with one clear line, before any move runs (it used to end "interrupted" and ask to resume)', () => {
    const dir = mkdtempSync(join(tmpdir(), 'globe-edited-plan-'));
    copyExample(join(ROOT, 'examples', 'quickstart'), dir);
    rmSync(join(dir, '.globe'), { recursive: true, force: true });
    const planned = globe(['plan', dir, '--out', join(dir, 'plan.json')]);
    expect(planned.code, planned.stderr).toBe(0);
    const plan = JSON.parse(readFileSync(join(dir, 'plan.json'), 'utf8')) as Plan;
    const dependent = plan.moves.find((m) => m.dependsOn.length > 0)!;
    const first = plan.moves.find((m) => m.id === dependent.dependsOn[0])!;
    first.dependsOn = [...first.dependsOn, dependent.id];
    writeFileSync(join(dir, 'plan.json'), JSON.stringify(plan));

    const r = globe(['apply', join(dir, 'plan.json'), '--project', dir]);
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(/^globe: the plan cannot be applied: move \S+ depends on itself through its dependencies\. Was it edited\? Plan again\.\n$/);
    expect(existsSync(join(dir, '.globe', 'state.json'))).toBe(false);
  }, 120_000);
});
