/**
 * The CI recipe (examples/ci/globe.yml) run as its steps run there: examples/ci/globe-ci.sh against
 * a throwaway PostgreSQL (the backend a fresh runner needs), with GitHub's `gh` replaced by a stub
 * on PATH (test/support/fake-gh.mjs) that records its calls and keeps the comments and artifacts.
 */
import { spawn, spawnSync } from 'node:child_process';
import { cpSync, existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parse as parseYaml } from 'yaml';
import type { Plan } from '../../schemas/plan.js';
import { PostgresBackend } from '../../executor/backends/postgres.js';
import { CLI, ensureBuilt, globe, ROOT } from '../support/cli.js';
import { startCluster, type Cluster } from '../../bench/throwaway-postgres.js';
import { copyExample } from '../support/examples.js';

const SCRIPT = join(ROOT, 'examples', 'ci', 'globe-ci.sh');
let cluster: Cluster;
let work: string;

beforeAll(async () => {
  ensureBuilt();
  cluster = await startCluster();
  work = mkdtempSync(join(tmpdir(), 'globe-ci-recipe-'));
}, 120_000);

afterAll(() => {
  cluster?.stop();
  if (work) rmSync(work, { recursive: true, force: true });
});

/** A checkout: the quickstart project in `project/` on the postgres backend, and a stub `gh` first on PATH. */
function checkout(name: string) {
  const repo = join(work, name);
  const stub = join(repo, '.stub');
  mkdirSync(join(stub, 'bin'), { recursive: true });
  symlinkSync(join(ROOT, 'test', 'support', 'fake-gh.mjs'), join(stub, 'bin', 'gh'));
  copyExample(join(ROOT, 'examples', 'quickstart'), join(repo, 'project'));
  writeFileSync(join(repo, 'project', 'backend.globe'), `backend postgres { url_env = GLOBE_PG_URL  schema = ${name} }\n`);
  const env = {
    ...process.env,
    PATH: `${join(stub, 'bin')}:${process.env.PATH}`,
    GH_STUB_DIR: stub,
    GLOBE: `${process.execPath} ${CLI}`,
    GLOBE_DIR: 'project',
    GLOBE_PG_URL: cluster.url,
    GITHUB_REPOSITORY: 'acme/capacity',
    PR_NUMBER: '7',
    NO_COLOR: '1',
    CI: 'true',
  };
  const run = (step: string, extra: Record<string, string> = {}) => {
    const r = spawnSync('bash', [SCRIPT, step], { cwd: repo, env: { ...env, ...extra }, encoding: 'utf8', timeout: 120_000 });
    return { code: r.status ?? -1, stdout: r.stdout, stderr: r.stderr };
  };
  const calls = (): string[][] => (existsSync(join(stub, 'calls.jsonl')) ? readFileSync(join(stub, 'calls.jsonl'), 'utf8').trim().split('\n').map((l) => JSON.parse(l)) : []);
  const comments = (): { id: number; issue: number; body: string }[] => (existsSync(join(stub, 'comments.json')) ? JSON.parse(readFileSync(join(stub, 'comments.json'), 'utf8')) : []);
  /** What actions/upload-artifact does in the workflow: keep plan.json as run `runId`'s artifact for commit `sha`. */
  const upload = (runId: number, sha: string) => {
    mkdirSync(join(stub, 'artifacts', String(runId), 'globe-plan'), { recursive: true });
    cpSync(join(repo, 'plan.json'), join(stub, 'artifacts', String(runId), 'globe-plan', 'plan.json'));
    const runsFile = join(stub, 'runs.json');
    const runs = existsSync(runsFile) ? JSON.parse(readFileSync(runsFile, 'utf8')) : [];
    writeFileSync(runsFile, JSON.stringify([{ databaseId: runId, commit: sha, event: 'pull_request', status: 'success' }, ...runs]));
  };
  expect(globe(['init', join(repo, 'project')], { env: { GLOBE_PG_URL: cluster.url } }).code).toBe(0);
  return { repo, env, run, calls, comments, upload };
}

const method = (call: string[]) => (call[0] === 'api' ? (call.includes('--method') ? call[call.indexOf('--method') + 1] : 'GET') : call.slice(0, 2).join(' '));
const MARKER = /^<!-- globe-plan dir=project plan=([0-9a-f]{12}) -->\n/;

describe('the CI recipe: examples/ci/globe-ci.sh as the workflow runs it', () => {
  it('posts the comment once, updates it in place on a re-push, saves plan.json, and applies that artifact after the merge', () => {
    const ci = checkout('recipe');
    const first = ci.run('plan');
    expect(first.code, first.stderr).toBe(0);
    expect(ci.calls().map(method)).toEqual(['GET', 'POST']);
    expect(ci.comments()).toHaveLength(1);
    const posted = ci.comments()[0];
    expect(posted.issue).toBe(7);
    expect(posted.body).toMatch(MARKER);
    expect(posted.body).toContain('## globe plan');
    const plan1 = readFileSync(join(ci.repo, 'plan.json'), 'utf8');
    expect((JSON.parse(plan1) as Plan).moves.length).toBeGreaterThan(0);
    ci.upload(1, 'sha-1');

    // a re-push with a changed intent: the same comment, edited, with the new plan's id
    const search = join(ci.repo, 'project', 'search.globe');
    writeFileSync(search, readFileSync(search, 'utf8').replace('us-east = 900rps', 'us-east = 1200rps'));
    const second = ci.run('plan');
    expect(second.code, second.stderr).toBe(0);
    expect(ci.calls().map(method)).toEqual(['GET', 'POST', 'GET', 'PATCH']);
    expect(ci.calls()[3]).toContain(`repos/acme/capacity/issues/comments/${posted.id}`);
    expect(ci.comments()).toHaveLength(1);
    const updated = ci.comments()[0].body;
    expect(updated).toMatch(MARKER);
    expect(MARKER.exec(updated)![1]).not.toBe(MARKER.exec(posted.body)![1]);
    const plan2 = readFileSync(join(ci.repo, 'plan.json'), 'utf8');
    expect(plan2).not.toBe(plan1);
    ci.upload(2, 'sha-2');

    // after the merge: the artifact of the head commit's plan run, byte for byte, is what is applied
    rmSync(join(ci.repo, 'plan.json'));
    const fetched = ci.run('fetch-plan', { HEAD_SHA: 'sha-2' });
    expect(fetched.code, fetched.stderr).toBe(0);
    expect(readFileSync(join(ci.repo, 'plan.json'), 'utf8')).toBe(plan2);
    const applied = ci.run('apply');
    expect(applied.code, applied.stderr).toBe(0);
    expect(applied.stdout).toMatch(/^Apply complete: \d+ moves — /m);
    // the world in PostgreSQL is now what was reviewed: planning again changes nothing
    expect(globe(['plan', join(ci.repo, 'project'), '--detailed-exitcode'], { env: { GLOBE_PG_URL: cluster.url } }).code).toBe(0);
    // and the older artifact is refused: the state it was planned against is gone
    ci.run('fetch-plan', { HEAD_SHA: 'sha-1' });
    const stale = ci.run('apply');
    expect(stale.code).toBe(1);
    expect(stale.stderr).toMatch(/stale|changed/i);
  });

  it('a plan that breaks a promise fails the job with exit 3, and the comment says so', () => {
    const ci = checkout('broken');
    const search = join(ci.repo, 'project', 'search.globe');
    writeFileSync(search, readFileSync(search, 'utf8').replace('us-east = 2000rps', 'us-east = 900000rps'));
    const r = ci.run('plan');
    expect(r.code).toBe(3);
    expect(r.stderr).toContain('--fail-on all');
    expect(ci.comments()).toHaveLength(1);
    expect(ci.comments()[0].body).toMatch(MARKER);
    expect(ci.comments()[0].body).toMatch(/unserved/i);
    // the plan is still saved (for the record), but apply refuses it for the same promise
    expect(existsSync(join(ci.repo, 'plan.json'))).toBe(true);
    const apply = ci.run('apply');
    expect(apply.code).toBe(3);
  });

  it('a plan that finds the shared state locked says who holds it, waits, and goes on once it is released', async () => {
    const ci = checkout('waiting');
    const backend = new PostgresBackend(cluster.url, 'waiting');
    const held = await backend.lock('apply', 0);
    let released = false;
    try {
      const child = spawn('bash', [SCRIPT, 'plan'], { cwd: ci.repo, env: ci.env, stdio: ['ignore', 'pipe', 'pipe'] });
      const exited = new Promise<number>((resolve) => child.on('close', (code) => resolve(code ?? -1)));
      let stderr = '';
      await new Promise<void>((resolve, reject) => {
        child.stderr.on('data', (d) => {
          stderr += d;
          if (/Waiting for the state lock[^\n]*\n/.test(stderr)) resolve();
        });
        child.on('close', () => reject(new Error(`the plan ended without waiting:\n${stderr}`)));
      });
      expect(stderr).toContain(`Waiting for the state lock held by ${held.info.who} (pid ${process.pid}, apply) since ${held.info.since}…`);
      await held.release();
      released = true;
      expect(await exited, stderr).toBe(0);
      expect(ci.comments()).toHaveLength(1);
    } finally {
      if (!released) await held.release();
      await backend.close();
    }
  });

  it('the workflow runs these steps: plan on a pull request, keep plan.json as the artifact fetch-plan asks for, apply after the merge', () => {
    type Step = { run?: string; uses?: string; with?: Record<string, unknown>; if?: string };
    const wf = parseYaml(readFileSync(join(ROOT, 'examples', 'ci', 'globe.yml'), 'utf8')) as { jobs: Record<string, { if: string; steps: Step[] }> };
    const runs = (job: string) => wf.jobs[job].steps.filter((s) => s.run?.startsWith('examples/ci/globe-ci.sh')).map((s) => s.run);
    expect(runs('plan')).toEqual(['examples/ci/globe-ci.sh plan']);
    expect(runs('apply')).toEqual(['examples/ci/globe-ci.sh fetch-plan', 'examples/ci/globe-ci.sh apply']);
    const upload = wf.jobs.plan.steps.find((s) => s.uses?.startsWith('actions/upload-artifact'))!;
    expect(upload.with).toMatchObject({ name: 'globe-plan', path: 'plan.json' });
    expect(wf.jobs.apply.if).toContain('merged');
  });

  it('fetch-plan refuses when the head commit has no successful plan run', () => {
    const ci = checkout('nothing');
    const r = ci.run('fetch-plan', { HEAD_SHA: 'sha-unknown' });
    expect(r.code).toBe(1);
    expect(r.stderr).toContain('no successful plan run for sha-unknown');
  });

  it('a project with errors gets an error comment, and its annotations go to the runner, not into the comment', () => {
    const ci = checkout('errors');
    writeFileSync(join(ci.repo, 'project', 'search.globe'), `${readFileSync(join(ci.repo, 'project', 'search.globe'), 'utf8')}\nservice oops { tenant t { priority = lots } }\n`);
    const r = ci.run('plan', { GITHUB_ACTIONS: 'true' });
    expect(r.code).toBe(1);
    const body = ci.comments()[0].body;
    expect(body).toMatch(/^<!-- globe-plan dir=project plan=none -->\n/);
    expect(body).toContain('```');
    expect(body).toContain('search.globe');
    expect(body.split('\n').filter((l) => l.startsWith('::'))).toEqual([]);
    expect(r.stdout).toMatch(/^::error file=[^,]*search\.globe,line=\d+,col=\d+::/m);
  });
});
