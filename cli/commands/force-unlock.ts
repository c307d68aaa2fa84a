import type { Command } from 'commander';
import { join, resolve } from 'node:path';
import { loadAndCheckProject } from '../../lang/load.js';
import type { Spec } from '../../lang/spec.js';
import { forceUnlock, LockError } from '../../executor/lock.js';
import { action, CliError } from '../output.js';

/**
 * Where the state lock lives: the project's `.globe/` (beside the default
 * state file), whatever the backend — never next to a state file kept
 * elsewhere in the project, where lock files would litter committed folders.
 */
export function lockDirFor(_spec: Spec, projectDir: string): string {
  return join(projectDir, '.globe');
}

export function registerForceUnlock(program: Command): void {
  program
    .command('force-unlock')
    .description('remove a stale state lock left by a globe that died')
    .argument('<id>', 'the lock ID printed by the command that could not get the lock')
    .argument('[dir]', 'project directory', '.')
    .action(
      action(async (id: string, dir: string) => {
        const project = await loadAndCheckProject(dir);
        try {
          forceUnlock(lockDirFor(project.spec, resolve(dir)), id);
        } catch (e) {
          if (e instanceof LockError) throw new CliError(e.message);
          throw e;
        }
        process.stdout.write(`Lock ${id} removed. Make sure no other globe is still running against this state.\n`);
        return 0;
      }),
    );
}
