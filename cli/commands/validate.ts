import type { Command } from 'commander';
import { hasErrors, type Diagnostic as LangDiagnostic } from '../../lang/diagnostics.js';
import { fromLangDiagnostic, type Diagnostic, type DiagnosticSource } from '../../schemas/diagnostic.js';
import { loadAndCheckProject } from '../../lang/load.js';
import type { Spec } from '../../lang/spec.js';
import { action, printDiagnostics } from '../output.js';

export function registerValidate(program: Command): void {
  program
    .command('validate')
    .description('parse and check a project: every *.globe and *.yaml file in DIR')
    .argument('[dir]', 'project directory or file', '.')
    .option('--json', 'print { valid, diagnostics } as JSON on stdout, each diagnostic as schemas/diagnostic.schema.json describes it')
    .action(
      action(async (dir: string, opts: { json?: boolean }) => {
        const project = await loadAndCheckProject(dir);
        const failed = hasErrors(project.diagnostics);
        if (opts.json) {
          process.stdout.write(validationJson(!failed, project.diagnostics, project.files));
          return failed ? 1 : 0;
        }
        printDiagnostics(project.diagnostics, project.files);
        if (failed) return 1;
        process.stdout.write(`${summarize(project.spec, project.files.length)}\n`);
        return 0;
      }),
    );
}

/**
 * `validate --json`: `{ valid, diagnostics }`, each diagnostic in the one shape every stage reports
 * (schemas/diagnostic.schema.json), its source with the offending line (`lineText`), so a tool
 * reading the JSON needs neither the files nor the language's own span shape.
 */
export function validationJson(valid: boolean, diagnostics: readonly LangDiagnostic[], files: readonly { path: string; text: string }[]): string {
  const lines = new Map(files.map((f) => [f.path, f.text.split(/\r?\n/)]));
  const withLine = (source: DiagnosticSource): DiagnosticSource => {
    const text = lines.get(source.file)?.[source.line - 1];
    return text === undefined ? source : { ...source, lineText: text };
  };
  const out: Diagnostic[] = diagnostics.map((d) => {
    const one = fromLangDiagnostic(d);
    return {
      ...one,
      ...(one.source ? { source: withLine(one.source) } : {}),
      ...(one.related ? { related: one.related.map((r) => ({ ...r, source: withLine(r.source) })) } : {}),
    };
  });
  return `${JSON.stringify({ valid, diagnostics: out }, null, 2)}\n`;
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
