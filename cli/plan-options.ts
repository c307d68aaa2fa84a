/**
 * Flags shared by `plan` and `apply` (which plans afresh when given a
 * directory), parsed once with their units checked.
 */
import type { Command } from 'commander';
import { parseQuantity } from '../lang/units.js';
import type { PlannerOptions } from '../planner/index.js';
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
}

export function addPlanFlags(cmd: Command): Command {
  return cmd
    .option('--stability <weight>', 'weight of churn against the current state (default 0.1, or the planner block)')
    .option('--time-limit <duration>', 'solver time limit, e.g. 60s')
    .option('--gap <percent>', 'relative MIP gap at which the solver may stop, e.g. 0.1%')
    .option('--free <region/resource=units...>', 'keep units free in a region (a hardware refresh, a launch), e.g. us-east/cpu=200')
    .option('--max-shift <percent>', "largest share of each product's traffic one plan may move, e.g. 10%")
    .option('--block-tenants <n>', 'plan fleets of more than n tenants in blocks of about n (default 50)')
    .option('--lock <bool>', 'hold the state lock (true/false)', 'true')
    .option('--lock-timeout <duration>', 'how long to wait for the state lock', '0s');
}

export function plannerOptions(flags: PlanFlags): PlannerOptions {
  const options: PlannerOptions = {};
  if (flags.stability !== undefined) {
    const w = Number(flags.stability);
    if (!Number.isFinite(w) || w < 0) throw new CliError(`--stability must be a number ≥ 0, not ${flags.stability}`);
    options.weights = { churn: w };
  }
  if (flags.blockTenants !== undefined) {
    const n = Number(flags.blockTenants);
    if (!Number.isInteger(n) || n < 1) throw new CliError(`--block-tenants must be a whole number ≥ 1, not ${flags.blockTenants}`);
    options.blockTenants = n;
  }
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
    (options.free ??= []).push({ region: m[1], resource: m[2], units: Number(m[3]) });
  }
  if (flags.maxShift !== undefined) {
    const r = parseQuantity(flags.maxShift, 'percent');
    if (!r.ok) throw new CliError(`--max-shift: ${r.message}`);
    options.maxShift = r.value;
  }
  if (flags.lock !== 'true' && flags.lock !== 'false') throw new CliError(`--lock must be true or false, not ${flags.lock}`);
  return options;
}
