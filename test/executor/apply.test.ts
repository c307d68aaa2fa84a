import { spawn, spawnSync } from 'node:child_process';
import { chmodSync, cpSync, existsSync, mkdirSync, mkdtempSync, readFileSync, writeFileSync, readdirSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { canonicalJson } from '../../lang/canonical-json.js';
import { applyMove } from '../../schemas/apply-move.js';
import { planIdOf } from '../../schemas/digest.js';
import { checkInvariants, newViolations } from '../../schemas/invariants.js';
import { readJournal } from '../../executor/journal.js';
import { acquireLock } from '../../executor/lock.js';
import { emptyDeployment, type State } from '../../schemas/state.js';
import type { Plan } from '../../schemas/plan.js';
import { CLI, ensureBuilt, globe, ROOT } from '../support/cli.js';
import { copyExample } from '../support/examples.js';

function project(example: string): string {
  const dir = mkdtempSync(join(tmpdir(), `globe-apply-${example}-`));
  copyExample(join(ROOT, 'examples', example), dir);
  return dir;
}

function planTo(dir: string, file = join(dir, 'plan.json')): Plan {
  const r = globe(['plan', dir, '--out', file]);
  expect(r.code, r.stderr).toBe(0);
  return JSON.parse(readFileSync(file, 'utf8')) as Plan;
}

function state(dir: string): State {
  return JSON.parse(readFileSync(join(dir, '.globe', 'state.json'), 'utf8')) as State;
}

function deployment(s: State) {
  return { tenants: s.tenants, reservations: s.reservations, products: s.products, followers: s.followers };
}

/** A project with something deployed and a plan that upsizes, routes and downsizes two tenants. */
function changingProject(): string {
  const dir = project('quickstart');
  planTo(dir);
  expect(globe(['apply', join(dir, 'plan.json'), '--project', dir]).code).toBe(0);
  const file = join(dir, 'search.globe');
  writeFileSync(
    file,
    readFileSync(file, 'utf8')
      .replace('us-east = 900rps  us-west = 400rps', 'us-east = 100rps  us-west = 100rps')
      .replace('eu-west = 600rps', 'eu-west = 1800rps')
      .replace('batch { us-east = 2000rps }', 'batch { us-east = 3000rps }'),
  );
  return dir;
}

beforeAll(() => ensureBuilt());

describe('apply survives being killed at any point', () => {
  /** Each scenario: a project directory with its plan saved in plan.json, and the crash points to try. */
  const scenarios: Record<string, { make: () => string; points: string[] }> = {
    'fresh deploy': { make: () => project('quickstart'), points: ['before-execute', 'after-execute', 'after-complete'] },
    'change with downsizes': { make: changingProject, points: ['after-execute', 'after-complete'] },
  };

  for (const [name, { make, points }] of Object.entries(scenarios)) {
    it(`${name}: SIGKILL after every number of moves, then resume, ends where an uninterrupted apply ends`, () => {
      const template = make();
      const plan = planTo(template);
      expect(plan.moves.length).toBeGreaterThan(3);
      const copy = () => {
        const dir = mkdtempSync(join(tmpdir(), 'globe-crash-'));
        cpSync(template, dir, { recursive: true });
        return dir;
      };
      const reference = copy();
      expect(globe(['apply', join(reference, 'plan.json'), '--project', reference, '--parallelism', '1']).code).toBe(0);
      const expected = canonicalJson(deployment(state(reference)));
      const allowance = new Map(plan.diff.regions.map((r) => [`${r.region}\u0000${r.resource}`, r.before]));
      const byId = new Map(plan.moves.map((m) => [m.id, m]));
      const start = plan.basis.serial === 0 ? emptyDeployment() : deployment(state(template));

      for (const point of points) {
        for (let k = 1; k <= plan.moves.length; k++) {
          if (point === 'after-complete' && k === plan.moves.length) continue; // nothing left to resume
          const dir = copy();
          const killed = spawnSync(process.execPath, [CLI, 'apply', join(dir, 'plan.json'), '--project', dir, '--parallelism', '1'], {
            env: { ...process.env, CI: 'true', GLOBE_TEST_KILL_AT: `${k}:${point}` },
            encoding: 'utf8',
          });
          expect(killed.signal, `${point} ${k}`).toBe('SIGKILL');
          const resumed = globe(['apply', join(dir, 'plan.json'), '--project', dir, '--parallelism', '1']);
          expect(resumed.code, `${point} ${k}: ${resumed.stderr}`).toBe(0);
          expect(canonicalJson(deployment(state(dir))), `${point} ${k}`).toBe(expected);

          // Every state the journal says was reached keeps the invariant (or, where the
          // starting state already broke it after a demand change, does not make it worse).
          const journalDir = join(dir, '.globe', 'journal');
          // the journal of this plan: the one that names its moves (the template may hold an earlier one)
          const planId = planIdOf(plan);
          expect(readdirSync(journalDir)).toContain(`${planId}.jsonl`);
          const replay = readJournal(join(journalDir, `${planId}.jsonl`));
          let d = start;
          for (const r of replay.records) {
            if (r.type !== 'move' || r.status !== 'COMPLETE') continue;
            const before = checkInvariants(plan.spec, d, allowance);
            d = applyMove(d, byId.get(r.move)!);
            expect(newViolations(before, checkInvariants(plan.spec, d, allowance)), `${point} ${k} after ${r.move}`).toEqual([]);
          }
          if (plan.basis.serial === 0) expect(checkInvariants(plan.spec, d, allowance)).toEqual([]);
        }
      }
    }, 1_200_000); // only a hang guard: two stress runs at once on busy cores took 545 s
  }
});

describe('apply refuses what is not safe', () => {
  it('refuses a saved plan made against another state serial, and one whose project changed', () => {
    const dir = project('quickstart');
    planTo(dir, join(dir, 'old.json'));
    // Meanwhile someone else applies another change...
    const file = join(dir, 'search.globe');
    const original = readFileSync(file, 'utf8');
    writeFileSync(file, original.replace('eu-west = 600rps', 'eu-west = 700rps'));
    planTo(dir, join(dir, 'new.json'));
    expect(globe(['apply', join(dir, 'new.json'), '--project', dir]).code).toBe(0);
    writeFileSync(file, original);
    const stale = globe(['apply', join(dir, 'old.json'), '--project', dir]);
    expect(stale.code).toBe(1);
    expect(stale.stderr).toContain('Saved plan is stale');
    expect(stale.stderr).toContain('serial');

    const other = project('quickstart');
    planTo(other);
    writeFileSync(join(other, 'search.globe'), readFileSync(join(other, 'search.globe'), 'utf8').replace('priority = 100', 'priority = 90'));
    const edited = globe(['apply', join(other, 'plan.json'), '--project', other]);
    expect(edited.code).toBe(1);
    expect(edited.stderr).toContain("Saved plan is stale: the project's files");
  });

  it('refuses to apply a directory in CI without --auto-approve', () => {
    const dir = project('quickstart');
    const r = globe(['apply', dir], { env: { CI: 'true' } });
    expect(r.code).toBe(1);
    expect(r.stderr).toContain('refusing to apply without confirmation');
    expect(globe(['apply', dir, '--auto-approve']).code).toBe(0);
  });

  it('waits for the lock, then fails naming its holder; force-unlock needs the right ID', async () => {
    const dir = project('quickstart');
    planTo(dir);
    const lock = await acquireLock(join(dir, '.globe', 'state.json.lock'), 'apply', 1000);
    try {
      const blocked = globe(['apply', join(dir, 'plan.json'), '--project', dir, '--lock-timeout', '1s']);
      expect(blocked.code).toBe(1);
      expect(blocked.stderr).toContain(`lock ID ${lock.info.id}`);
      expect(blocked.stderr).toContain(lock.info.who);
      expect(globe(['force-unlock', 'not-the-id', dir]).code).toBe(1);
      const unlocked = globe(['force-unlock', lock.info.id, dir]);
      expect(unlocked.code).toBe(0);
      expect(globe(['apply', join(dir, 'plan.json'), '--project', dir]).code).toBe(0);
    } finally {
      await lock.release();
    }
  });
});

describe('apply with the exec backend', () => {
  /** The exec example with a hook wrapper that can fail, hang or log its concurrency. */
  /** `timeout`: the hooks' time limit; generous by default, so a loaded machine does not fail the run. */
  function execProject(timeout = '20s'): string {
    const dir = project('exec-backend');
    writeFileSync(
      join(dir, 'hooks', 'flaky.mjs'),
      `#!/usr/bin/env node
import { appendFileSync, existsSync } from 'node:fs';
import { spawn, spawnSync } from 'node:child_process';
const cmd = process.argv[2];
if (existsSync('fail-' + cmd)) { process.stderr.write('orchestrator said no to ' + cmd + '\\n'); process.exit(3); }
if (existsSync('hang-' + cmd)) { setTimeout(() => {}, 60000); }
else {
  const input = cmd === 'get-state' ? '' : await new Promise((r) => { let s = ''; process.stdin.on('data', (d) => (s += d)); process.stdin.on('end', () => r(s)); });
  if (cmd !== 'get-state') { appendFileSync('calls.log', 'start ' + Date.now() + '\\n'); await new Promise((r) => setTimeout(r, 600)); }
  const r = spawnSync('./hooks/globe-hook.mjs', [cmd], { input, encoding: 'utf8' });
  process.stdout.write(r.stdout); process.stderr.write(r.stderr);
  if (cmd !== 'get-state') appendFileSync('calls.log', 'end ' + Date.now() + '\\n');
  process.exit(r.status ?? 1);
}
`,
    );
    chmodSync(join(dir, 'hooks', 'flaky.mjs'), 0o755);
    writeFileSync(join(dir, 'backend.globe'), readFileSync(join(dir, 'backend.globe'), 'utf8').replaceAll('globe-hook.mjs', 'flaky.mjs').replace('timeout = 10s', `timeout = ${timeout}`));
    return dir;
  }

  it('stops on a failing hook with the move FAILED and its stderr in the journal, then resumes', () => {
    const dir = execProject();
    planTo(dir);
    writeFileSync(join(dir, 'fail-route'), '');
    const failed = globe(['apply', join(dir, 'plan.json'), '--project', dir]);
    expect(failed.code).toBe(1);
    expect(failed.stderr).toMatch(/move m\d+-route-search\/\w+ failed: the route hook failed \(exit code 3\): orchestrator said no to route/);
    const journalDir = join(dir, '.globe', 'journal');
    const replay = readJournal(join(journalDir, readdirSync(journalDir)[0]));
    const failure = replay.records.find((r) => r.type === 'move' && r.status === 'FAILED');
    expect(failure).toMatchObject({ stderr: 'orchestrator said no to route\n' });
    cpSync(join(dir, 'fail-route'), join(dir, 'unused'));
    spawnSync('rm', [join(dir, 'fail-route')]);
    const resumed = globe(['apply', join(dir, 'plan.json'), '--project', dir]);
    expect(resumed.code, resumed.stderr).toBe(0);
    expect(globe(['plan', dir, '--detailed-exitcode']).code).toBe(0);
  });

  it('stops a hook that hangs at its timeout', () => {
    const dir = execProject('2s');
    planTo(dir);
    writeFileSync(join(dir, 'hang-upsize'), '');
    const r = globe(['apply', join(dir, 'plan.json'), '--project', dir]);
    expect(r.code).toBe(1);
    expect(r.stderr).toContain('timed out after 2s');
  });

  it('explains a get_state hook that prints garbage', () => {
    const dir = execProject();
    writeFileSync(join(dir, 'hooks', 'globe-hook.mjs'), '#!/usr/bin/env node\nprocess.stdout.write("{not json");\n');
    const r = globe(['plan', dir]);
    expect(r.code).toBe(1);
    expect(r.stderr).toContain('the get_state hook printed something that is not JSON');
  });

  it('the example hook keeps every move when globe runs several at once', async () => {
    const dir = project('exec-backend');
    const moves = Array.from({ length: 12 }, (_, i) => ({
      id: `m${i}`,
      subject: { type: 'tenant', tenant: `t${i}` },
      region: 'us-east',
      resource: 'cpu',
      to: i + 1,
    }));
    const runs = moves.map(
      (move) =>
        new Promise<number | null>((resolve) => {
          const child = spawn(join(dir, 'hooks', 'globe-hook.mjs'), ['upsize'], { cwd: dir, stdio: ['pipe', 'ignore', 'ignore'] });
          child.on('close', resolve);
          child.stdin.end(JSON.stringify(move));
        }),
    );
    expect(await Promise.all(runs)).toEqual(moves.map(() => 0));
    const world = JSON.parse(readFileSync(join(dir, '.globe', 'exec-world.json'), 'utf8'));
    expect(world.serial).toBe(moves.length);
    for (const move of moves) expect(world.tenants[move.subject.tenant].replicas).toEqual({ 'us-east': { cpu: move.to } });
  });

  it('the example hook takes over the lock of a hook that was killed mid-update', () => {
    const dir = project('exec-backend');
    const gone = spawnSync(process.execPath, ['-e', 'process.stdout.write(String(process.pid))'], { encoding: 'utf8' });
    mkdirSync(join(dir, '.globe'), { recursive: true });
    writeFileSync(join(dir, '.globe', 'exec-world.json.lock'), gone.stdout); // its holder has exited
    const move = { id: 'm1', subject: { type: 'tenant', tenant: 't1' }, region: 'us-east', resource: 'cpu', to: 2 };
    const r = spawnSync(join(dir, 'hooks', 'globe-hook.mjs'), ['upsize'], { cwd: dir, input: JSON.stringify(move), encoding: 'utf8', timeout: 10_000 });
    expect(r.status, r.stderr).toBe(0);
    expect(JSON.parse(readFileSync(join(dir, '.globe', 'exec-world.json'), 'utf8')).tenants.t1.replicas).toEqual({ 'us-east': { cpu: 2 } });
    expect(existsSync(join(dir, '.globe', 'exec-world.json.lock'))).toBe(false);
  });

  it.each([1, 3])('runs at most --parallelism %i moves at once', (n) => {
    const dir = execProject();
    planTo(dir);
    expect(globe(['apply', join(dir, 'plan.json'), '--project', dir, '--parallelism', String(n)]).code).toBe(0);
    let running = 0;
    let peak = 0;
    const events = readFileSync(join(dir, 'calls.log'), 'utf8')
      .trim()
      .split('\n')
      .map((l) => l.split(' '))
      .map(([kind, t]) => ({ kind, t: Number(t) }))
      .sort((a, b) => a.t - b.t || (a.kind === 'end' ? -1 : 1));
    for (const e of events) {
      running += e.kind === 'start' ? 1 : -1;
      peak = Math.max(peak, running);
    }
    expect(peak).toBeLessThanOrEqual(n);
    if (n > 1) expect(peak).toBeGreaterThan(1);
  });
});
