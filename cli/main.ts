#!/usr/bin/env node
/**
 * globe's command line. Each command lives in `cli/commands/<name>.ts` and
 * registers itself on the commander program; this file only wires them up.
 */
import nodeModule from 'node:module';
import type { Command as Program } from 'commander';
import { globeVersion } from './version.js';

// Node 22.1+ keeps compiled JavaScript of the modules loaded below in a disk cache (its temp
// directory), as tsc does: a faster start-up for every later command. Node 20 has no such cache.
(nodeModule as { enableCompileCache?: () => unknown }).enableCompileCache?.();

type Register = (program: Program) => void;

/**
 * Each command's module, loaded on demand: `globe plan` need not load the
 * apply engine, the PostgreSQL driver or the simulator (start-up time is
 * most of a small project's plan). Help, --version and unknown commands load
 * them all, so the command list and "did you mean" stay complete.
 */
const COMMANDS: Record<string, () => Promise<Register[]>> = {
  validate: async () => [(await import('./commands/validate.js')).registerValidate],
  fmt: async () => [(await import('./commands/fmt.js')).registerFmt],
  convert: async () => [(await import('./commands/convert.js')).registerConvert],
  plan: async () => [(await import('./commands/plan.js')).registerPlan],
  show: async () => [(await import('./commands/show.js')).registerShow],
  apply: async () => [(await import('./commands/apply.js')).registerApply],
  'force-unlock': async () => [(await import('./commands/force-unlock.js')).registerForceUnlock],
  simulate: async () => [(await import('./commands/simulate.js')).registerSimulate],
  init: async () => [(await import('./commands/state.js')).registerInit],
  state: async () => [(await import('./commands/state.js')).registerState],
  lsp: async () => [(await import('./commands/lsp.js')).registerLsp],
  worker: async () => [(await import('./commands/worker.js')).registerWorker],
};

/** Commands whose solver workers start first (planner/solve/solve.ts); `apply DIR` starts them when it plans. */
const SOLVING_COMMANDS = new Set(['plan']);

async function prestartIfSolving(argv: string[]): Promise<void> {
  const name = argv[2];
  if (name !== undefined && SOLVING_COMMANDS.has(name) && !argv.includes('--help') && !argv.includes('-h')) {
    const { prestartSolverPool, SOLVER_WORKERS } = await import('../planner/solve/solve.js');
    prestartSolverPool(SOLVER_WORKERS);
  }
}

async function commandsFor(argv: string[]): Promise<Register[]> {
  const name = argv[2];
  if (name !== undefined && Object.hasOwn(COMMANDS, name)) return COMMANDS[name]();
  return (await Promise.all(Object.values(COMMANDS).map((load) => load()))).flat();
}

// `globe plan | head` closes our stdout early: that is not an error worth a stack trace.
for (const stream of [process.stdout, process.stderr]) {
  stream.on('error', (err: NodeJS.ErrnoException) => {
    if (err.code === 'EPIPE') process.exit(process.exitCode ?? 0);
    throw err;
  });
}

// Before anything else loads, commander included: starting a worker thread and HiGHS in it is the
// longest part of a small project's plan.
await prestartIfSolving(process.argv);
const { Command } = await import('commander');
const program = new Command();
program
  .name('globe')
  .description('Infrastructure-as-code for global capacity.')
  .version(globeVersion())
  .showHelpAfterError()
  .configureOutput({ outputError: (text, write) => write(text) });

commandsFor(process.argv)
  .then((registers) => {
    for (const register of registers) register(program);
    return program.parseAsync(process.argv);
  })
  .catch((err: unknown) => {
  // Commands report their own errors; reaching here is a bug in globe, but the
  // user still gets one line, not a stack trace (GLOBE_DEBUG=1 shows it).
  const message = err instanceof Error ? err.message : String(err);
  process.stderr.write(`globe: internal error: ${message}\n`);
  if (process.env.GLOBE_DEBUG) process.stderr.write(`${(err as Error)?.stack ?? ''}\n`);
  process.exitCode = 1;
});
