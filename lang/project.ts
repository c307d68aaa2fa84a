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

/** Larger files are refused before they are read: no real spec file comes near. */
export const MAX_FILE_BYTES = 5 * 1024 * 1024;

export interface Project {
  /** The project directory (for a single-file project, its directory). */
  dir: string;
  /** The text of each file, to show with diagnostics (a file that is not UTF-8 is there decoded lossily, for display only). */
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
    names = (await readdir(path, { withFileTypes: true }))
      .filter((e) => !e.isDirectory() && isSpecFile(e.name))
      .map((e) => e.name)
      .sort();
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
      if (read.shownText !== undefined) files.push({ path: shown, text: read.shownText });
      continue;
    }
    files.push({ path: shown, text: read.text });
    // The YAML reader (yaml, ajv and the compiled schema) loads only for projects that have YAML files.
    const file = extname(name) === '.globe' ? parseGlobe(read.text, shown) : (await import('./yaml/load.js')).loadYaml(read.text, shown);
    loaded.push({ ...file, diagnostics: capDiagnostics(file.diagnostics, shown) });
  }
  const merged = mergeFiles(loaded);
  return { dir, files, spec: merged.spec, sourceMap: merged.sourceMap, diagnostics: [...diagnostics, ...merged.diagnostics] };
}

/** Like compilers do, stop after this many problems in one file: the first ones are what to fix. */
export const MAX_DIAGNOSTICS_PER_FILE = 50;

export function capDiagnostics(diagnostics: Diagnostic[], file: string): Diagnostic[] {
  if (diagnostics.length <= MAX_DIAGNOSTICS_PER_FILE) return diagnostics;
  const kept = sortDiagnostics(diagnostics).slice(0, MAX_DIAGNOSTICS_PER_FILE);
  const last = kept[kept.length - 1].span;
  return [...kept, error('syntax', `too many problems in this file (${diagnostics.length}); showing the first ${MAX_DIAGNOSTICS_PER_FILE}`, { file, start: last.start, end: last.end })];
}

/**
 * Read one spec file as text: refused when larger than MAX_FILE_BYTES
 * (checked before reading) or not UTF-8 (at the first bad byte). A leading
 * byte-order mark is removed from `text`; `bom` says it was there, so that a
 * rewrite (`globe fmt`) can keep it.
 */
export async function readSpecFile(full: string, shown: string): Promise<{ text: string; bom: boolean } | { diagnostic: Diagnostic; shownText?: string }> {
  const at = (line = 1, col = 1): SourceSpan => ({ file: shown, start: { line, col }, end: { line, col } });
  try {
    const size = (await stat(full)).size;
    if (size > MAX_FILE_BYTES) {
      return { diagnostic: error('file-too-large', `file is ${(size / 1024 / 1024).toFixed(1)} MB; globe reads spec files of at most ${MAX_FILE_BYTES / 1024 / 1024} MB`, at()) };
    }
    const bytes = await readFile(full);
    const text = decodeUtf8(bytes);
    if (typeof text !== 'string') {
      // The line is shown with the bad bytes as U+FFFD, so the user sees where they are.
      return { diagnostic: error('not-utf8', 'file is not valid UTF-8: re-save it as UTF-8', at(text.line, text.col)), shownText: new TextDecoder('utf-8').decode(bytes) };
    }
    const bom = text.startsWith('\uFEFF');
    return { text: bom ? text.slice(1) : text, bom };
  } catch (e) {
    return { diagnostic: error('io-error', `cannot read file: ${(e as Error).message}`, at()) };
  }
}

/** The text, or the 1-based line and column (UTF-16 units, like editors) of the first byte that is not UTF-8. */
export function decodeUtf8(bytes: Uint8Array): string | { line: number; col: number } {
  try {
    return new TextDecoder('utf-8', { fatal: true, ignoreBOM: true }).decode(bytes);
  } catch {
    const prefix = new TextDecoder('utf-8').decode(bytes.subarray(0, firstInvalidSequence(bytes)));
    const lines = prefix.split('\n');
    return { line: lines.length, col: lines[lines.length - 1].length + 1 };
  }
}

/**
 * Offset of the first byte sequence that is not well-formed UTF-8 (Unicode
 * table 3-7: no overlong forms, no surrogates, nothing above U+10FFFF), or
 * the length when all of it is. A lead byte whose sequence is cut short is
 * the offending byte itself.
 */
export function firstInvalidSequence(bytes: Uint8Array): number {
  let i = 0;
  while (i < bytes.length) {
    const b = bytes[i];
    if (b < 0x80) {
      i++;
      continue;
    }
    const shape = SEQUENCES.find((s) => b >= s.lead[0] && b <= s.lead[1]);
    if (!shape || i + shape.length > bytes.length) return i;
    const second = bytes[i + 1];
    if (second < shape.second[0] || second > shape.second[1]) return i;
    for (let k = 2; k < shape.length; k++) if ((bytes[i + k] & 0xc0) !== 0x80) return i;
    i += shape.length;
  }
  return i;
}

const SEQUENCES: { lead: [number, number]; second: [number, number]; length: number }[] = [
  { lead: [0xc2, 0xdf], second: [0x80, 0xbf], length: 2 },
  { lead: [0xe0, 0xe0], second: [0xa0, 0xbf], length: 3 },
  { lead: [0xe1, 0xec], second: [0x80, 0xbf], length: 3 },
  { lead: [0xed, 0xed], second: [0x80, 0x9f], length: 3 },
  { lead: [0xee, 0xef], second: [0x80, 0xbf], length: 3 },
  { lead: [0xf0, 0xf0], second: [0x90, 0xbf], length: 4 },
  { lead: [0xf1, 0xf3], second: [0x80, 0xbf], length: 4 },
  { lead: [0xf4, 0xf4], second: [0x80, 0x8f], length: 4 },
];
