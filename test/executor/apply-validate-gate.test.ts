/**
 * Issue 16, validation gates: an exec backend's `validate` command runs
 * before each wave's traffic moves (GLOBE_GATE=pre) and after them (post). A
 * failing gate stops the apply with the journal intact, naming the wave, the
 * phase and the gate's last output lines; the resume runs the gate again. A
 * one-wave plan runs the gates of wave 1.
 */
import { readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { emitGlobe, parseGlobe } from '../../lang/dsl/index.js';
import { emitYaml, loadYaml } from '../../lang/yaml/index.js';
import { readJournal, type JournalRecord } from '../../executor/journal.js';
import { gateSchedule } from '../../executor/gates.js';
import { buildPlan } from '../../planner/build-plan.js';
import type { Move, Plan } from '../../schemas/plan.js';
import { ensureBuilt, globe } from '../support/cli.js';
import { journalValidator } from '../support/journal-schema.js';
import { specOf } from '../support/specs.js';
import { gatesLog, h100Use, historyOf, swapProject, SWAP_TARGET, SWAP_WAVES, worldOf } from '../support/waves-project.js';

const dirs: string[] = [];
beforeAll(() => ensureBuilt());
afterAll(() => {
  for (const d of dirs) rmSync(d, { recursive: true, force: true });
});

function project() {
  const p = swapProject({ validate: true });
  dirs.push(p.dir);
  return p;
}
const apply = (dir: string) => globe(['apply', join(dir, 'plan.json'), '--project', dir]);
function journalOf(dir: string): JournalRecord[] {
  const journalDir = join(dir, '.globe', 'journal');
  return readdirSync(journalDir).flatMap((f) => readJournal(join(journalDir, f)).records);
}
/** The journal as a sequence of `RUNNING move`, `COMPLETE move`, `gate pre 2 passed` lines. */
function timeline(dir: string): string[] {
  return journalOf(dir).flatMap((r) => (r.type === 'move' ? [`${r.status} ${r.move}`] : r.type === 'gate' ? [`gate ${r.phase} ${r.wave} ${r.status}`] : []));
}

describe('where the gates of a wave go', () => {
  const up = (id: string, deps: string[] = []) => ({ id, kind: 'upsize', dependsOn: deps }) as unknown as Move;
  const down = (id: string, deps: string[] = []) => ({ id, kind: 'downsize', dependsOn: deps }) as unknown as Move;
  const route = (id: string, deps: string[]) => ({ id, kind: 'route', dependsOn: deps }) as unknown as Move;

  it('a tenant moving in max_surge rounds: pre before its first route, post before the downsizes no later round needs', () => {
    // round 1: up1 → route1 → down1; round 2 (after down1): up2 → route2 → down2. A reservation resizes beside it.
    const moves = [up('up1'), route('route1', ['up1']), down('down1', ['route1']), up('up2', ['down1']), route('route2', ['up2']), down('down2', ['route2']), down('pool-down')];
    const { gates, guardedBy } = gateSchedule(moves, 1);
    expect(gates).toEqual([
      { id: 'w1-gate-pre', wave: 1, phase: 'pre', after: ['up1'] },
      { id: 'w1-gate-post', wave: 1, phase: 'post', after: ['w1-gate-pre', 'route1', 'route2'] },
    ]);
    expect(Object.fromEntries(guardedBy)).toEqual({ route1: 'w1-gate-pre', route2: 'w1-gate-pre', down2: 'w1-gate-post', 'pool-down': 'w1-gate-post' });
  });

  it('a plan without moves runs no gate', () => {
    expect(gateSchedule([], 1).gates).toEqual([]);
  });
});

describe('validate gates on the exec backend', () => {
  it('run before and after each wave’s traffic moves: after the capacity they need, before the capacity they release', () => {
    const { dir, plan } = project();
    const r = apply(dir);
    expect(r.code, r.stderr).toBe(0);
    expect(gatesLog(dir)).toEqual(['pre 1 of 3', 'post 1 of 3', 'pre 2 of 3', 'post 2 of 3', 'pre 3 of 3', 'post 3 of 3']);
    expect(r.stdout).toContain('validate (pre, wave 2): passed');
    const t = timeline(dir);
    const id = (wave: number, kind: string) => plan.moves.find((m) => m.wave === wave && m.kind === kind)!.id;
    // Wave 2: b comes up in r1, the pre gate, b's traffic moves, the post gate, b leaves r2.
    const order = [`COMPLETE ${id(2, 'upsize')}`, 'gate pre 2 passed', `RUNNING ${id(2, 'route')}`, `COMPLETE ${id(2, 'route')}`, 'gate post 2 passed', `RUNNING ${id(2, 'downsize')}`];
    const at = order.map((line) => t.indexOf(line));
    expect(at.every((i) => i >= 0), `${order.join(' | ')} in\n${t.join('\n')}`).toBe(true);
    expect([...at].sort((a, b) => a - b)).toEqual(at);
    expect(worldOf(dir)).toEqual(SWAP_TARGET);
    const { validate, errors } = journalValidator();
    for (const rec of journalOf(dir)) expect(validate(rec), `${JSON.stringify(rec)}: ${errors()}`).toBe(true);
  }, 120_000);

  it('a failing gate stops the apply with the journal intact; the resume runs that gate again and finishes', () => {
    const { dir, plan } = project();
    writeFileSync(join(dir, 'fail-gate'), 'post:2');
    const r = apply(dir);
    expect(r.code).toBe(1);
    expect(r.stderr).toContain(
      "Apply stopped in wave 2: the validation gate after wave 2's traffic moves (GLOBE_GATE=post, GLOBE_WAVE=2) failed: the validate (post, wave 2) hook failed (exit code 1): over the 1% objective: not healthy\nIts last output lines:\n  | error rate 7.5% in r1\n  | over the 1% objective: not healthy\n",
    );
    expect(r.stderr).toContain('run the same command again to resume');
    // b's traffic moved to r1, and its r2 replicas, which the gate guards, are still there.
    const downsize = plan.moves.find((m) => m.wave === 2 && m.kind === 'downsize')!;
    expect(timeline(dir)).not.toContain(`RUNNING ${downsize.id}`);
    expect(timeline(dir)).toContain('gate post 2 failed');
    expect(worldOf(dir).tenants['s/b'].replicas).toEqual({ r1: { h100: 4 }, r2: { h100: 4 } });
    expect(h100Use(worldOf(dir))).toEqual({ r1: 4, r2: 4 });

    rmSync(join(dir, 'fail-gate'));
    const resumed = apply(dir);
    expect(resumed.code, resumed.stderr).toBe(0);
    // Every gate once, but post 2 twice: it failed, and the resume ran it again before going on.
    expect(gatesLog(dir)).toEqual(['pre 1 of 3', 'post 1 of 3', 'pre 2 of 3', 'post 2 of 3', 'post 2 of 3', 'pre 3 of 3', 'post 3 of 3']);
    expect(worldOf(dir)).toEqual(SWAP_TARGET);
    for (const d of historyOf(dir)) expect(Object.values(h100Use(d)).every((n) => n <= 4)).toBe(true);
  }, 120_000);

  it('a one-wave plan runs the gates of wave 1', () => {
    const { dir } = project();
    // Only the first step of the swap (a leaves r1): one safe step, no waves.
    const base = JSON.parse(readFileSync(join(dir, 'one-wave.json'), 'utf8')) as Plan;
    const start = JSON.parse(readFileSync(join(dir, '.globe', 'exec-world.json'), 'utf8'));
    const plan = buildPlan({ spec: base.spec, current: start, placement: { ...base.placement, target: structuredClone(SWAP_WAVES[0]) }, globeVersion: base.globeVersion });
    expect(plan.waves).toBeUndefined();
    writeFileSync(join(dir, 'plan.json'), JSON.stringify(plan));
    const r = apply(dir);
    expect(r.code, r.stderr).toBe(0);
    expect(gatesLog(dir)).toEqual(['pre 1 of 1', 'post 1 of 1']);
    expect(r.stdout).not.toContain('Wave 1');
  }, 120_000);

  it('is declared in the DSL and YAML alike, and converting keeps it', () => {
    const text = `backend exec {\n  get_state = ["./h", "get-state"]\n  upsize = ["./h", "upsize"]\n  route = ["./h", "route"]\n  downsize = ["./h", "downsize"]\n  validate = ["./h", "validate", "--strict"]\n}\n`;
    const { spec } = specOf(text);
    expect(spec.backend).toMatchObject({ kind: 'exec', commands: { validate: ['./h', 'validate', '--strict'] } });
    expect(emitGlobe(spec)).toContain('validate = ["./h", "validate", "--strict"]');
    const yaml = loadYaml(emitYaml(spec), 'backend.yaml');
    expect(yaml.diagnostics.filter((d) => d.severity === 'error')).toEqual([]);
    expect(yaml.spec.backend).toEqual(spec.backend);
    expect(parseGlobe(emitGlobe(spec), 'again.globe').spec.backend).toEqual(spec.backend);
  });
});
