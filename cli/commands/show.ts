import type { Command } from 'commander';
import { readFile } from 'node:fs/promises';
import type { Plan } from '../../schemas/plan.js';
import { action, CliError } from '../output.js';
import { PLAN_FORMATS, renderPlan, type PlanFormat } from '../render/render-plan.js';
import { readPlanDocument } from '../plan-file.js';
import { addFailOnFlag, enforcePromises, parseFailOn } from '../fail-on.js';

export function registerShow(program: Command): void {
  const cmd = program
    .command('show')
    .description('render a saved plan without solving again')
    .argument('<planfile>', 'a plan saved by `globe plan --out`')
    .option('--format <format>', 'text, markdown (a pull-request comment), json or html (a self-contained page)', 'text')
    .option('--project <dir>', 'the project directory the plan was made from, named in the comment marker', '.')
    .option('--json', 'same as --format json');
  addFailOnFlag(cmd).action(
    action(async (file: string, flags: { format: string; json?: boolean; failOn: string; project: string }) => {
      const format = (flags.json ? 'json' : flags.format) as PlanFormat;
      if (!PLAN_FORMATS.includes(format)) throw new CliError(`--format must be text, markdown, json or html, not ${flags.format}`);
      parseFailOn(flags.failOn);
      const plan: Plan = await readPlanDocument(file);
      process.stdout.write(renderPlan(plan, format, { dir: flags.project, artifact: file }));
      enforcePromises(plan.placement, flags.failOn, 'plan');
      return 0;
    }),
  );
}

export { readFile };
