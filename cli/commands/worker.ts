import type { Command } from 'commander';
import { hasErrors } from '../../lang/diagnostics.js';
import { checkProject } from '../../lang/load.js';
import { loadProject } from '../../lang/project.js';
import { CliError, action, printDiagnostics, userError } from '../output.js';
import { queueDatabaseOf } from './plan-on-queue.js';

/**
 * `globe worker [DIR]`: solve block models for `globe plan --workers queue`,
 * taking them from the job queue in the project's postgres backend database
 * (URL from the backend's environment variable). Runs until SIGTERM / SIGINT;
 * a job in hand then goes back to the queue for another worker.
 */
export function registerWorker(program: Command): void {
  program
    .command('worker')
    .description('solve block models for `globe plan --workers queue` (postgres backend), until stopped')
    .argument('[dir]', 'project directory (for its backend block)', '.')
    .option('--name <name>', 'how this worker is shown in plans (default host:pid)')
    .option('--baseline-code', "run HiGHS as baseline WebAssembly only: no optimising recompilation (faster for a worker that lives for few, small solves)")
    .action(
      action(async (dir: string, flags: { name?: string; baselineCode?: boolean }) => {
        const project = checkProject(await loadProject(dir));
        printDiagnostics(project.diagnostics, project.files);
        if (hasErrors(project.diagnostics)) throw new CliError('the project has errors; no worker started');
        const { url, schema } = await queueDatabaseOf(project, 'globe worker needs the postgres backend: the job queue lives in its database (add a `backend postgres { ... }` block)');
        const { startWorker } = await import('../../planner/distribute/queue-worker.js');
        // A long-lived worker gains from V8's optimising compiler (HiGHS ~40% faster on large blocks); it costs
        // CPU seconds at first, which a short-lived one never wins back (bench/README.md).
        if (flags.baselineCode) (await import('../../planner/solve/solve.js')).useBaselineSolverCode(true);
        let worker;
        try {
          worker = await startWorker({ url, schema, name: flags.name, log: (line) => process.stdout.write(`${line}\n`) });
        } catch (e) {
          throw userError(e);
        }
        const stop = () => void worker.stop();
        process.once('SIGTERM', stop);
        process.once('SIGINT', stop);
        try {
          await worker.stopped;
        } catch (e) {
          throw userError(e, (message) => `${message}; the job this worker held goes back to the queue`);
        }
        process.stdout.write(`worker ${worker.name} stopped\n`);
        return 0;
      }),
    );
}
