import type { Command } from 'commander';
import { existsSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { dirname, extname, relative, resolve } from 'node:path';
import { emitGlobe, parseGlobe } from '../../lang/dsl/index.js';
import { hasErrors } from '../../lang/diagnostics.js';
import { decodeUtf8 } from '../../lang/project.js';
import { schemaPath } from '../../lang/schema-files.js';
import { emitYaml, loadYaml } from '../../lang/yaml/index.js';
import { action, CliError, printDiagnostics, writeFileSafely } from '../output.js';

export function registerConvert(program: Command): void {
  program
    .command('convert')
    .description('convert one file between the DSL and YAML (meaning preserved)')
    .argument('<file>', 'a *.globe or *.yaml file')
    .requiredOption('--to <format>', 'yaml or globe')
    .option('--out <file>', 'write here instead of stdout')
    .option('--force', 'overwrite --out if it exists')
    .action(
      action(async (file: string, opts: { to: string; out?: string; force?: boolean }) => {
        if (opts.to !== 'yaml' && opts.to !== 'globe') throw new CliError(`--to must be yaml or globe, not ${opts.to}`);
        let bytes;
        try {
          bytes = await readFile(file);
        } catch {
          throw new CliError(`cannot read ${file}: no such file`);
        }
        const text = decodeUtf8(bytes);
        if (typeof text !== 'string') throw new CliError(`${file}:${text.line}:${text.col}: file is not valid UTF-8`);
        const loaded = extname(file) === '.globe' ? parseGlobe(text, file) : loadYaml(text, file);
        printDiagnostics(loaded.diagnostics, [{ path: file, text }]);
        if (hasErrors(loaded.diagnostics)) return 1;
        if (opts.out && existsSync(opts.out) && !opts.force) throw new CliError(`${opts.out} exists; use --force to overwrite it`);
        const output =
          opts.to === 'globe'
            ? emitGlobe(loaded.spec)
            : emitYaml(loaded.spec, { schemaPath: relative(opts.out ? dirname(resolve(opts.out)) : process.cwd(), schemaPath('spec.schema.json')) });
        if (opts.out) await writeFileSafely(opts.out, output);
        else process.stdout.write(output);
        return 0;
      }),
    );
}
