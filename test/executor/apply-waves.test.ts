/**
 * Issue 16, apply in waves: the swap that no single safe step reaches is
 * applied as a three-wave plan in one apply. Wave k+1 starts only after every
 * move of wave k is complete; each boundary is journalled once the state read
 * back is the wave's target; a kill between waves or in the middle of one is
 * resumed to the target, and no state the world passes through exceeds supply.
 * The binding check accepts the genuine plan and refuses edited ones.
 */
import { spawn } from 'node:child_process';
import { existsSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { applyPlan, PlanGraphError, type ApplyEvent, type ApplyOptions } from '../../executor/apply.js';
import { readJournal, type JournalRecord } from '../../executor/journal.js';
import { usageByRegion } from '../../schemas/invariants.js';
import { checkPlanAgainstState, PlanBindingError } from '../../executor/plan-binding.js';
import type { State } from '../../schemas/state.js';
import { buildPlan } from '../../planner/build-plan.js';
import type { Placement } from '../../schemas/placement.js';
import type { Plan } from '../../schemas/plan.js';
import { MemoryBackend, MemoryJournal } from '../support/apply-fixtures.js';
import { CLI, ensureBuilt, globe } from '../support/cli.js';
import { running } from '../support/fault-project.js';
import { until } from '../support/gated-exec.js';
import { journalValidator } from '../support/journal-schema.js';
import { specOf } from '../support/specs.js';
import { h100Use, historyOf, swapProject, SWAP_START, SWAP_TARGET, SWAP_WAVES, SWAP_WORLD, worldOf } from '../support/waves-project.js';

const { spec } = specOf(SWAP_WORLD);
const start: State = { version: 1, lineage: 'swap-world', serial: 3, ...structuredClone(SWAP_START) } as State;
const placement = { version: 1, target: SWAP_TARGET, failover: {}, unserved: {}, unservedProducts: {}, usage: {}, solver: { status: 'optimal', objective: 0, gap: 0, seconds: 0 } } as unknown as Placement;
const swapPlan = (intermediate = SWAP_WAVES): Plan => buildPlan({ spec, current: start, placement: structuredClone(placement), globeVersion: '0.1.0', intermediate: structuredClone(intermediate) });
const options = (o: Partial<ApplyOptions> = {}): ApplyOptions => ({ parallelism: 4, retries: 0, retryWaitMs: 0, ...o });
const withinSupply = (d: Parameters<typeof h100Use>[0]) => Object.values(h100Use(d)).every((n) => n <= 4);

describe('apply runs a multi-wave plan wave after wave (engine)', () => {
  it('the swap reaches its target in one apply; no move of a wave starts before the wave before it is complete', async () => {
    const plan = swapPlan();
    expect(plan.waves?.length).toBe(3);
    // Moves of one wave that do not depend on each other finish out of order.
    const backend = new MemoryBackend(start, { delayMs: (m) => (m.id.includes('downsize') ? 5 : 1) });
    const journal = new MemoryJournal();
    const events: ApplyEvent[] = [];
    const outcome = await applyPlan(plan, backend, journal, 'p', options({ binding: { spec, derivePlan: buildPlan }, onEvent: (e) => events.push(e) }));
    expect(outcome).toEqual({ outcome: 'complete', completed: plan.moves.length });
    const final = backend.history.at(-1)!;
    expect(final.tenants['s/a']).toMatchObject({ replicas: { r2: { h100: 4 } }, routing: { q: { r2: { r2: 1 } } } });
    expect(final.tenants['s/b']).toMatchObject({ replicas: { r1: { h100: 4 } }, routing: { q: { r1: { r1: 1 } } } });
    for (const d of backend.history) for (const used of usageByRegion(spec, d).values()) expect(used).toBeLessThanOrEqual(4);
    // The backend's log: the last end of wave k comes before the first start of wave k+1.
    const waveOfId = new Map(plan.moves.map((m) => [m.id, m.wave!]));
    for (let k = 1; k < 3; k++) {
      const lastEnd = backend.log.findLastIndex((l) => l.startsWith('end ') && waveOfId.get(l.slice(4)) === k);
      const firstStart = backend.log.findIndex((l) => l.startsWith('start ') && waveOfId.get(l.slice(6)) === k + 1);
      expect(lastEnd).toBeLessThan(firstStart);
    }
    const boundaries = journal.records.filter((r) => r.type === 'wave').map((r) => `${(r as { wave: number }).wave} ${(r as { status: string }).status}`);
    expect(boundaries).toEqual(['1 started', '1 complete', '2 started', '2 complete', '3 started', '3 complete']);
    expect(events.filter((e) => e.type === 'wave-done').map((e) => (e as { wave: number }).wave)).toEqual([1, 2, 3]);
    const { validate, errors } = journalValidator();
    for (const rec of journal.records) expect(validate(rec), `${JSON.stringify(rec)}: ${errors()}`).toBe(true);
  });

  it('a state read back at a boundary that is not the wave’s target stops the apply there, the journal intact', async () => {
    const plan = swapPlan();
    // What the wave's moves reach is not what the (edited) wave says: something else is going on.
    plan.waves![0].target.tenants['s/b'].replicas = { r2: { h100: 3 } };
    const backend = new MemoryBackend(start);
    const journal = new MemoryJournal();
    const outcome = await applyPlan(plan, backend, journal, 'p', options());
    expect(outcome).toEqual({
      outcome: 'stopped',
      wave: 1,
      reason: "after wave 1, the state read back from the backend is not the wave's target: s/b has 4 replicas on h100 in r2, the wave's target 3. Something else changed the state, or a hook did not do what its move asked",
    });
    expect(journal.records.some((r) => r.type === 'wave' && r.status === 'complete')).toBe(false);
    expect(backend.log.some((l) => l.includes('w2-'))).toBe(false);
    // Resumed, it reads the state again and stops at the same boundary: nothing of wave 2 runs.
    const again = await applyPlan(plan, backend, journal, 'p', options());
    expect(again).toMatchObject({ outcome: 'stopped', wave: 1 });
    expect(backend.log.some((l) => l.includes('w2-'))).toBe(false);
  });

  it('stopped (Ctrl-C) once wave 1’s moves are done: nothing of wave 2 starts, and the resume starts at wave 2', async () => {
    const plan = swapPlan();
    const backend = new MemoryBackend(start);
    const journal = new MemoryJournal();
    const wave1 = plan.moves.filter((m) => m.wave === 1).map((m) => m.id);
    const first = await applyPlan(plan, backend, journal, 'p', options({ shouldStop: () => wave1.every((id) => journal.statusesOf(id).includes('COMPLETE')) }));
    expect(first).toMatchObject({ outcome: 'interrupted', completed: wave1.length });
    expect(backend.log.some((l) => l.includes('w2-'))).toBe(false);
    const second = await applyPlan(plan, backend, journal, 'p', options());
    expect(second).toEqual({ outcome: 'complete', completed: plan.moves.length });
    // Each boundary recorded once: wave 1's by the first attempt, the others by the resume.
    expect(journal.records.filter((r) => r.type === 'wave' && r.status === 'complete').map((r) => (r as { wave: number }).wave)).toEqual([1, 2, 3]);
    expect(journal.records.filter((r) => r.type === 'wave' && r.status === 'started').map((r) => (r as { wave: number }).wave)).toEqual([1, 2, 3]);
  });
});

describe('a plan whose waves apply cannot schedule is refused before anything runs', () => {
  const refused = async (edit: (p: Plan) => void) => {
    const plan = swapPlan();
    edit(plan);
    const backend = new MemoryBackend(start);
    const error = await applyPlan(plan, backend, new MemoryJournal(), 'p', options()).then(
      () => undefined,
      (e: Error) => e,
    );
    expect(backend.log).toEqual([]);
    return error;
  };

  it('a move waiting for a move of a later wave', async () => {
    const e = await refused((p) => {
      const first = p.moves.find((m) => m.wave === 1)!;
      first.dependsOn.push(p.moves.find((m) => m.wave === 2)!.id);
    });
    expect(e).toBeInstanceOf(PlanGraphError);
    expect(e!.message).toMatch(/^the plan cannot be applied: its move w1-m001-\S+ \(wave 1\) depends on w2-m\d+-\S+, a move of a later wave\. Was it edited\? Plan again\.$/);
  });

  it('a move of a wave the plan does not have', async () => {
    const e = await refused((p) => (p.moves[0].wave = 4));
    expect(e!.message).toBe(`the plan cannot be applied: its move ${swapPlan().moves[0].id} names wave 4, not one of its 3 waves. Was it edited? Plan again.`);
  });
});

describe('the binding check of a saved multi-wave plan', () => {
  const refusal = (plan: Plan) => {
    try {
      checkPlanAgainstState(plan, { spec, derivePlan: buildPlan }, start);
      return undefined;
    } catch (e) {
      expect(e).toBeInstanceOf(PlanBindingError);
      return (e as Error).message;
    }
  };

  it('accepts the genuine plan: its moves re-derived through its own wave targets', () => {
    expect(refusal(swapPlan())).toBeUndefined();
  });

  it('refuses a wave target over supply', () => {
    const plan = swapPlan();
    plan.waves![1].target.tenants['s/b'].replicas = { r1: { h100: 5 } };
    expect(refusal(plan)).toBe('the plan cannot be applied: wave 2: its target uses 5 h100 in r1, more than its supply of 4. Was the plan file edited? Plan again.');
  });

  it('refuses moves that are not the ones its waves call for', () => {
    const plan = swapPlan();
    const i = plan.moves.findIndex((m) => m.wave === 2 && m.kind === 'upsize');
    plan.moves[i] = { ...plan.moves[i], to: 3 } as Plan['moves'][number];
    expect(refusal(plan)).toMatch(/^the plan cannot be applied: its move \d+ \(w2-m\d+-upsize-s\/b-r1-h100\) is not the one its target and the current state call for \(w2-m\d+-upsize-s\/b-r1-h100, with other values\)/);
  });

  it('refuses a wave that holds more than the supply while it runs (Σ max(before, after))', () => {
    // `a` leaves r1 while `b` comes into it, in one wave: 4 + 4 h100 in r1 if b's upsize lands first.
    const plan = swapPlan([SWAP_WAVES[1]]);
    expect(plan.waves?.length).toBe(2);
    expect(refusal(plan)).toBe(
      'the plan cannot be applied: its wave 1 holds up to 8 h100 in r1 while it runs (the sum over everything placed there of the larger of before and after), more than its supply of 4. Was the plan file edited? Plan again.',
    );
  });

  it('refuses a plan whose waves were dropped or whose reasons were rewritten', () => {
    const dropped = swapPlan();
    delete dropped.waves;
    expect(refusal(dropped)).toMatch(/^the plan cannot be applied: /);
    const reworded = swapPlan();
    reworded.waves![0].reason = 'nothing to see here';
    expect(refusal(reworded)).toBe(
      "the plan cannot be applied: its waves are not the ones its wave targets, its target and the current state give (each wave's regions and reason are derived from them, and the last wave ends at the plan's target). Was the plan file edited? Plan again.",
    );
  });
});

describe('globe apply of the swap on the exec backend', () => {
  const dirs: string[] = [];
  const pids: number[] = [];
  beforeAll(() => ensureBuilt());
  afterAll(() => {
    for (const pid of pids) if (running(pid)) process.kill(pid, 'SIGKILL');
    for (const d of dirs) rmSync(d, { recursive: true, force: true });
  });

  const project = () => {
    const p = swapProject();
    dirs.push(p.dir);
    return p;
  };
  const apply = (dir: string, env: NodeJS.ProcessEnv = {}) => globe(['apply', join(dir, 'plan.json'), '--project', dir], { env });
  const journalOf = (dir: string): JournalRecord[] => {
    const journalDir = join(dir, '.globe', 'journal');
    return readdirSync(journalDir).flatMap((f) => readJournal(join(journalDir, f)).records);
  };

  it('completes in one apply: nothing unserved at the end, every state on the way within supply', () => {
    const { dir, plan } = project();
    const r = apply(dir);
    expect(r.code, r.stderr).toBe(0);
    expect(r.stdout).toContain('Wave 1 of 3: starting.');
    expect(r.stdout).toContain("Wave 3 of 3: complete; the state read back is the wave's target.");
    expect(r.stdout).toContain(`Apply complete: ${plan.moves.length} moves — `);
    expect(worldOf(dir)).toEqual(SWAP_TARGET);
    const history = historyOf(dir);
    expect(history.length).toBe(plan.moves.length);
    for (const d of history) expect(withinSupply(d), JSON.stringify(h100Use(d))).toBe(true);
    expect(globe(['plan', dir]).stdout).toContain('No changes.');
  }, 120_000);

  it('killed between waves (every move of wave 1 done, its boundary not yet checked), the resume reaches the target', () => {
    const { dir, plan } = project();
    const killed = apply(dir, { GLOBE_TEST_KILL_AT: '1:wave-boundary' });
    expect(killed.code).not.toBe(0);
    const wave1 = plan.moves.filter((m) => m.wave === 1);
    expect(historyOf(dir).length).toBe(wave1.length);
    expect(journalOf(dir).some((r) => r.type === 'wave' && r.status === 'complete')).toBe(false);
    const resumed = apply(dir);
    expect(resumed.code, resumed.stderr).toBe(0);
    expect(resumed.stdout).toContain(`Resuming: ${wave1.length} moves already complete.`);
    expect(resumed.stdout).toContain('Wave 1 of 3: complete');
    expect(worldOf(dir)).toEqual(SWAP_TARGET);
    for (const d of historyOf(dir)) expect(withinSupply(d), JSON.stringify(h100Use(d))).toBe(true);
    const waveRecords = journalOf(dir).filter((r) => r.type === 'wave' && r.status === 'complete');
    expect(waveRecords.map((r) => (r as { wave: number }).wave)).toEqual([1, 2, 3]);
  }, 120_000);

  it('killed in the middle of wave 2 (a move’s hook held), the resume finishes wave 2 and wave 3', async () => {
    const { dir, plan } = project();
    const heldMove = plan.moves.find((m) => m.wave === 2 && m.kind === 'route')!;
    writeFileSync(join(dir, 'hold'), heldMove.id);
    const child = spawn(process.execPath, [CLI, 'apply', join(dir, 'plan.json'), '--project', dir], { env: { ...process.env, CI: 'true', NO_COLOR: '1' } });
    const exited = new Promise<void>((resolve) => child.on('close', () => resolve()));
    await until(() => existsSync(join(dir, 'held')), 'the held move’s hook to start');
    pids.push(Number(readFileSync(join(dir, 'held'), 'utf8')));
    child.kill('SIGKILL');
    await exited;
    const before = journalOf(dir);
    expect(before.some((r) => r.type === 'wave' && r.wave === 1 && r.status === 'complete')).toBe(true);
    expect(before.some((r) => r.type === 'move' && r.move === heldMove.id && r.status === 'RUNNING')).toBe(true);
    writeFileSync(join(dir, 'release'), '');
    const resumed = apply(dir);
    expect(resumed.code, resumed.stderr).toBe(0);
    expect(worldOf(dir)).toEqual(SWAP_TARGET);
    for (const d of historyOf(dir)) expect(withinSupply(d), JSON.stringify(h100Use(d))).toBe(true);
    const { validate, errors } = journalValidator();
    for (const rec of journalOf(dir)) expect(validate(rec), `${JSON.stringify(rec)}: ${errors()}`).toBe(true);
  }, 120_000);
});
