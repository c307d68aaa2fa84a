import type { Command } from 'commander';

// Placeholder until the command lands; replaced by its owner.
export function registerConvert(program: Command): void {
  program
    .command('convert')
    .description('(not implemented yet)')
    .allowUnknownOption()
    .action(() => {
      process.stderr.write('globe convert: not implemented yet\n');
      process.exitCode = 1;
    });
}
