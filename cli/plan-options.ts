/**
 * Flags shared by `plan` and `apply` (which plans afresh when given a
 * directory), parsed once with their units checked.
 */
import type { Command } from 'commander';
import type { Spec } from '../lang/spec.js';
import { didYouMean } from '../lang/suggest.js';
import { NUMBER_MAX, parseQuantity } from '../lang/units.js';
import { DEFAULT_MAX_WAVES, type PlannerOptions } from '../planner/index.js';
import { CliError } from './output.js';

export interface PlanFlags {
  stability?: string;
  timeLimit?: string;
  gap?: string;
  lock: string;
  lockTimeout: string;
  free?: string[];
  maxShift?: string;
  blockTenants?: string;
  maxWaves?: string;
}

export function addPlanFlags(cmd: Command): Command {
  return cmd
    .option('--stability <weight>', 'weight of churn against the current state (default 0.1, or the planner block)')
    .option('--time-limit <duration>', 'solver time limit, e.g. 60s')
    .option('--gap <percent>', 'relative MIP gap at which the solver may stop, e.g. 0.1%')
    .option('--free <region/resource=units...>', 'keep units free in a region (a hardware refresh, a launch), e.g. us-east/cpu=200')
    .option('--max-shift <percent>', "largest share of each product's traffic one wave may move, e.g. 10%")
    .option('--max-waves <n>', `most waves (safe steps applied one after another) the plan may take; 1: one safe step (default ${DEFAULT_MAX_WAVES})`)
    .option('--block-tenants <n>', 'plan fleets of more than n tenants in blocks of about n (default 50)')
    .option('--lock <bool>', 'hold the state lock (true/false)', 'true')
    .option('--lock-timeout <duration>', 'how long to wait for the state lock', '0s');
}

export function plannerOptions(flags: PlanFlags): PlannerOptions {
  const options: PlannerOptions = {};
  if (flags.stability !== undefined) {
    // Written as the language writes numbers: decimal, no sign, no exponent (Number() would also take '', '0x10', '1e308').
    const w = DECIMAL.test(flags.stability) ? Number(flags.stability) : NaN;
    if (!(w <= NUMBER_MAX)) throw new CliError(`--stability must be a decimal number from 0 to ${NUMBER_MAX}, not ${flags.stability}`);
    options.weights = { churn: w };
  }
  if (flags.blockTenants !== undefined) {
    const n = /^[0-9]+$/.test(flags.blockTenants) ? Number(flags.blockTenants) : NaN;
    if (!(n >= 1 && n <= NUMBER_MAX)) throw new CliError(`--block-tenants must be a whole number from 1 to ${NUMBER_MAX}, not ${flags.blockTenants}`);
    options.blockTenants = n;
  }
  if (flags.maxWaves !== undefined) options.maxWaves = parseMaxWaves(flags.maxWaves);
  if (flags.timeLimit !== undefined) {
    const r = parseQuantity(flags.timeLimit, 'duration');
    if (!r.ok) throw new CliError(`--time-limit: ${r.message}`);
    options.timeLimitSeconds = r.value / 1000;
  }
  if (flags.gap !== undefined) {
    const r = parseQuantity(flags.gap, 'percent');
    if (!r.ok) throw new CliError(`--gap: ${r.message}`);
    options.gapLimit = r.value;
  }
  for (const goal of flags.free ?? []) {
    const m = /^([a-z][a-z0-9-]*)\/([a-z][a-z0-9-]*)=([0-9]+)$/.exec(goal);
    if (!m) throw new CliError(`--free expects region/resource=units, e.g. us-east/cpu=200, not ${goal}`);
    const units = Number(m[3]);
    if (units > NUMBER_MAX) throw new CliError(`--free ${goal}: at most ${NUMBER_MAX} units`);
    (options.free ??= []).push({ region: m[1], resource: m[2], units });
  }
  if (flags.maxShift !== undefined) {
    const r = parseQuantity(flags.maxShift, 'percent');
    if (!r.ok) throw new CliError(`--max-shift: ${r.message}`);
    options.maxShift = r.value;
  }
  if (flags.lock !== 'true' && flags.lock !== 'false') throw new CliError(`--lock must be true or false, not ${flags.lock}`);
  return options;
}

const DECIMAL = /^[0-9]+(?:\.[0-9]+)?$/;

/** Beyond this many waves a plan is no longer something a reviewer reads; the planner stops far earlier anyway. */
const MAX_WAVES_LIMIT = 100;

/** `--max-waves N`: a whole number from 1 to MAX_WAVES_LIMIT (plan, apply and simulate share it). */
export function parseMaxWaves(value: string): number {
  const n = /^[0-9]+$/.test(value) ? Number(value) : NaN;
  if (!(n >= 1 && n <= MAX_WAVES_LIMIT)) throw new CliError(`--max-waves must be a whole number from 1 to ${MAX_WAVES_LIMIT}, not ${value}`);
  return n;
}

/**
 * What the flags can only be checked against once the project is read:
 * `--free` must name a region and a resource of the project and keep free no
 * more than the region has (all `--free` of one region and resource count
 * together, as the planner adds them up). A goal that cannot be met would
 * otherwise be silently capped, or ignored for a misspelt name.
 */
export function checkPlannerOptions(options: PlannerOptions, spec: Spec): void {
  const asked = new Map<string, number>();
  for (const { region, resource, units } of options.free ?? []) {
    if (!Object.hasOwn(spec.regions, region)) {
      throw new CliError(`--free ${region}/${resource}=${units}: \`${region}\` is not a region of the project${didYouMean(region, Object.keys(spec.regions))}`);
    }
    if (!Object.hasOwn(spec.resources, resource)) {
      throw new CliError(`--free ${region}/${resource}=${units}: \`${resource}\` is not a resource of the project${didYouMean(resource, Object.keys(spec.resources))}`);
    }
    const key = `${region}/${resource}`;
    const total = (asked.get(key) ?? 0) + units;
    asked.set(key, total);
    const supply = Object.hasOwn(spec.regions[region].supply, resource) ? spec.regions[region].supply[resource] : 0;
    if (total > supply) {
      const all = total === units ? '' : ` (${total} with the other --free ${key})`;
      throw new CliError(`--free ${key}=${units}${all}: ${region} has ${supply} ${resource} in all; cannot keep more than that free`);
    }
  }
}
