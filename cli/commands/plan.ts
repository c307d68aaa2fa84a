import type { Command } from 'commander';
import { canonicalJson } from '../../lang/canonical-json.js';
import { hasErrors } from '../../lang/diagnostics.js';
import { fromLangDiagnostic, GlobeError, sourceOfSpan, type DiagnosticSource } from '../../schemas/diagnostic.js';
import { checkProject, type Project } from '../../lang/load.js';
import type { HeldLock } from '../../executor/lock.js';
import { openBackend } from '../../executor/backends/index.js';
import { readCurrentState } from '../current-state.js';
import { loadProject } from '../../lang/project.js';
import { parseQuantity } from '../../lang/units.js';
import type { State } from '../../schemas/state.js';
import { buildPlan } from '../../planner/build-plan.js';
import { deploymentOf } from '../../schemas/state.js';
import { planPlacement, type PlannerOptions } from '../../planner/index.js';
import { prestartSolverPool, SOLVER_WORKERS } from '../../planner/solve/solve.js';
import type { Plan, PlanFinding, PlanFindingReason, PlanLimit } from '../../schemas/plan.js';
import type { Limit } from '../../planner/reasons/types.js';
import type { PlannerFinding } from '../../planner/explain.js';
import path from 'node:path';
import { isInteractive, useColor } from '../color.js';
import { addFailOnFlag, BROKEN_PROMISE_EXIT, enforcePromises, parseFailOn } from '../fail-on.js';
import { addPlanFlags, checkPlannerOptions, plannerOptions, type PlanFlags } from '../plan-options.js';
import { action, CliError, printDiagnostics, userError, writeFileSafely } from '../output.js';
import { PLAN_FORMAT_HELP, PLAN_FORMATS, renderPlan } from '../render/render-plan.js';
import { stripTimings } from '../render/plan-json.js';
import { renderErrorComment } from '../render/plan-comment.js';
import { githubAnnotations } from '../render/diagnostic-github.js';
import { addFormatOption, parseFormat } from '../format-option.js';
import { globeVersion } from '../version.js';
import { printLockWait } from '../lock-wait.js';
import { blockProgressLines, type BlockEvent } from '../plan-progress-lines.js';

interface PlanCommandFlags extends PlanFlags {
  format?: string;
  json?: boolean;
  out?: string;
  detailedExitcode?: boolean;
  failOn: string;
  workers: string;
}

export function registerPlan(program: Command): void {
  addFailOnFlag(addPlanFlags(
    addFormatOption(program.command('plan'), PLAN_FORMAT_HELP)
      .description('plan the project against the current state and show what would change')
      .argument('[dir]', 'project directory', '.')
      .option('--json', 'the Plan document as JSON (same as --format json)')
      .option('--out <file>', 'save the plan for `globe apply`')
      .option('--detailed-exitcode', `exit 0 without changes, 2 with changes, 1 on error (${BROKEN_PROMISE_EXIT} for a broken promise, see --fail-on)`)
      .option('--workers <where>', 'solve blocks here (local) or on `globe worker` processes through the postgres backend (queue)', 'local'),
  )).action(
    action(async (dir: string, flags: PlanCommandFlags) => {
      const format = parseFormat(flags, PLAN_FORMATS);
      const options = plannerOptions(flags);
      parseFailOn(flags.failOn); // a bad value fails before anything is planned
      let plan: Plan;
      try {
        const read = await loadProject(dir); // read once: it names the state's lock, then it is checked and planned
        if (flags.workers !== 'local') await (await import('./plan-on-queue.js')).solveOnQueueFor(read, flags.workers);
        const lock = flags.lock === 'false' ? undefined : await lockProject(read, flags.lockTimeout);
        try {
          plan = (await planProject(dir, options, read)).plan;
        } finally {
          await lock?.release();
        }
      } catch (e) {
        // The pull request still gets a comment, saying why nothing was planned; the exit stays non-zero.
        if (format === 'markdown' && e instanceof GlobeError) writeErrorComment(dir, e);
        throw e;
      }
      // Saved without the solver's wall time: the same project and state give a byte-identical file.
      if (flags.out) await writeFileSafely(flags.out, `${canonicalJson(stripTimings(plan))}\n`);
      process.stdout.write(renderPlan(plan, format, { dir, artifact: flags.out }));
      if (flags.out && format === 'text') {
        const project = dir === '.' ? '' : ` --project ${dir}`;
        process.stdout.write(`\nSaved the plan to ${flags.out}. To carry it out: globe apply ${flags.out}${project}\n`);
      }
      enforcePromises(plan.placement, flags.failOn, 'plan');
      if (flags.detailedExitcode) return plan.summary.hasChanges ? 2 : 0;
      return 0;
    }),
  );
}

/** A project that does not check: its diagnostics, for the error comment. */
export class ProjectErrors extends CliError {
  constructor(readonly project: Project) {
    super('the project has errors; nothing was planned');
  }
}

/** The comment says why nothing was planned; on GitHub Actions each diagnostic (or the error's own, without a source) is also an annotation. */
function writeErrorComment(dir: string, e: GlobeError): void {
  const diagnostics = e instanceof ProjectErrors ? e.project.diagnostics.map(fromLangDiagnostic) : [];
  const files = e instanceof ProjectErrors ? e.project.files : [];
  process.stdout.write(renderErrorComment(dir, e.message, diagnostics, files));
  if (process.env.GITHUB_ACTIONS === 'true') process.stdout.write(githubAnnotations(diagnostics.length > 0 ? diagnostics : [e.diagnostic()]));
}

/**
 * Read (unless the caller has: `read`), check, plan: the part of `plan` that `apply DIR` shares.
 * Prints diagnostics and findings to stderr.
 */
export async function planProject(dir: string, options: PlannerOptions, read?: Project): Promise<{ project: Project; plan: Plan; state: State | null }> {
  prestartSolverPool(SOLVER_WORKERS); // the workers start while the project is read and checked
  const project = checkProject(read ?? (await loadProject(dir)));
  printDiagnostics(project.diagnostics, project.files);
  if (hasErrors(project.diagnostics)) throw new ProjectErrors(project);
  checkPlannerOptions(options, project.spec);
  const state = await readCurrentState(project.spec, project.dir);
  const interactive = isInteractive(process.stderr);
  const view = interactive ? (await import('../views/plan-progress.js')).startPlanProgress() : undefined;
  let result;
  try {
    let blocksDone = 0;
    const lines = view ? undefined : blockProgressLines(); // off a terminal: one line per block on stderr
    const onBlock = (b: BlockEvent) => (lines?.(b), view?.update({ seconds: 0, blocks: { done: b.repair ? b.of : ++blocksDone, of: b.of } }));
    result = await planPlacement(project.spec, deploymentOf(state), { ...options, onProgress: view?.update, onBlock, plannedFrom: state?.plannedFrom, tuneSolverCode: true }, project.sourceMap);
  } finally {
    view?.stop(); // a PlannerError carries its diagnostic: action() prints it
  }
  printDiagnostics(result.findings.filter((f) => f.source), project.files);
  const plan = buildPlan({ spec: project.spec, current: state, placement: result.placement, intermediate: result.intermediate, globeVersion: globeVersion(), findings: result.findings.map((f) => planFinding(f, project)) });
  return { project, plan, state };
}

/** A finding as the Plan keeps it: its source file relative to the project, so the saved plan does not depend on the cwd. */
function planFinding(f: PlannerFinding, project: Project): PlanFinding {
  const at = (s: DiagnosticSource) => ({ file: relativeToProject(s.file, project), line: s.line, col: s.col });
  const limit = (l: Limit): PlanLimit => ({ family: l.family, fix: l.fix, ...(l.limitPath ? { limitPath: l.limitPath } : {}), ...(l.limitSpan ? { limit: at(sourceOfSpan(l.limitSpan)) } : {}) });
  const r = f.reason;
  const reason: PlanFindingReason | undefined = r && {
    ...limit(r),
    complete: r.complete,
    gain: r.gain,
    ...(r.with ? { with: limit(r.with) } : {}),
    ...(r.alternatives?.length ? { alternatives: r.alternatives.map(limit) } : {}),
  };
  return { severity: f.severity, code: f.code, message: f.message, ...(f.path ? { path: f.path } : {}), ...(f.source ? { source: at(f.source) } : {}), ...(reason ? { reason } : {}) };
}

function relativeToProject(file: string, project: Project): string {
  const rel = path.relative(project.dir, path.resolve(file));
  return rel === '' ? path.basename(file) : rel.split(path.sep).join('/');
}

/** Hold the state lock while reading the state and planning, so no apply changes it underneath. */
async function lockProject(project: Project, timeout: string): Promise<HeldLock | undefined> {
  if (hasErrors(project.diagnostics)) return undefined; // planProject reports them
  const r = parseQuantity(timeout, 'duration');
  if (!r.ok) throw new CliError(`--lock-timeout: ${r.message}`);
  try {
    const backend = await openBackend(project.spec, project.dir);
    const held = await backend.lock('plan', r.value, printLockWait).catch(async (e: unknown) => {
      await backend.close();
      throw e;
    });
    return { info: held.info, release: async () => (await held.release(), await backend.close()) };
  } catch (e) {
    throw userError(e); // a lock held elsewhere, a backend out of reach: their own codes
  }
}

export function renderOptions() {
  return { color: useColor(process.stdout), showTimings: isInteractive(process.stdout) };
}
