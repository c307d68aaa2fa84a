import type { Command } from 'commander';

// Placeholder until the command lands; replaced by its owner.
export function registerApply(program: Command): void {
  program
    .command('apply')
    .description('(not implemented yet)')
    .allowUnknownOption()
    .action(() => {
      process.stderr.write('globe apply: not implemented yet\n');
      process.exitCode = 1;
    });
}
