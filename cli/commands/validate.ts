import type { Command } from 'commander';

// Placeholder until the command lands; replaced by its owner.
export function registerValidate(program: Command): void {
  program
    .command('validate')
    .description('(not implemented yet)')
    .allowUnknownOption()
    .action(() => {
      process.stderr.write('globe validate: not implemented yet\n');
      process.exitCode = 1;
    });
}
