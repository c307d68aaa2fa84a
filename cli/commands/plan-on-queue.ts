/**
 * `globe plan --workers queue`: the planner's solves go to `globe worker`
 * processes through the postgres backend's database (planner/solve/queue-pool.ts),
 * and stderr shows the queue as it changes: queued, running (and on which
 * worker), done.
 */
import type { Project } from '../../lang/load.js';
import { CliError } from '../output.js';

export async function solveOnQueueFor(project: Project, workers: string): Promise<void> {
  if (workers !== 'queue') throw new CliError(`--workers must be local or queue, not ${workers}`);
  const backend = project.spec.backend;
  if (backend?.kind !== 'postgres') throw new CliError('--workers queue needs the postgres backend: the job queue lives in its database');
  const { connectionUrl } = await import('../../executor/backends/postgres.js');
  const { solveOnQueue } = await import('../../planner/solve/queue-pool.js');
  let url: string;
  try {
    url = connectionUrl(backend.urlEnv);
  } catch (e) {
    throw new CliError((e as Error).message);
  }
  solveOnQueue({
    url,
    schema: backend.schema,
    onStatus: (s) => {
      // console.error, not process.stderr: on a terminal the progress view (ink) prints these above its live line.
      if (s.requeued) console.error(`queue: solve ${s.requeued.solve} goes back to the queue: worker ${s.requeued.worker} is gone`);
      const running = s.running.map((r) => `solve ${r.solve} on ${r.worker}`).join(', ');
      console.error(`queue: ${s.queued} queued, ${s.running.length} running${running ? ` (${running})` : ''}, ${s.done} done`);
    },
  });
}
