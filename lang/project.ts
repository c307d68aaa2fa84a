/**
 * Reading a project: every `*.globe`, `*.yaml` and `*.yml` file directly in
 * a directory (or one file), each checked for size and encoding before it is
 * parsed, then merged into one Spec.
 */
import { readdir, readFile, stat } from 'node:fs/promises';
import { basename, extname, join, relative } from 'node:path';
import { error, sortDiagnostics, type Diagnostic, type SourceSpan } from './diagnostics.js';
import { parseGlobe } from './dsl/index.js';
import type { LoadedFile } from './loaded-file.js';
import { mergeFiles } from './merge.js';
import type { SourceMap } from './source-map.js';
import { emptySpec, type Spec } from './spec.js';
import { loadYaml } from './yaml/index.js';

/** Larger files are refused before they are read: no real spec file comes near. */
export const MAX_FILE_BYTES = 5 * 1024 * 1024;

export interface Project {
  /** The project directory (for a single-file project, its directory). */
  dir: string;
  files: { path: string; text: string }[];
  spec: Spec;
  sourceMap: SourceMap;
  diagnostics: Diagnostic[];
}

const SPEC_EXTENSIONS = new Set(['.globe', '.yaml', '.yml']);

export function isSpecFile(name: string): boolean {
  return SPEC_EXTENSIONS.has(extname(name)) && !basename(name).startsWith('.');
}

export async function loadProject(path: string): Promise<Project> {
  const display = (p: string) => {
    const rel = relative(process.cwd(), p);
    return rel === '' ? '.' : rel.startsWith('..') ? p : rel;
  };
  const at = (file: string): SourceSpan => ({ file: display(file), start: { line: 1, col: 1 }, end: { line: 1, col: 1 } });
  const fail = (dir: string, d: Diagnostic): Project => ({ dir, files: [], spec: emptySpec(), sourceMap: new Map(), diagnostics: [d] });

  let info;
  try {
    info = await stat(path);
  } catch (e) {
    return fail(path, error('io-error', `cannot read ${display(path)}: ${(e as NodeJS.ErrnoException).code === 'ENOENT' ? 'no such file or directory' : (e as Error).message}`, at(path)));
  }
  let dir = path;
  let names: string[];
  if (info.isDirectory()) {
    names = (await readdir(path)).filter(isSpecFile).sort();
  } else {
    dir = join(path, '..');
    // A file named on its own is read by its extension, like a directory's files: anything else is no spec file.
    if (!SPEC_EXTENSIONS.has(extname(path))) {
      return fail(dir, error('io-error', `${display(path)} is not a spec file: globe reads *.globe, *.yaml and *.yml files`, at(path)));
    }
    names = [basename(path)];
  }
  if (names.length === 0) {
    return fail(dir, error('empty-project', `no *.globe or *.yaml files in ${display(path)}`, at(path)));
  }

  const files: { path: string; text: string }[] = [];
  const loaded: LoadedFile[] = [];
  const diagnostics: Diagnostic[] = [];
  for (const name of names) {
    const full = join(dir, name);
    const shown = display(full);
    const read = await readSpecFile(full, shown);
    if ('diagnostic' in read) {
      diagnostics.push(read.diagnostic);
      continue;
    }
    files.push({ path: shown, text: read.text });
    const file = extname(name) === '.globe' ? parseGlobe(read.text, shown) : loadYaml(read.text, shown);
    loaded.push({ ...file, diagnostics: capDiagnostics(file.diagnostics, shown) });
  }
  const merged = mergeFiles(loaded);
  return { dir, files, spec: merged.spec, sourceMap: merged.sourceMap, diagnostics: [...diagnostics, ...merged.diagnostics] };
}

/** Like compilers do, stop after this many problems in one file: the first ones are what to fix. */
export const MAX_DIAGNOSTICS_PER_FILE = 50;

function capDiagnostics(diagnostics: Diagnostic[], file: string): Diagnostic[] {
  if (diagnostics.length <= MAX_DIAGNOSTICS_PER_FILE) return diagnostics;
  const kept = sortDiagnostics(diagnostics).slice(0, MAX_DIAGNOSTICS_PER_FILE);
  const last = kept[kept.length - 1].span;
  return [...kept, error('syntax', `too many problems in this file (${diagnostics.length}); showing the first ${MAX_DIAGNOSTICS_PER_FILE}`, { file, start: last.start, end: last.end })];
}

async function readSpecFile(full: string, shown: string): Promise<{ text: string } | { diagnostic: Diagnostic }> {
  const at = (line = 1, col = 1): SourceSpan => ({ file: shown, start: { line, col }, end: { line, col } });
  try {
    const size = (await stat(full)).size;
    if (size > MAX_FILE_BYTES) {
      return { diagnostic: error('file-too-large', `file is ${(size / 1024 / 1024).toFixed(1)} MB; globe reads spec files of at most ${MAX_FILE_BYTES / 1024 / 1024} MB`, at()) };
    }
    const bytes = await readFile(full);
    const text = decodeUtf8(bytes);
    if (typeof text !== 'string') return { diagnostic: error('not-utf8', 'file is not valid UTF-8: re-save it as UTF-8', at(text.line, text.col)) };
    return { text: text.replace(/^\uFEFF/, '') };
  } catch (e) {
    return { diagnostic: error('io-error', `cannot read file: ${(e as Error).message}`, at()) };
  }
}

/** The text, or the line/column of the first byte that is not UTF-8. */
export function decodeUtf8(bytes: Uint8Array): string | { line: number; col: number } {
  try {
    return new TextDecoder('utf-8', { fatal: true }).decode(bytes);
  } catch {
    let lo = 0;
    let hi = bytes.length;
    // Binary search for the longest valid prefix, then count lines in it.
    while (lo < hi) {
      const mid = Math.ceil((lo + hi) / 2);
      try {
        new TextDecoder('utf-8', { fatal: true }).decode(bytes.subarray(0, mid), { stream: true });
        lo = mid;
      } catch {
        hi = mid - 1;
      }
    }
    const prefix = new TextDecoder('utf-8').decode(bytes.subarray(0, lo));
    const lines = prefix.split('\n');
    return { line: lines.length, col: lines[lines.length - 1].length + 1 };
  }
}
