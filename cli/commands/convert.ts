import type { Command } from 'commander';
import { existsSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { extname } from 'node:path';
import { emitGlobe, parseGlobe } from '../../lang/dsl/index.js';
import { hasErrors } from '../../lang/diagnostics.js';
import { decodeUtf8 } from '../../lang/project.js';
import { specSchemaId } from '../../lang/schema-files.js';
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
    .option('--schema <ref>', "the YAML modeline's schema: a URL, a path relative to the written file, or none (default: the schema's $id URL)")
    .action(
      action(async (file: string, opts: { to: string; out?: string; force?: boolean; schema?: string }) => {
        if (opts.to !== 'yaml' && opts.to !== 'globe') throw new CliError(`--to must be yaml or globe, not ${opts.to}`);
        const schemaRef = modelineSchema(opts.schema);
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
            : emitYaml(loaded.spec, { schemaPath: schemaRef });
        if (opts.out) await writeFileSafely(opts.out, output);
        else process.stdout.write(output);
        return 0;
      }),
    );
}

/**
 * What follows `$schema=` in the modeline. By default the schema's `$id`: it
 * does not depend on where globe is installed or where the file is written
 * (the old default, a path from the output to globe's own copy, broke on
 * every other machine). `--schema` names another reference, written as given
 * (yaml-language-server resolves a relative path against the YAML file), or
 * `none` for no modeline.
 */
function modelineSchema(option: string | undefined): string | undefined {
  if (option === undefined) return specSchemaId();
  if (option === 'none') return undefined;
  if (option === '' || /[\s]/.test(option)) throw new CliError(`--schema must be a URL, a path without spaces or none, not ${JSON.stringify(option)}`);
  return option;
}
