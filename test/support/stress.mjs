#!/usr/bin/env node
/**
 * `npm run test:stress [-- --runs 10 --parallel 2]`: the suites that race
 * processes, locks and files (every suite of test/executor — apply, hooks, lock,
 * journal, exec, postgres — and the job queue's) run again
 * and again, two vitest runs at a time, so that a test depending on timing
 * shows up here rather than in someone's CI. Ends with one summary line; exits
 * non-zero if any run failed.
 */
import { spawn } from 'node:child_process';
import { readdirSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const ROOT = join(dirname(fileURLToPath(import.meta.url)), '..', '..');
// Every executor suite (apply, its faults and hooks, lock, journal, state, the backends) and the job
// queue's: the tests that race processes, locks and files. Read from the folder, so a new one is in.
const SUITES = [
  ...readdirSync(join(ROOT, 'test', 'executor'))
    .filter((n) => n.endsWith('.test.ts'))
    .sort()
    .map((n) => `test/executor/${n}`),
  'test/e2e/queue.test.ts',
];

function option(name, fallback) {
  const i = process.argv.indexOf(`--${name}`);
  if (i < 0) return fallback;
  const n = Number(process.argv[i + 1]);
  if (!Number.isInteger(n) || n < 1) {
    process.stderr.write(`--${name} must be a whole number ≥ 1\n`);
    process.exit(2);
  }
  return n;
}

const runs = option('runs', 10);
const parallel = option('parallel', 2);
const leftoverRunDirs = () => readdirSync(tmpdir()).filter((n) => n.startsWith('globe-test-run-')).length;

/** One vitest run of every suite; resolves with its outcome and the names of the tests that failed. */
function runOnce(index) {
  const started = Date.now();
  return new Promise((resolve) => {
    const child = spawn(process.execPath, [join(ROOT, 'node_modules', 'vitest', 'vitest.mjs'), 'run', ...SUITES], {
      cwd: ROOT,
      env: { ...process.env, CI: 'true', NO_COLOR: '1', FORCE_COLOR: '0' },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let out = '';
    child.stdout.on('data', (d) => (out += d));
    child.stderr.on('data', (d) => (out += d));
    child.on('close', (code) => {
      const lines = out.split('\n');
      const failed = [...new Set(lines.filter((l) => /^\s*FAIL\s/.test(l)).map((l) => l.trim()))].sort();
      // why: the first line of each error (an assertion, a time-out)
      const why = [...new Set(lines.filter((l) => /^(AssertionError|Error|TypeError):/.test(l.trim())).map((l) => l.trim().slice(0, 200)))];
      failed.push(...why.map((w) => `  ${w}`));
      const seconds = Math.round((Date.now() - started) / 1000);
      process.stdout.write(`run ${index + 1}/${runs}: ${code === 0 ? 'passed' : `FAILED (exit ${code})`} in ${seconds} s\n`);
      for (const f of failed) process.stdout.write(`  ${f}\n`);
      if (code !== 0 && failed.length === 0) process.stdout.write(out.split('\n').slice(-30).join('\n') + '\n');
      resolve({ code, failed, seconds });
    });
  });
}

const before = leftoverRunDirs();
const started = Date.now();
const results = [];
let next = 0;
await Promise.all(
  Array.from({ length: Math.min(parallel, runs) }, async () => {
    while (next < runs) results.push(await runOnce(next++));
  }),
);
const passed = results.filter((r) => r.code === 0).length;
const failures = [...new Set(results.flatMap((r) => r.failed))].sort();
const left = leftoverRunDirs() - before;
process.stdout.write(
  `stress: ${runs} runs of ${SUITES.length} suites, ${parallel} at a time: ${passed} passed, ${runs - passed} failed` +
    `${failures.length ? ` (${failures.join('; ')})` : ''}; ${Math.round((Date.now() - started) / 1000)} s; temporary run directories left: ${left}\n`,
);
process.exit(passed === runs && left === 0 ? 0 : 1);
