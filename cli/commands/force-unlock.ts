import type { Command } from 'commander';

// Placeholder until the command lands; replaced by its owner.
export function registerForceUnlock(program: Command): void {
  program
    .command('force-unlock')
    .description('(not implemented yet)')
    .allowUnknownOption()
    .action(() => {
      process.stderr.write('globe force-unlock: not implemented yet\n');
      process.exitCode = 1;
    });
}
