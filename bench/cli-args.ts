/**
 * The benchmark's command line: `npm run bench -- [options]`.
 */
import { Command, InvalidArgumentError } from 'commander';

export interface BenchSize {
  tenants: number;
  regions: number;
}

export interface BenchOptions {
  sizes: BenchSize[];
  resources: number;
  seed: number;
  /** Solver time limit for globe's planner and the monolithic MIP, seconds. */
  timeLimitSeconds: number;
  /** Gap limit for globe's planner; undefined: the planner's default. */
  gapLimit?: number;
  /** Run the monolithic MIP at 1% gap for the comparison. */
  monolithic: boolean;
  /** Also run the monolithic MIP at 0.1% gap (the reference optimum) up to this many tenants. */
  referenceUpTo: number;
  referenceTimeLimitSeconds: number;
  /** Re-plan after one tenant's demand changes. */
  replan: boolean;
  /** Run the independent placement checker on globe's answer. */
  check: boolean;
  /** Keep the generated projects here (one directory per size); otherwise a temporary directory, removed at the end. */
  outDir?: string;
  /** Write all results as JSON to this file. */
  json?: string;
}

export const STANDARD_SIZES: BenchSize[] = [
  { tenants: 100, regions: 10 },
  { tenants: 1000, regions: 20 },
  { tenants: 10000, regions: 30 },
];

export function parseBenchArgs(argv: string[]): BenchOptions {
  const program = new Command('npm run bench --')
    .description("globe's fleet-scale benchmark: generate a world, write it as a DSL project, and time parse → plan → moves against a monolithic MIP")
    .option('--tenants <n>', 'tenants in the world', whole('--tenants', 1), 100)
    .option('--regions <n>', 'regions in the world', whole('--regions', 1), 10)
    .option('--resources <n>', 'hardware types (1–20)', whole('--resources', 1, 20), 4)
    .option('--seed <n>', 'seed of the world generator', whole('--seed', 0), 1)
    .option('--sizes <list>', '`standard` (100×10, 1,000×20, 10,000×30) or sizes like `100x10,1000x20` (tenants × regions); overrides --tenants/--regions', sizeList)
    .option('--time-limit <seconds>', 'solver time limit for globe and the monolithic MIP', positive('--time-limit'), 60)
    .option('--gap <percent>', "globe's gap limit in % (default: the planner's own)", percent('--gap'))
    .option('--no-monolithic', 'skip the monolithic MIP baseline')
    .option('--reference-up-to <tenants>', 'also solve the monolithic MIP to a 0.1% gap (the reference optimum) for worlds up to this many tenants', whole('--reference-up-to', 0), 2000)
    .option('--reference-time-limit <seconds>', 'time limit of the 0.1% reference solve', positive('--reference-time-limit'), 600)
    .option('--no-replan', 'skip the incremental re-plan after one tenant changes')
    .option('--no-check', 'skip the independent placement checker')
    .option('--out-dir <dir>', 'keep the generated projects in this directory (one sub-directory per size)')
    .option('--json <file>', 'also write the results as JSON')
    .exitOverride()
    .configureOutput({ writeErr: (s) => process.stderr.write(s) })
    .allowExcessArguments(false);
  program.parse(argv, { from: 'user' });
  const o = program.opts<{
    tenants: number;
    regions: number;
    resources: number;
    seed: number;
    sizes?: BenchSize[];
    timeLimit: number;
    gap?: number;
    monolithic: boolean;
    referenceUpTo: number;
    referenceTimeLimit: number;
    replan: boolean;
    check: boolean;
    outDir?: string;
    json?: string;
  }>();
  return {
    sizes: o.sizes ?? [{ tenants: o.tenants, regions: o.regions }],
    resources: o.resources,
    seed: o.seed,
    timeLimitSeconds: o.timeLimit,
    gapLimit: o.gap,
    monolithic: o.monolithic,
    referenceUpTo: o.referenceUpTo,
    referenceTimeLimitSeconds: o.referenceTimeLimit,
    replan: o.replan,
    check: o.check,
    outDir: o.outDir,
    json: o.json,
  };
}

function whole(flag: string, min: number, max = Number.MAX_SAFE_INTEGER) {
  return (value: string): number => {
    const n = Number(value);
    if (!/^\d+$/.test(value) || n < min || n > max) throw new InvalidArgumentError(`${flag} takes a whole number from ${min}${max < Number.MAX_SAFE_INTEGER ? ` to ${max}` : ''}, got \`${value}\``);
    return n;
  };
}

function positive(flag: string) {
  return (value: string): number => {
    const n = Number(value);
    if (!/^\d+(\.\d+)?$/.test(value) || !(n > 0)) throw new InvalidArgumentError(`${flag} takes a positive number of seconds, got \`${value}\``);
    return n;
  };
}

function percent(flag: string) {
  return (value: string): number => {
    const m = /^(\d+(?:\.\d+)?)%?$/.exec(value);
    const n = m ? Number(m[1]) : NaN;
    if (!(n >= 0 && n < 100)) throw new InvalidArgumentError(`${flag} takes a percentage like \`1%\` or \`0.1\`, got \`${value}\``);
    return n / 100;
  };
}

function sizeList(value: string): BenchSize[] {
  if (value === 'standard') return STANDARD_SIZES;
  return value.split(',').map((part) => {
    const m = /^\s*(\d+)\s*[x×]\s*(\d+)\s*$/.exec(part);
    if (!m || Number(m[1]) < 1 || Number(m[2]) < 1) throw new InvalidArgumentError(`--sizes takes \`standard\` or a list like \`100x10,1000x20\` (tenants x regions), got \`${part}\``);
    return { tenants: Number(m[1]), regions: Number(m[2]) };
  });
}
