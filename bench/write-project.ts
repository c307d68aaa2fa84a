/**
 * A generated world as a globe project directory: `world.globe` (what the
 * capacity team owns: resources, regions, latency, reservations, products),
 * one `<service>.globe` per service (what each service team owns), and the
 * current State in `.globe/state.json`, where the embedded file backend reads
 * it. `projectFiles` is pure and deterministic; `writeProject` does the I/O.
 */
import { existsSync, mkdirSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { canonicalJson } from '../lang/canonical-json.js';
import { emitGlobe } from '../lang/dsl/index.js';
import { emptySpec, type Spec } from '../lang/spec.js';
import type { State } from '../schemas/state.js';

/** Marks a directory as written by the benchmark, so that a second run may replace it. */
const MARKER = '.globe-bench';

/** File name → DSL text, sorted by name. */
export function projectFiles(spec: Spec, header: string): Map<string, string> {
  const files = new Map<string, string>();
  const world = { ...emptySpec(), resources: spec.resources, regions: spec.regions, latency: spec.latency, reservations: spec.reservations, products: spec.products };
  files.set('world.globe', `# ${header}\n${emitGlobe(world)}`);
  for (const name of Object.keys(spec.services).sort()) {
    files.set(`${name}.globe`, emitGlobe({ ...emptySpec(), services: { [name]: spec.services[name] } }));
  }
  return files;
}

export function stateFileText(state: State): string {
  return `${canonicalJson(state)}\n`;
}

/**
 * Write the project into `dir` (created if needed). A directory that holds
 * anything but an earlier benchmark project is refused, never overwritten.
 */
export function writeProject(dir: string, files: Map<string, string>, state: State): void {
  if (existsSync(dir)) {
    const entries = readdirSync(dir);
    if (entries.length > 0 && !entries.includes(MARKER)) {
      throw new Error(`${dir} is not empty and was not written by the benchmark; choose another --out-dir`);
    }
    for (const e of entries) if (e.endsWith('.globe') || e === '.globe') rmSync(join(dir, e), { recursive: true, force: true });
  }
  mkdirSync(join(dir, '.globe'), { recursive: true });
  writeFileSync(join(dir, MARKER), 'written by `npm run bench`; the benchmark replaces this directory on its next run\n');
  for (const [name, text] of files) writeFileSync(join(dir, name), text);
  writeFileSync(join(dir, '.globe', 'state.json'), stateFileText(state));
}
