import type { Command } from 'commander';

// Placeholder until the command lands; replaced by its owner.
export function registerPlan(program: Command): void {
  program
    .command('plan')
    .description('(not implemented yet)')
    .allowUnknownOption()
    .action(() => {
      process.stderr.write('globe plan: not implemented yet\n');
      process.exitCode = 1;
    });
}
