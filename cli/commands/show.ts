import type { Command } from 'commander';
import { readFile } from 'node:fs/promises';
import type { Plan } from '../../schemas/plan.js';
import { action, CliError } from '../output.js';
import { renderPlan, type PlanFormat } from '../render/render-plan.js';
import { readPlanDocument } from '../plan-file.js';
import { addFailOnFlag, enforcePromises, parseFailOn } from '../fail-on.js';

export function registerShow(program: Command): void {
  const cmd = program
    .command('show')
    .description('render a saved plan without solving again')
    .argument('<planfile>', 'a plan saved by `globe plan --out`')
    .option('--format <format>', 'text, markdown or json', 'text')
    .option('--json', 'same as --format json');
  addFailOnFlag(cmd).action(
    action(async (file: string, flags: { format: string; json?: boolean; failOn: string }) => {
      const format = (flags.json ? 'json' : flags.format) as PlanFormat;
      if (!['text', 'markdown', 'json'].includes(format)) throw new CliError(`--format must be text, markdown or json, not ${flags.format}`);
      parseFailOn(flags.failOn);
      const plan: Plan = await readPlanDocument(file);
      process.stdout.write(renderPlan(plan, format));
      enforcePromises(plan.placement, flags.failOn, 'plan');
      return 0;
    }),
  );
}

export { readFile };
