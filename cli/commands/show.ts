import type { Command } from 'commander';
import { readFile } from 'node:fs/promises';
import type { Plan } from '../../schemas/plan.js';
import { action } from '../output.js';
import { PLAN_FORMAT_HELP, PLAN_FORMATS, renderPlan } from '../render/render-plan.js';
import { addFormatOption, parseFormat } from '../format-option.js';
import { readPlanDocument } from '../plan-file.js';
import { addFailOnFlag, enforcePromises, parseFailOn } from '../fail-on.js';

export function registerShow(program: Command): void {
  const cmd = addFormatOption(
    program
      .command('show')
      .description('render a saved plan without solving again')
      .argument('<planfile>', 'a plan saved by `globe plan --out`'),
    PLAN_FORMAT_HELP,
  )
    .option('--project <dir>', 'the project directory the plan was made from, named in the comment marker', '.')
    .option('--json', 'same as --format json');
  addFailOnFlag(cmd).action(
    action(async (file: string, flags: { format: string; json?: boolean; failOn: string; project: string }) => {
      const format = parseFormat(flags, PLAN_FORMATS);
      parseFailOn(flags.failOn);
      const plan: Plan = await readPlanDocument(file);
      process.stdout.write(renderPlan(plan, format, { dir: flags.project, artifact: file }));
      enforcePromises(plan.placement, flags.failOn, 'plan');
      return 0;
    }),
  );
}

export { readFile };
