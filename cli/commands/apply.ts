import type { Command } from 'commander';
import { existsSync, statSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { resolve } from 'node:path';
import { hasErrors } from '../../lang/diagnostics.js';
import { loadAndCheckProject } from '../../lang/load.js';
import { parseQuantity } from '../../lang/units.js';
import { applyPlan, type ApplyEvent } from '../../executor/apply.js';
import { openBackend } from '../../executor/backends/index.js';
import type { OpenBackend } from '../../executor/backend.js';
import { planIdOf, specDigest } from '../../schemas/digest.js';
import type { HeldLock } from '../../executor/lock.js';
import { printLockWait } from '../lock-wait.js';
import { ApplyTally } from '../apply-tally.js';
import { checkPlanDocument } from '../../executor/plan-binding.js';
import type { Spec } from '../../lang/spec.js';
import type { Plan } from '../../schemas/plan.js';
import { isInteractive } from '../color.js';
import { action, CliError, printDiagnostics } from '../output.js';
import { readPlanDocument } from '../plan-file.js';
import { addFailOnFlag, enforcePromises, parseFailOn } from '../fail-on.js';
import { addPlanFlags, plannerOptions, type PlanFlags } from '../plan-options.js';
import { describeMove } from '../render/plan-facts.js';
import { renderPlan } from '../render/render-plan.js';
import { buildPlan } from '../../planner/build-plan.js';
import { planProject } from './plan.js';

interface ApplyFlags extends PlanFlags {
  project?: string;
  autoApprove?: boolean;
  parallelism: string;
  retries: string;
  retryWait: string;
  failOn: string;
}

export function registerApply(program: Command): void {
  addFailOnFlag(addPlanFlags(
    program
      .command('apply')
      .description('carry out a saved plan (or plan afresh and confirm): upsize → route → downsize, resumable')
      .argument('[target]', 'a plan file saved by `globe plan --out`, or a project directory', '.')
      .option('--project <dir>', 'the project directory a saved plan belongs to', '.')
      .option('--auto-approve', 'do not ask for confirmation (required without a terminal)')
      .option('--parallelism <n>', 'independent moves run at once', '4')
      .option('--retries <n>', 'extra reads of the backend state when a move has not converged yet', '0')
      .option('--retry-wait <duration>', 'wait between those reads', '2s'),
  )).action(action(runApply));
}

function duration(text: string, flag: string): number {
  const r = parseQuantity(text, 'duration');
  if (!r.ok) throw new CliError(`${flag}: ${r.message}`);
  return r.value;
}

function count(text: string, flag: string, min: number): number {
  const n = Number(text);
  if (!Number.isInteger(n) || n < min) throw new CliError(`${flag} must be a whole number ≥ ${min}, not ${text}`);
  return n;
}

async function isPlanFile(path: string): Promise<boolean> {
  if (!existsSync(path) || statSync(path).isDirectory()) return false;
  const head = (await readFile(path, 'utf8')).slice(0, 4096).trimStart();
  return head.startsWith('{');
}

async function runApply(target: string, flags: ApplyFlags): Promise<number | void> {
  const parallelism = count(flags.parallelism, '--parallelism', 1);
  const retries = count(flags.retries, '--retries', 0);
  const retryWaitMs = duration(flags.retryWait, '--retry-wait');
  const lockTimeoutMs = duration(flags.lockTimeout, '--lock-timeout');
  // Without the lock two applies would interleave one journal and one state: apply always locks.
  if (flags.lock === 'false') throw new CliError('--lock false is for `globe plan` only: apply always takes the state lock (two applies would interleave one journal)');
  const options = plannerOptions(flags);
  parseFailOn(flags.failOn);

  let plan: Plan;
  let projectDir: string;
  // The project on disk, never the plan file, says what the world is and which backend (and commands) carry moves out.
  let spec: Spec;
  if (await isPlanFile(target)) {
    plan = await readPlanDocument(target);
    projectDir = resolve(flags.project ?? '.');
    const project = await loadAndCheckProject(projectDir);
    printDiagnostics(project.diagnostics, project.files);
    if (hasErrors(project.diagnostics)) throw new CliError(`the project in ${projectDir} has errors; run apply where the plan was made, or pass --project`);
    const digest = specDigest(project.spec);
    if (digest !== plan.basis.specDigest) {
      throw new CliError(`Saved plan is stale: the project's files in ${projectDir} changed since the plan was made (${plan.basis.specDigest.slice(0, 19)}… → ${digest.slice(0, 19)}…). Plan again.`);
    }
    enforcePromises(plan.placement, flags.failOn, 'apply');
    spec = project.spec;
    checkPlanDocument(plan, spec); // an edited plan: its error carries a diagnostic that action() prints
  } else {
    if (!existsSync(target)) throw new CliError(`${target}: no such plan file or project directory`);
    if (!flags.autoApprove && !(isInteractive(process.stdin) && isInteractive(process.stderr))) {
      throw new CliError('refusing to apply without confirmation: there is no terminal to ask (CI). Review a saved plan and apply it, or pass --auto-approve.');
    }
    projectDir = resolve(target);
    const planned = await planProject(target, options);
    plan = planned.plan;
    spec = planned.project.spec;
    process.stdout.write(renderPlan(plan, 'text'));
    enforcePromises(plan.placement, flags.failOn, 'apply');
    if (!plan.summary.hasChanges) return 0;
    if (!flags.autoApprove) {
      const { confirm } = await import('../views/confirm.js');
      if (!(await confirm())) {
        process.stderr.write('Apply cancelled.\n');
        return 1;
      }
    }
  }

  let lock: HeldLock | undefined;
  let backend: OpenBackend | undefined;
  try {
    backend = await openBackend(spec, projectDir);
    if (flags.lock !== 'false') lock = await backend.lock('apply', lockTimeoutMs, printLockWait);
    const planId = planIdOf(plan);
    let stopRequested = false;
    const onSigint = () => {
      if (stopRequested) {
        backend?.abandon?.();
        process.stderr.write('\nAbandoned the running moves (their hooks were stopped); the journal records them as RUNNING and the next apply re-checks them.\n');
        process.exit(130);
      }
      stopRequested = true;
      process.stderr.write('\nInterrupt: no new move will start; waiting for the running ones to finish (Ctrl-C again to abandon them; apply resumes them later).\n');
    };
    // A CI runner's SIGTERM: there is no time to let moves finish; stop their hooks and leave the
    // journal saying RUNNING (the reaper kills whatever is left once globe has gone).
    const onSigterm = () => {
      backend?.abandon?.();
      process.stderr.write('\nTerminated: the running moves were abandoned (their hooks were stopped); the next apply re-checks them.\n');
      process.exit(143);
    };
    process.on('SIGINT', onSigint);
    process.on('SIGTERM', onSigterm);
    const view = isInteractive(process.stderr) ? (await import('../views/apply-progress.js')).startApplyProgress(plan.moves) : undefined;
    const tally = new ApplyTally();
    const journal = backend.journal(planId, plan.moves);
    const where = backend.journalLocation(planId);
    const outcome = await applyPlan(plan, backend, journal, planId, {
      binding: { spec, derivePlan: buildPlan },
      otherJournals: backend.otherJournals(),
      parallelism,
      retries,
      retryWaitMs,
      shouldStop: () => stopRequested || (lock?.lost?.() ?? false),
      onEvent: (e) => (tally.event(e), view ? viewEvent(view.update, e) : printEvent(e)),
    }).finally(async () => {
      await view?.stop();
      process.off('SIGINT', onSigint);
      process.off('SIGTERM', onSigterm);
    });
    switch (outcome.outcome) {
      case 'complete':
        process.stdout.write(`${tally.completeLine(outcome.completed)}\n`);
        return 0;
      case 'interrupted':
        if (lock?.lost?.()) {
          process.stderr.write(`Apply stopped after ${outcome.completed} of ${plan.moves.length} moves: the state lock was lost (removed with force-unlock, or the connection holding it dropped), so another globe could change the state. Run the same command again to resume.\n${tally.stoppedLine(plan.moves.length)}\n`);
          return 1;
        }
        process.stderr.write(`Apply interrupted after ${outcome.completed} of ${plan.moves.length} moves; run the same command again to resume.\n${tally.stoppedLine(plan.moves.length)}\n`);
        return 130;
      case 'stopped':
        process.stderr.write(`Apply stopped in wave ${outcome.wave}: ${outcome.reason}\nThe journal (${where}) records every move; fix the cause and run the same command again to resume (it runs the failed check again).\n`);
        return 1;
      case 'failed':
        process.stderr.write(`Apply stopped: move ${outcome.move} failed: ${outcome.reason}\n${tally.stoppedLine(plan.moves.length)}\nThe journal (${where}) records every move; fix the cause and run the same command again to resume.\n`);
        return 1;
    }
  } catch (e) {
    // The stages' own errors (stale plan, lock, journal, hook, backend…) carry their diagnostic: action() prints it.
    const code = (e as NodeJS.ErrnoException).code;
    if (code === 'ENOSPC' || code === 'EDQUOT' || code === 'EROFS' || code === 'EIO') {
      // Every move's RUNNING line is written before the move runs, so nothing ran unrecorded.
      throw new CliError(`cannot write to disk (${code}): ${(e as Error).message}. Apply stopped; no move ran without being journalled. Free some space and run the same command again to resume.`);
    }
    throw e;
  } finally {
    await lock?.release();
    await backend?.close();
  }
}

function printEvent(e: ApplyEvent): void {
  switch (e.type) {
    case 'stray-hooks':
      process.stdout.write(`Stopped the hooks an earlier apply left running (moves ${e.moves.join(', ')}) before running anything again.\n`);
      return;
    case 'resume':
      process.stdout.write(
        `Resuming: ${e.completed} moves already complete${e.rerun.length > 0 ? `; re-checking ${e.rerun.join(', ')}` : ''}${e.tornLine ? ' (the journal ended in a half-written line from the crash; it was dropped)' : ''}.\n`,
      );
      return;
    case 'move-start':
      return;
    case 'move-done': {
      const d = describeMove(e.move);
      process.stdout.write(`${e.move.id}: ${d.kind} ${d.subject} ${d.detail} … done\n`);
      return;
    }
    case 'move-failed':
      process.stdout.write(`${e.move.id}: FAILED: ${e.reason}\n`);
      return;
    case 'wave-start':
      process.stdout.write(`Wave ${e.wave} of ${e.waves}: starting.\n`);
      return;
    case 'wave-done':
      process.stdout.write(`Wave ${e.wave} of ${e.waves}: complete; the state read back is the wave's target.\n`);
      return;
    case 'gate-start':
      return;
    case 'gate-done':
      process.stdout.write(`validate (${e.phase}, wave ${e.wave}): ${e.passed ? 'passed' : 'FAILED'}\n`);
  }
}

function viewEvent(update: (id: string, s: 'running' | 'done' | 'failed') => void, e: ApplyEvent): void {
  if (e.type === 'move-start') update(e.move.id, 'running');
  else if (e.type === 'move-done') update(e.move.id, 'done');
  else if (e.type === 'move-failed') update(e.move.id, 'failed');
}
