import type { Command } from 'commander';
import { hasErrors } from '../../lang/diagnostics.js';
import { loadAndCheckProject } from '../../lang/load.js';
import type { Spec } from '../../lang/spec.js';
import { action, printDiagnostics } from '../output.js';

export function registerValidate(program: Command): void {
  program
    .command('validate')
    .description('parse and check a project: every *.globe and *.yaml file in DIR')
    .argument('[dir]', 'project directory or file', '.')
    .option('--json', 'print the diagnostics as JSON on stdout')
    .action(
      action(async (dir: string, opts: { json?: boolean }) => {
        const project = await loadAndCheckProject(dir);
        const failed = hasErrors(project.diagnostics);
        if (opts.json) {
          process.stdout.write(`${JSON.stringify({ valid: !failed, diagnostics: project.diagnostics }, null, 2)}\n`);
          return failed ? 1 : 0;
        }
        printDiagnostics(project.diagnostics, project.files);
        if (failed) return 1;
        process.stdout.write(`${summarize(project.spec, project.files.length)}\n`);
        return 0;
      }),
    );
}

export function summarize(spec: Spec, files: number): string {
  const count = (n: number, one: string, many = `${one}s`) => `${n} ${n === 1 ? one : many}`;
  const localities = new Set(Object.values(spec.regions).map((r) => r.locality)).size;
  const tenants = Object.values(spec.services).reduce((n, s) => n + Object.keys(s.tenants).length, 0);
  return (
    `Valid: ${count(files, 'file')}, ${count(Object.keys(spec.regions).length, 'region')} (${count(localities, 'locality', 'localities')}), ` +
    `${count(Object.keys(spec.resources).length, 'resource')}, ${count(Object.keys(spec.services).length, 'service')}, ${count(tenants, 'tenant')}, ` +
    `${count(Object.keys(spec.reservations).length, 'reservation')}, ${count(Object.keys(spec.products).length, 'product')}.`
  );
}
