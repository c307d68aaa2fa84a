import type { Command } from 'commander';
import { createTwoFilesPatch } from 'diff';
import { readdir, stat } from 'node:fs/promises';
import { join, relative } from 'node:path';
import { formatGlobe } from '../../lang/dsl/index.js';
import { hasErrors, sortDiagnostics, type Diagnostic } from '../../lang/diagnostics.js';
import { readSpecFile } from '../../lang/project.js';
import { action, CliError, printDiagnostics, writeFileSafely } from '../output.js';

export function registerFmt(program: Command): void {
  program
    .command('fmt')
    .description('rewrite *.globe files in the canonical format (comments kept)')
    .argument('[paths...]', 'project directories or files', ['.'])
    .option('--check', 'write nothing; exit 1 if any file is not formatted')
    .option('--diff', 'write nothing; print a unified diff of the changes')
    .action(
      action(async (paths: string[], opts: { check?: boolean; diff?: boolean }) => {
        const files = await globeFiles(paths);
        const diagnostics: Diagnostic[] = [];
        const texts: { path: string; text: string }[] = [];
        const changed: string[] = [];
        for (const file of files) {
          const shown = relative(process.cwd(), file) || file;
          // Read as the project loader does: a file too large or not UTF-8 is reported and left untouched
          // (decoding it leniently and writing it back would replace its bad bytes with U+FFFD).
          const read = await readSpecFile(file, shown);
          if ('diagnostic' in read) {
            diagnostics.push(read.diagnostic);
            if (read.shownText !== undefined) texts.push({ path: shown, text: read.shownText });
            continue;
          }
          const { text, bom } = read;
          texts.push({ path: shown, text });
          const result = formatGlobe(text, shown);
          diagnostics.push(...result.diagnostics);
          if (hasErrors(result.diagnostics) || result.text === text) continue;
          changed.push(shown);
          if (opts.diff) process.stdout.write(createTwoFilesPatch(shown, shown, text, result.text, 'original', 'formatted'));
          else if (!opts.check) await writeFileSafely(file, (bom ? '\uFEFF' : '') + result.text);
        }
        printDiagnostics(sortDiagnostics(diagnostics), texts);
        if (hasErrors(diagnostics)) return 1;
        if (opts.check) {
          for (const f of changed) process.stdout.write(`${f}\n`);
          if (changed.length > 0) process.stderr.write(`${changed.length} file${changed.length === 1 ? ' is' : 's are'} not formatted; run \`globe fmt\`\n`);
          return changed.length > 0 ? 1 : 0;
        }
        if (!opts.diff) for (const f of changed) process.stdout.write(`${f}\n`);
        return 0;
      }),
    );
}

/** The *.globe files named, or found directly in the directories named (and their subdirectories, for `fmt examples`). */
async function globeFiles(paths: string[]): Promise<string[]> {
  const out: string[] = [];
  for (const p of paths) {
    let info;
    try {
      info = await stat(p);
    } catch {
      throw new CliError(`cannot read ${p}: no such file or directory`);
    }
    if (info.isDirectory()) out.push(...(await walk(p)));
    else if (p.endsWith('.globe')) out.push(p);
    else throw new CliError(`${p} is not a *.globe file: globe fmt formats the DSL only`);
  }
  return [...new Set(out)].sort();
}

async function walk(dir: string): Promise<string[]> {
  const out: string[] = [];
  for (const entry of (await readdir(dir, { withFileTypes: true })).sort((a, b) => (a.name < b.name ? -1 : 1))) {
    if (entry.name.startsWith('.') || entry.name === 'node_modules') continue;
    const full = join(dir, entry.name);
    if (entry.isDirectory()) out.push(...(await walk(full)));
    else if (entry.name.endsWith('.globe')) out.push(full);
  }
  return out;
}
