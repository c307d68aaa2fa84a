import type { Command } from 'commander';
import { readFile } from 'node:fs/promises';
import { canonicalJson } from '../../lang/canonical-json.js';
import { hasErrors } from '../../lang/diagnostics.js';
import { loadAndCheckProject } from '../../lang/load.js';
import { backendFor } from '../../executor/backends/index.js';
import { PostgresBackend } from '../../executor/backends/postgres.js';
import { readStateFile, stateFilePath, stateProblem, writeStateFile } from '../../executor/state-file.js';
import type { State } from '../../executor/state.js';
import { action, CliError, printDiagnostics } from '../output.js';

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
        const backend = backendFor(p.spec, p.dir);
        try {
          if (!(backend instanceof PostgresBackend)) {
            process.stdout.write(`The ${backend.kind} backend needs no initialisation.\n`);
            return 0;
          }
          const { from, to } = await backend.init();
          process.stdout.write(from === to ? `Schema ${backend.schema} is up to date (version ${to}).\n` : `Schema ${backend.schema} migrated from version ${from} to ${to}.\n`);
          return 0;
        } catch (e) {
          throw new CliError((e as Error).message);
        } finally {
          await backend.close?.();
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
        const backend = backendFor(p.spec, p.dir);
        try {
          const s = await backend.getState();
          if (!s) throw new CliError('nothing is deployed yet: the backend holds no state');
          process.stdout.write(`${canonicalJson(s)}\n`);
          return 0;
        } catch (e) {
          throw e instanceof CliError ? e : new CliError((e as Error).message);
        } finally {
          await backend.close?.();
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
          doc = JSON.parse(await readFile(file, 'utf8')) as State;
        } catch (e) {
          throw new CliError(`${file} is not a State document: ${(e as Error).message}`);
        }
        const problem = stateProblem(doc);
        if (problem) throw new CliError(`${file} is not a State document: ${problem}`);
        const backend = backendFor(p.spec, p.dir);
        try {
          let written: State;
          if (backend instanceof PostgresBackend) written = await backend.push(doc, flags.force === true);
          else if (backend.kind === 'file') {
            const path = stateFilePath(p.dir, p.spec);
            const current = await readStateFile(path);
            if (current && current.lineage !== doc.lineage && !flags.force) throw new CliError(`the state file has lineage ${current.lineage}, ${file} ${doc.lineage}: different worlds (use --force)`);
            written = await writeStateFile(path, current ?? { ...doc, serial: 0 }, doc);
          } else throw new CliError('state push needs the file or postgres backend');
          process.stdout.write(`Pushed: lineage ${written.lineage}, serial ${written.serial}.\n`);
          return 0;
        } catch (e) {
          throw e instanceof CliError ? e : new CliError((e as Error).message);
        } finally {
          await backend.close?.();
        }
      }),
    );
}
