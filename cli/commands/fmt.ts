import type { Command } from 'commander';

// Placeholder until the command lands; replaced by its owner.
export function registerFmt(program: Command): void {
  program
    .command('fmt')
    .description('(not implemented yet)')
    .allowUnknownOption()
    .action(() => {
      process.stderr.write('globe fmt: not implemented yet\n');
      process.exitCode = 1;
    });
}
