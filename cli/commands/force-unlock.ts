import type { Command } from 'commander';
import { join, resolve } from 'node:path';
import { stateFilePath } from '../../executor/state-file.js';
import { loadAndCheckProject } from '../../lang/load.js';
import type { Spec } from '../../lang/spec.js';
import { forceUnlock } from '../../executor/lock.js';
import { action } from '../output.js';

/**
 * Where the state lock lives: with the state it protects. For the file
 * backend, `<state file>.lock` beside the state file, so that two projects
 * whose `backend file { path }` name one file take turns; for the exec
 * backend (whose state lives behind its commands), `.globe/state.lock` in the
 * project. (The postgres backend locks in the database itself.)
 */
export function lockDirFor(spec: Spec, projectDir: string): string {
  if ((spec.backend?.kind ?? 'file') === 'file') return `${stateFilePath(projectDir, spec)}.lock`;
  return join(projectDir, '.globe', 'state.lock');
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
        forceUnlock(lockDirFor(project.spec, resolve(dir)), id); // a LockError carries its diagnostic: action() prints it
        process.stdout.write(`Lock ${id} removed. Make sure no other globe is still running against this state.\n`);
        return 0;
      }),
    );
}
