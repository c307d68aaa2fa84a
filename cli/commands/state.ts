import type { Command } from 'commander';
import { readFile } from 'node:fs/promises';
import { hasErrors } from '../../lang/diagnostics.js';
import { loadAndCheckProject } from '../../lang/load.js';
import { openBackend as open } from '../../executor/backends/index.js';
import type { OpenBackend } from '../../executor/backend.js';
import type { HeldLock } from '../../executor/lock.js';
import { printLockWait } from '../lock-wait.js';
import { parseState, StateError } from '../../executor/state-file.js';
import type { State } from '../../schemas/state.js';
import { action, CliError, printDiagnostics, userError } from '../output.js';
import { renderStateJson } from '../render/state-json.js';

/** How long `state push` waits for an apply holding the state lock. */
const PUSH_LOCK_TIMEOUT_MS = 30_000;

/** The project's backend; one that cannot be set up (no URL in the environment, a state path outside the project) fails with its own diagnostic. */
async function openBackend(p: { spec: Parameters<typeof open>[0]; dir: string }): Promise<OpenBackend> {
  try {
    return await open(p.spec, p.dir);
  } catch (e) {
    throw userError(e);
  }
}

async function project(dir: string) {
  const p = await loadAndCheckProject(dir);
  printDiagnostics(p.diagnostics, p.files);
  if (hasErrors(p.diagnostics)) throw new CliError('the project has errors');
  return p;
}

export function registerInit(program: Command): void {
  program
    .command('init')
    .description('create or migrate the backend (the postgres schema); running it twice is harmless')
    .argument('[dir]', 'project directory', '.')
    .action(
      action(async (dir: string) => {
        const p = await project(dir);
        const backend = await openBackend(p);
        try {
          if (!backend.capabilities.needsInit || !backend.init) {
            process.stdout.write(`The ${backend.name} backend needs no initialisation.\n`);
            return 0;
          }
          const { from, to, what } = await backend.init();
          process.stdout.write(from === to ? `${what} is up to date (version ${to}).\n` : `${what} migrated from version ${from} to ${to}.\n`);
          return 0;
        } catch (e) {
          throw userError(e);
        } finally {
          await backend.close();
        }
      }),
    );
}

export function registerState(program: Command): void {
  const state = program.command('state').description('move a world between backends');
  state
    .command('pull')
    .description("print the backend's current State document")
    .argument('[dir]', 'project directory', '.')
    .action(
      action(async (dir: string) => {
        const p = await project(dir);
        const backend = await openBackend(p);
        try {
          const s = await backend.getState();
          if (!s) throw new CliError('nothing is deployed yet: the backend holds no state');
          process.stdout.write(renderStateJson(s));
          return 0;
        } catch (e) {
          throw userError(e);
        } finally {
          await backend.close();
        }
      }),
    );
  state
    .command('push')
    .description("write a State document (e.g. from `state pull`) as the backend's next serial")
    .argument('<file>', 'a State JSON document')
    .argument('[dir]', 'project directory', '.')
    .option('--force', 'replace a state of another lineage')
    .action(
      action(async (file: string, dir: string, flags: { force?: boolean }) => {
        const p = await project(dir);
        let doc: State;
        try {
          doc = parseState(await readFile(file, 'utf8'), file);
        } catch (e) {
          if (e instanceof StateError) throw e;
          throw new CliError(`cannot read ${file} (${(e as NodeJS.ErrnoException).code ?? 'error'})`);
        }
        let backend: OpenBackend | undefined;
        let lock: HeldLock | undefined;
        try {
          backend = await open(p.spec, p.dir);
          // A push is a write like any move: it takes the state lock, so it never interleaves with an apply.
          lock = await backend.lock('state push', PUSH_LOCK_TIMEOUT_MS, printLockWait);
          if (!backend.capabilities.statePush || !backend.push) throw new CliError('state push needs the file or postgres backend');
          const written = await backend.push(doc, flags.force === true, file);
          process.stdout.write(`Pushed: lineage ${written.lineage}, serial ${written.serial}.\n`);
          return 0;
        } catch (e) {
          throw userError(e);
        } finally {
          await lock?.release();
          await backend?.close();
        }
      }),
    );
}
