import type { Command } from 'commander';
import { resolve } from 'node:path';
import { openBackend } from '../../executor/backends/index.js';
import { loadAndCheckProject } from '../../lang/load.js';
import { GlobeError } from '../../schemas/diagnostic.js';
import { action, CliError } from '../output.js';

/**
 * The lock lives where the backend keeps it (executor/backends/: beside the state file, in the
 * project's `.globe/`, or a database session that needs no forcing); the backend removes it.
 */
export function registerForceUnlock(program: Command): void {
  program
    .command('force-unlock')
    .description('remove a stale state lock left by a globe that died')
    .argument('<id>', 'the lock ID printed by the command that could not get the lock')
    .argument('[dir]', 'project directory', '.')
    .action(
      action(async (id: string, dir: string) => {
        const project = await loadAndCheckProject(dir);
        let backend;
        try {
          backend = await openBackend(project.spec, resolve(dir));
          await backend.forceUnlock(id);
        } catch (e) {
          // What the backend says (not locked, another ID, a lock that needs no forcing, no URL for the database) is a plain error.
          if (e instanceof GlobeError) throw e; // it carries its diagnostic: action() prints it
          if (e instanceof Error) throw new CliError(e.message);
          throw e;
        } finally {
          await backend?.close();
        }
        process.stdout.write(`Lock ${id} removed. Make sure no other globe is still running against this state.\n`);
        return 0;
      }),
    );
}
