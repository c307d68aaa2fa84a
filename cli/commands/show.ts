import type { Command } from 'commander';

// Placeholder until the command lands; replaced by its owner.
export function registerShow(program: Command): void {
  program
    .command('show')
    .description('(not implemented yet)')
    .allowUnknownOption()
    .action(() => {
      process.stderr.write('globe show: not implemented yet\n');
      process.exitCode = 1;
    });
}
