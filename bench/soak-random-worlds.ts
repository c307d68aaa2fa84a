/**
 * Soak: many random worlds (bench/worlds/random-world.ts) through the planner in one process,
 * one solver pool for all of them. Every world must end in a placement the independent checker
 * accepts, or a diagnostic; every `--reference-every`-th small world is also compared with the
 * exact reference (bench/worlds/reference-model.ts: no tenant DR, cost only, gap 0).
 *
 *   npm run soak:worlds -- --worlds 100000 --seed 1 [--minutes 50] [--reference-every 20]
 *                          [--explain-every 10] [--concurrency 2] [--out FILE]
 *
 * Every `--explain-every`-th world is planned with its findings' reasons searched (planner/reasons),
 * the others with their findings but no reason search (`explainTenants: 0`): the searches are ~70% of
 * a small world's planning time, and what the soak asserts is the placement. `--concurrency N` plans N
 * worlds at once on a pool of N solver threads (one per core); which worlds are planned, and how, does
 * not depend on it.
 *
 * It prints a line per 1,000 worlds, every failure when it is found (with the seed and index that
 * reproduce it and the world's text), and at the end (or at the time limit) the count reached. A failure
 * does not stop the soak; the exit code is 1 if there was one.
 */
import { writeFileSync } from 'node:fs';
import { parseArgs } from 'node:util';
import fc from 'fast-check';
import { solverPool } from '../planner/solve/solve.js';
import { firstDifference, plannerStages } from './worlds/compare-reference.js';
import { planWorld, REFERENCE_PLANNING, type WorldOutcome } from './worlds/plan-world.js';
import { solveReference } from './worlds/reference-model.js';
import { drModes, SMALL_WORLDS, worldShape, type WorldShape } from './worlds/random-world.js';

const { values } = parseArgs({
  options: {
    worlds: { type: 'string', default: '100000' },
    seed: { type: 'string', default: '1' },
    minutes: { type: 'string' },
    'reference-every': { type: 'string', default: '20' },
    'explain-every': { type: 'string', default: '10' },
    concurrency: { type: 'string', default: '1' },
    out: { type: 'string' },
  },
});
const total = Number(values.worlds);
const seed = Number(values.seed);
const deadline = values.minutes ? Date.now() + Number(values.minutes) * 60_000 : Infinity;
const referenceEvery = Number(values['reference-every']);
const explainEvery = Number(values['explain-every']);
const concurrency = Number(values.concurrency);
for (const [flag, n] of [['--explain-every', explainEvery], ['--concurrency', concurrency]] as const) {
  if (!Number.isInteger(n) || n < 1) throw new Error(`${flag} takes a whole number ≥ 1`);
}
const CHUNK = 1000;

interface Failure {
  index: number;
  kind: string;
  detail: string;
  text: string;
}

const modes = drModes();
const limits = { ...SMALL_WORLDS, drModes: modes };
const comparable = { ...SMALL_WORLDS, dr: false, productDr: false, drModes: modes };
const pool = solverPool(concurrency);
const failures: Failure[] = [];
const counts = new Map<string, number>();
const started = Date.now();
let done = 0;

try {
  for (let chunk = 0; done < total && Date.now() < deadline; chunk++) {
    // fast-check's generator at a seed of its own per chunk: world i is reproduced by (seed + chunk, i % CHUNK)
    const n = Math.min(CHUNK, total - done);
    const compare = referenceEvery > 0 && chunk % 2 === 1;
    const shapes = fc.sample(worldShape(compare ? comparable : limits), { numRuns: n, seed: seed + chunk });
    const first = done;
    // Lane k plans worlds k, k + N, …: each world is planned as it would be alone (its own index, options).
    const lane = async (k: number) => {
      for (let i = k; i < shapes.length && Date.now() < deadline; i += concurrency) {
        const withReference = compare && i % referenceEvery === 0;
        const kind = await soakOne(shapes[i], first + i, withReference);
        counts.set(kind, (counts.get(kind) ?? 0) + 1);
        done++;
      }
    };
    await Promise.all(Array.from({ length: concurrency }, (_, k) => lane(k)));
    const seconds = (Date.now() - started) / 1000;
    console.log(`${done} worlds, ${failures.length} failures, ${seconds.toFixed(0)} s (${(done / seconds).toFixed(1)} worlds/s) ${JSON.stringify(Object.fromEntries([...counts].sort()))}`);
  }
} finally {
  await pool.close();
}

const report = {
  seed,
  explainEvery,
  concurrency,
  worlds: done,
  seconds: Math.round((Date.now() - started) / 1000),
  outcomes: Object.fromEntries([...counts].sort()),
  failures: failures.sort((a, b) => a.index - b.index),
};
if (values.out) writeFileSync(values.out, JSON.stringify(report, null, 2) + '\n');
console.log(`soak: ${done} worlds in ${report.seconds} s, ${failures.length} failures`);
process.exitCode = failures.length > 0 ? 1 : 0;

/** A failure is kept for the report and printed at once: a long soak stopped early still shows every one it found. */
function fail(f: Failure): void {
  failures.push(f);
  console.log(`\n# world ${f.index} (seed ${seed + Math.floor(f.index / CHUNK)}, index ${f.index % CHUNK}): ${f.kind}\n${f.detail}\n${f.text}`);
}

async function soakOne(shape: WorldShape, index: number, withReference: boolean): Promise<string> {
  const explainTenants = index % explainEvery === 0 ? undefined : 0;
  const options = withReference ? { ...REFERENCE_PLANNING, pool, drModes: modes, explainTenants } : { pool, drModes: modes, explainTenants };
  let o: WorldOutcome;
  try {
    o = await planWorld(shape, options);
  } catch (e) {
    fail({ index, kind: 'harness', detail: String((e as Error).stack ?? e), text: '' });
    return 'harness';
  }
  if (o.kind === 'crash' || o.kind === 'invalid') {
    fail({ index, kind: o.kind, detail: o.kind === 'crash' ? o.message : o.errors.join('\n'), text: o.text });
    return o.kind;
  }
  if (o.kind === 'diagnostic') return 'diagnostic';
  if (o.problems.length > 0) {
    fail({ index, kind: 'checker', detail: o.problems.join('\n') + `\ncurrent: ${JSON.stringify(o.current)}`, text: o.text });
    return 'checker';
  }
  if (!withReference) return 'accepted';
  const ref = await solveReference(o.spec, o.current, { disasterReadiness: false });
  if (!ref.exact) return 'accepted (reference not exact in time)';
  const d = firstDifference(plannerStages(o.spec, o.placement, ref, false));
  if (d || o.placement.solver.gap !== 0) {
    fail({ index, kind: 'reference', detail: `${JSON.stringify(d ?? o.placement.solver)}\ncurrent: ${JSON.stringify(o.current)}`, text: o.text });
    return 'reference';
  }
  return 'agrees with the reference';
}
