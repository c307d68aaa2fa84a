/**
 * One globe project (a directory) as the language server holds it: every
 * spec file's text and its parse, kept between edits. An edit re-parses only
 * the file edited; the merge and the semantic checks then run on the cached
 * parses of all files, with the same functions `globe validate` uses
 * (mergeFiles, checkProject), so the codes, messages and ranges are the same.
 */
import { readdir } from 'node:fs/promises';
import { basename, extname, join } from 'node:path';
import type { Diagnostic } from '../diagnostics.js';
import { parseGlobe } from '../dsl/index.js';
import { checkProject } from '../load.js';
import type { LoadedFile } from '../loaded-file.js';
import { mergeFiles } from '../merge.js';
import { capDiagnostics, isSpecFile, readSpecFile } from '../project.js';
import type { SourceMap } from '../source-map.js';
import { emptySpec, type Spec } from '../spec.js';
import { loadYaml } from '../yaml/load.js';
import { occurrencesIn, type Occurrence } from './symbols.js';

export interface ProjectFile {
  /** Absolute path: the `file` of every span in this file's diagnostics. */
  path: string;
  text: string;
  loaded: LoadedFile;
  /** The names this file defines and uses; computed when first asked for. */
  occurrences?: Occurrence[];
}

export interface CheckedProject {
  spec: Spec;
  sourceMap: SourceMap;
  /** By absolute path; every file of the project has an entry (maybe empty). */
  diagnostics: Map<string, Diagnostic[]>;
}

export class ProjectModel {
  private readonly files = new Map<string, ProjectFile>();
  private checked?: CheckedProject;

  private constructor(readonly dir: string) {}

  /** Read every spec file directly in `dir` from disk (what `globe validate DIR` reads). */
  static async load(dir: string): Promise<ProjectModel> {
    const model = new ProjectModel(dir);
    let names: string[] = [];
    try {
      names = (await readdir(dir, { withFileTypes: true })).filter((e) => !e.isDirectory() && isSpecFile(e.name)).map((e) => e.name);
    } catch {
      // A directory that cannot be listed holds only the documents the editor opens.
    }
    for (const name of names) await model.reload(join(dir, name));
    return model;
  }

  /** Set a file's text (an open document, or the disk's) and re-parse that file only. */
  setText(path: string, text: string): void {
    // As the loader does: a byte-order mark is no part of the text.
    const body = text.startsWith('\uFEFF') ? text.slice(1) : text;
    this.files.set(path, { path, text: body, loaded: parseFile(path, body) });
    this.checked = undefined;
  }

  /** Re-read a file from disk; a file that is gone leaves the project. */
  async reload(path: string): Promise<void> {
    const read = await readSpecFile(path, path);
    if ('diagnostic' in read) {
      if (read.diagnostic.code === 'io-error' && read.shownText === undefined) {
        this.remove(path);
        return;
      }
      this.files.set(path, { path, text: read.shownText ?? '', loaded: { spec: emptySpec(), sourceMap: new Map(), diagnostics: [read.diagnostic] } });
    } else this.setText(path, read.text);
    this.checked = undefined;
  }

  remove(path: string): void {
    if (this.files.delete(path)) this.checked = undefined;
  }

  file(path: string): ProjectFile | undefined {
    return this.files.get(path);
  }

  paths(): string[] {
    return [...this.files.keys()].sort();
  }

  /**
   * Whether globe reads this directory: it has a `*.globe` file, or a YAML
   * file that names globe's schema. A directory of other YAML (CI
   * workflows, Kubernetes manifests) is left alone.
   */
  isGlobeProject(): boolean {
    for (const f of this.files.values()) {
      if (extname(f.path) === '.globe' || f.text.includes('spec.schema.json')) return true;
    }
    return false;
  }

  /** Merge and check (cached until the next edit). */
  check(): CheckedProject {
    if (this.checked) return this.checked;
    // In the loader's order (file names sorted), so "first defined here" points at the same place.
    const ordered = [...this.files.values()].sort((a, b) => cmp(basename(a.path), basename(b.path)) || cmp(a.path, b.path));
    const merged = mergeFiles(ordered.map((f) => f.loaded));
    const project = checkProject({ dir: this.dir, files: [], spec: merged.spec, sourceMap: merged.sourceMap, diagnostics: merged.diagnostics });
    const diagnostics = new Map<string, Diagnostic[]>(ordered.map((f) => [f.path, []]));
    for (const d of project.diagnostics) diagnostics.get(d.span.file)?.push(d);
    this.checked = { spec: project.spec, sourceMap: project.sourceMap, diagnostics };
    return this.checked;
  }

  /** Every definition and use of a name in every file of the project. */
  occurrences(): Occurrence[] {
    const out: Occurrence[] = [];
    for (const path of this.paths()) out.push(...this.occurrencesOf(path));
    return out;
  }

  occurrencesOf(path: string): Occurrence[] {
    const f = this.files.get(path);
    if (!f) return [];
    f.occurrences ??= occurrencesIn(f.path, f.text, f.loaded.sourceMap);
    return f.occurrences;
  }
}

function parseFile(path: string, text: string): LoadedFile {
  const file = extname(path) === '.globe' ? parseGlobe(text, path) : loadYaml(text, path);
  return { ...file, diagnostics: capDiagnostics(file.diagnostics, path) };
}

function cmp(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}
