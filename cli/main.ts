#!/usr/bin/env node
/**
 * globe's command line. Each command lives in `cli/commands/<name>.ts` and
 * registers itself on the commander program; this file only wires them up.
 */
import { Command } from 'commander';
import { registerValidate } from './commands/validate.js';
import { registerFmt } from './commands/fmt.js';
import { registerConvert } from './commands/convert.js';
import { registerPlan } from './commands/plan.js';
import { registerShow } from './commands/show.js';
import { registerApply } from './commands/apply.js';
import { registerForceUnlock } from './commands/force-unlock.js';
import { registerSimulate } from './commands/simulate.js';
import { registerInit, registerState } from './commands/state.js';
import { globeVersion } from './version.js';

// `globe plan | head` closes our stdout early: that is not an error worth a stack trace.
for (const stream of [process.stdout, process.stderr]) {
  stream.on('error', (err: NodeJS.ErrnoException) => {
    if (err.code === 'EPIPE') process.exit(process.exitCode ?? 0);
    throw err;
  });
}

const program = new Command();
program
  .name('globe')
  .description('Infrastructure-as-code for global capacity.')
  .version(globeVersion())
  .showHelpAfterError()
  .configureOutput({ outputError: (text, write) => write(text) });

registerValidate(program);
registerFmt(program);
registerConvert(program);
registerPlan(program);
registerShow(program);
registerApply(program);
registerForceUnlock(program);
registerSimulate(program);
registerInit(program);
registerState(program);

program.parseAsync(process.argv).catch((err: unknown) => {
  // Commands report their own errors; reaching here is a bug in globe, but the
  // user still gets one line, not a stack trace (GLOBE_DEBUG=1 shows it).
  const message = err instanceof Error ? err.message : String(err);
  process.stderr.write(`globe: internal error: ${message}\n`);
  if (process.env.GLOBE_DEBUG) process.stderr.write(`${(err as Error)?.stack ?? ''}\n`);
  process.exitCode = 1;
});
