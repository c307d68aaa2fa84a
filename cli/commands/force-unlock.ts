import type { Command } from 'commander';
import { join, resolve } from 'node:path';
import { loadAndCheckProject } from '../../lang/load.js';
import type { Spec } from '../../lang/spec.js';
import { forceUnlock, LockError, stateDirOf } from '../../executor/lock.js';
import { stateFilePath } from '../../executor/state-file.js';
import { action, CliError } from '../output.js';

/** Where the state lock lives: beside the state file, or in the project's .globe/ for other backends. */
export function lockDirFor(spec: Spec, projectDir: string): string {
  return spec.backend === undefined || spec.backend.kind === 'file' ? stateDirOf(stateFilePath(projectDir, spec)) : join(projectDir, '.globe');
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
