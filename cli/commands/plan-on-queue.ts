/**
 * `globe plan --workers queue`: the planner's solves go to `globe worker`
 * processes through the postgres backend's database (planner/solve/queue-pool.ts),
 * and stderr shows the queue as it changes: queued, running (and on which
 * worker), done.
 */
import type { Project } from '../../lang/load.js';
import { openBackend } from '../../executor/backends/index.js';
import type { QueueDatabase } from '../../executor/backend.js';
import { CliError, userError } from '../output.js';

/** The database of the project's backend that holds the job queue; `refusal` is the error when its backend has none. */
export async function queueDatabaseOf(project: Pick<Project, 'spec' | 'dir'>, refusal: string): Promise<QueueDatabase> {
  let backend;
  try {
    backend = await openBackend(project.spec, project.dir);
  } catch (e) {
    throw userError(e);
  }
  try {
    if (!backend.capabilities.sharedQueue || !backend.queue) throw new CliError(refusal);
    return backend.queue();
  } finally {
    await backend.close();
  }
}

export async function solveOnQueueFor(project: Project, workers: string): Promise<void> {
  if (workers !== 'queue') throw new CliError(`--workers must be local or queue, not ${workers}`);
  const { url, schema } = await queueDatabaseOf(project, '--workers queue needs the postgres backend: the job queue lives in its database');
  const { solveOnQueue } = await import('../../planner/solve/queue-pool.js');
  solveOnQueue({
    url,
    schema,
    onStatus: (s) => {
      // console.error, not process.stderr: on a terminal the progress view (ink) prints these above its live line.
      if (s.requeued) console.error(`queue: solve ${s.requeued.solve} goes back to the queue: worker ${s.requeued.worker} is gone`);
      const running = s.running.map((r) => `solve ${r.solve} on ${r.worker}`).join(', ');
      console.error(`queue: ${s.queued} queued, ${s.running.length} running${running ? ` (${running})` : ''}, ${s.done} done`);
    },
  });
}
