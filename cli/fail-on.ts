/**
 * `--fail-on`: which broken promises fail `plan`, `show` and `apply` (exit 3), so that CI can
 * refuse a plan that leaves declared demand unserved, misses a disaster-readiness intent, or
 * was not solved to a proven gap. The verdicts are the Placement's own — `unserved`,
 * `unservedProducts`, `disasterReadiness[..].met`, `solver` — never computed again here, so
 * the exit code says exactly what the plan's text says.
 *
 * The default is `gap`: a plan whose solve stopped at its time limit, or whose gap could not
 * be certified, never exits 0 as if it were good. `unserved` and `dr` are opt-in (a world
 * short of supply may still be best served by the plan that serves what it can).
 */
import { Option, type Command } from 'commander';
import type { Placement } from '../schemas/placement.js';
import { num } from './render/format.js';
import { CliError } from './output.js';

export const PROMISES = ['unserved', 'dr', 'gap'] as const;
export type PlanPromise = (typeof PROMISES)[number];

/** The exit code of a plan that breaks a promise `--fail-on` checks: distinct from 0 (good), 1 (error) and 2 (changes, `--detailed-exitcode`). */
export const BROKEN_PROMISE_EXIT = 3;

export const DEFAULT_FAIL_ON = 'gap';

export function addFailOnFlag(cmd: Command): Command {
  return cmd.addOption(
    new Option(
      '--fail-on <promises>',
      `exit ${BROKEN_PROMISE_EXIT} when the plan breaks one of these (comma-separated): unserved (declared demand or product traffic left unserved), dr (a disaster-readiness intent unmet), gap (the solve stopped at its time limit or its gap is not certified); all; none`,
    ).default(DEFAULT_FAIL_ON),
  );
}

export function parseFailOn(value: string): Set<PlanPromise> {
  const out = new Set<PlanPromise>();
  for (const item of value.split(',').map((s) => s.trim())) {
    if (item === 'none' || item === '') continue;
    if (item === 'all') PROMISES.forEach((p) => out.add(p));
    else if ((PROMISES as readonly string[]).includes(item)) out.add(item as PlanPromise);
    else throw new CliError(`--fail-on: \`${item}\` is not one of unserved, dr, gap, all, none`);
  }
  if (value.split(',').some((s) => s.trim() === 'none') && out.size > 0) throw new CliError('--fail-on: `none` cannot be combined with other promises');
  return out;
}

/** Each broken promise of the checked kinds, one line each, sorted. */
export function brokenPromises(placement: Placement, checked: Set<PlanPromise>): string[] {
  const out: string[] = [];
  if (checked.has('unserved')) {
    for (const [id, byClass] of sorted(placement.unserved)) {
      const rps = Object.values(byClass).reduce((s, byClient) => s + Object.values(byClient).reduce((a, b) => a + b, 0), 0);
      out.push(`unserved: ${num(rps)} rps of ${id} cannot be served`);
    }
    for (const [P, byClient] of sorted(placement.unservedProducts)) {
      out.push(`unserved: ${num(Object.values(byClient).reduce((a, b) => a + b, 0))} units of product ${P} traffic cannot be served`);
    }
  }
  if (checked.has('dr')) {
    for (const [id, dr] of sorted(placement.disasterReadiness)) {
      if (!dr.met) out.push(`dr: ${id} does not survive the loss of ${dr.worstRegion ?? 'a region'}`);
    }
  }
  if (checked.has('gap')) {
    const s = placement.solver;
    // A gap of 1 is how the solver report says "unknown" (a bound that could not be certified).
    if (s.status === 'time-limit') out.push(`gap: the solver stopped at its time limit, ${(s.gap * 100).toFixed(2)}% from the best bound: the plan is not proven within the gap asked for (raise --time-limit)`);
    else if (s.status === 'infeasible' || s.status === 'error') out.push(`gap: the solver ended with status ${s.status}`);
    else if (s.gap >= 1) out.push('gap: the plan\'s gap to the best bound is not certified (100%)');
  }
  return out;
}

/**
 * Throws (exit 3) when the plan breaks a checked promise. `doing` names what is refused:
 * "the plan" for plan/show, "refusing to apply" for apply.
 */
export function enforcePromises(placement: Placement, failOn: string, doing: 'plan' | 'apply'): void {
  const checked = parseFailOn(failOn);
  const broken = brokenPromises(placement, checked);
  if (broken.length === 0) return;
  const kinds = [...new Set(broken.map((b) => b.slice(0, b.indexOf(':'))))];
  const allow = [...checked].filter((p) => !kinds.includes(p));
  const hint = `to ${doing === 'apply' ? 'apply it' : 'accept it'} anyway: --fail-on ${allow.length > 0 ? allow.join(',') : 'none'}`;
  const head = doing === 'apply' ? 'refusing to apply: the plan breaks' : 'the plan breaks';
  throw new CliError(`${head} ${broken.length === 1 ? 'a promise' : `${broken.length} promises`} that --fail-on ${[...checked].join(',')} checks (${hint}):\n${broken.map((b) => `  ${b}`).join('\n')}`, BROKEN_PROMISE_EXIT);
}

function sorted<T>(o: Record<string, T>): [string, T][] {
  return Object.entries(o).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
}
