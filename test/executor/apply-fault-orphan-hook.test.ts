/**
 * Issue 14, finding 1: a killed apply's exec hook must not undo the resume.
 * globe is SIGKILLed while a move's hook is held (a `max_surge` tenant whose
 * later round sets the same key again), the apply is resumed to completion,
 * and only then is the held hook let go. Before the fix it then wrote its
 * older absolute target over the resumed one. Three guards, each tested with
 * the ones before it switched off: the reaper kills the hook once globe is
 * gone; a resume kills any hook of an earlier attempt the journal shows still
 * running before it re-runs anything; and a hook that escaped both (a session
 * of its own) carries an older `attempt`, which the example hook refuses.
 */
import { spawn } from 'node:child_process';
import { existsSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { readJournal } from '../../executor/journal.js';
import { CLI, ensureBuilt, globe } from '../support/cli.js';
import { appliedGlobalExec, escapedResult, gatePid, running, surgeScenario, worldOf } from '../support/fault-project.js';
import { until } from '../support/gated-exec.js';
import { journalValidator } from '../support/journal-schema.js';
import { readdirSync } from 'node:fs';

let template = '';
const dirs: string[] = [];
const pids: number[] = [];

beforeAll(() => {
  ensureBuilt();
  template = appliedGlobalExec();
  dirs.push(template);
}, 120_000);

afterAll(() => {
  for (const pid of pids) if (running(pid)) process.kill(pid, 'SIGKILL');
  for (const d of dirs) rmSync(d, { recursive: true, force: true });
});

function startApply(dir: string, env: NodeJS.ProcessEnv = {}) {
  const child = spawn(process.execPath, [CLI, 'apply', join(dir, 'plan.json'), '--project', dir, '--parallelism', '1'], { env: { ...process.env, CI: 'true', NO_COLOR: '1', ...env } });
  let stderr = '';
  child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
  const exited = new Promise<{ code: number | null; stderr: string }>((resolve) => child.on('close', (code) => resolve({ code, stderr })));
  return { child, exited };
}

/** Start the apply, wait until the held move's hook is waiting at the gate, SIGKILL globe. */
async function killDuringHeldMove(dir: string, env: NodeJS.ProcessEnv = {}, signal: NodeJS.Signals = 'SIGKILL'): Promise<number> {
  return (await signalDuringHeldMove(dir, env, signal)).hook;
}

async function signalDuringHeldMove(dir: string, env: NodeJS.ProcessEnv, signal: NodeJS.Signals) {
  const apply = startApply(dir, env);
  await until(() => existsSync(join(dir, 'gate-waiting')), 'the held move’s hook to start');
  const hook = gatePid(dir);
  pids.push(hook);
  apply.child.kill(signal);
  return { hook, ...(await apply.exited) };
}

function resume(dir: string) {
  return globe(['apply', join(dir, 'plan.json'), '--project', dir, '--parallelism', '1']);
}

function journalRecords(dir: string) {
  const journalDir = join(dir, '.globe', 'journal');
  const [file] = readdirSync(journalDir);
  return readJournal(join(journalDir, file)).records;
}

describe('a hook left running by a killed apply never undoes the resume', () => {
  it('SIGKILL during a held move, resume to completion, then let the hook go: the world is the plan’s target', async () => {
    const { dir, plan } = surgeScenario(template);
    dirs.push(dir);
    const hook = await killDuringHeldMove(dir);
    const resumed = resume(dir);
    expect(resumed.code, resumed.stderr).toBe(0);
    expect(resumed.stdout).toContain('Apply complete');
    writeFileSync(join(dir, 'gate-open'), '');
    await until(() => !running(hook), 'the held hook to be gone', 120_000);
    expect(worldOf(dir)).toEqual(plan.placement.target);
  }, 120_000);

  it('the reaper: once globe is gone its hook is killed (no resume needed)', async () => {
    const { dir } = surgeScenario(template);
    dirs.push(dir);
    const hook = await killDuringHeldMove(dir);
    await until(() => !running(hook), 'the reaper to kill the hook of the dead globe', 120_000);
  }, 120_000);

  it('a CI runner’s SIGTERM: globe stops the hook, says so, exits 143; the resume ends at the target', async () => {
    const { dir, plan } = surgeScenario(template);
    dirs.push(dir);
    const r = await signalDuringHeldMove(dir, { GLOBE_TEST_NO_REAPER: '1' }, 'SIGTERM');
    expect(r.code).toBe(143);
    expect(r.stderr).toContain('Terminated: the running moves were abandoned (their hooks were stopped); the next apply re-checks them.');
    await until(() => !running(r.hook), 'the hook to be stopped', 120_000);
    const resumed = resume(dir);
    expect(resumed.code, resumed.stderr).toBe(0);
    writeFileSync(join(dir, 'gate-open'), '');
    expect(worldOf(dir)).toEqual(plan.placement.target);
  }, 120_000);

  it('without the reaper: the resume kills the hook of the earlier attempt, recorded in the journal, before re-running anything', async () => {
    const { dir, plan, held } = surgeScenario(template);
    dirs.push(dir);
    const hook = await killDuringHeldMove(dir, { GLOBE_TEST_NO_REAPER: '1' });
    expect(running(hook)).toBe(true); // nothing stopped it: the first guard is off
    const hookRecord = journalRecords(dir).find((r) => r.type === 'hook' && r.move === held.id);
    expect(hookRecord).toMatchObject({ type: 'hook', move: held.id });
    const resumed = resume(dir);
    expect(resumed.code, resumed.stderr).toBe(0);
    expect(resumed.stdout).toContain(`Stopped the hooks an earlier apply left running (moves ${held.id}) before running anything again.`);
    expect(running(hook)).toBe(false);
    writeFileSync(join(dir, 'gate-open'), '');
    expect(worldOf(dir)).toEqual(plan.placement.target);
    // every record, the new ones included, is a journal record of the schema
    const { validate, errors } = journalValidator();
    for (const rec of journalRecords(dir)) expect(validate(rec), `${JSON.stringify(rec)}: ${errors()}`).toBe(true);
  }, 120_000);

  it('a hook that escaped its process group writes late with an older attempt, and the example hook refuses it', async () => {
    const { dir, plan, held } = surgeScenario(template);
    dirs.push(dir);
    writeFileSync(join(dir, 'gate-escape'), '');
    const escaped = await killDuringHeldMove(dir, { GLOBE_TEST_NO_REAPER: '1' });
    const resumed = resume(dir);
    expect(resumed.code, resumed.stderr).toBe(0);
    expect(running(escaped)).toBe(true); // out of reach of every kill
    writeFileSync(join(dir, 'gate-open'), '');
    await until(() => escapedResult(dir) !== undefined, 'the escaped hook to try its late write', 120_000);
    expect(escapedResult(dir)).toMatch(new RegExp(`^exit 3: refused a stale write: ${held.id} carries attempt \\d+, but attempt \\d+ has already set tenant:inference/ranker/${held.region}/${held.resource}\\n$`));
    expect(worldOf(dir)).toEqual(plan.placement.target);
  }, 120_000);
});
