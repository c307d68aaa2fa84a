/**
 * Reading and writing the State document of the embedded `file` backend.
 * A missing file means nothing is deployed yet; a corrupt one is an error
 * that names the file and what is wrong — it is never overwritten.
 */
import { randomUUID } from 'node:crypto';
import { copyFile, mkdir, readFile } from 'node:fs/promises';
import { dirname, isAbsolute, join } from 'node:path';
import writeFileAtomic from 'write-file-atomic';
import type { Spec } from '../lang/spec.js';
import { canonicalJson } from '../lang/canonical-json.js';
import { STATE_VERSION, type Deployment, type IntentDigests, type State } from './state.js';

export class StateError extends Error {}

export function stateFilePath(projectDir: string, spec: Spec): string {
  const path = spec.backend?.kind === 'file' ? spec.backend.path : '.globe/state.json';
  return isAbsolute(path) ? path : join(projectDir, path);
}

export async function readStateFile(path: string): Promise<State | null> {
  let text: string;
  try {
    text = await readFile(path, 'utf8');
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === 'ENOENT') return null;
    throw new StateError(`cannot read the state file ${path}: ${(e as Error).message}`);
  }
  let doc: unknown;
  try {
    doc = JSON.parse(text);
  } catch (e) {
    throw new StateError(`the state file ${path} is corrupt (${(e as Error).message}); restore it from ${path}.backup or your version control`);
  }
  const problem = stateProblem(doc);
  if (problem) throw new StateError(`the state file ${path} is not a globe state: ${problem}`);
  return doc as State;
}

/** Structural check of a State document; the JSON Schema in schemas/state.schema.json says the same. */
export function stateProblem(doc: unknown): string | undefined {
  if (typeof doc !== 'object' || doc === null || Array.isArray(doc)) return 'expected a JSON object';
  const d = doc as Record<string, unknown>;
  if (d.version !== STATE_VERSION) return `unsupported version ${JSON.stringify(d.version)} (this globe reads version ${STATE_VERSION})`;
  if (typeof d.lineage !== 'string' || d.lineage.length === 0) return '`lineage` must be a string';
  if (!Number.isInteger(d.serial) || (d.serial as number) < 0) return '`serial` must be a whole number';
  for (const key of ['tenants', 'reservations', 'products', 'followers']) {
    if (typeof d[key] !== 'object' || d[key] === null || Array.isArray(d[key])) return `\`${key}\` must be an object`;
  }
  return undefined;
}

/** Write the next serial of the state: temp file + fsync + rename, the previous version kept as `.backup`. */
export async function writeStateFile(path: string, previous: State | null, deployment: Deployment): Promise<State> {
  const next: State = {
    version: STATE_VERSION,
    lineage: previous?.lineage ?? randomUUID(),
    serial: (previous?.serial ?? 0) + 1,
    tenants: deployment.tenants,
    reservations: deployment.reservations,
    products: deployment.products,
    followers: deployment.followers,
  };
  await mkdir(dirname(path), { recursive: true });
  if (previous) await copyFile(path, `${path}.backup`).catch(() => undefined);
  await writeFileAtomic(path, `${canonicalJson(next)}\n`, { fsync: true });
  return next;
}

/** Record the intent a state was planned from, keeping its serial (the deployment is unchanged). Skipped if the state moved on. */
export async function writeStatePlannedFrom(path: string, plannedFrom: IntentDigests, serial: number): Promise<void> {
  const state = await readStateFile(path);
  if (!state || state.serial !== serial) return;
  await writeFileAtomic(path, `${canonicalJson({ ...state, plannedFrom })}\n`, { fsync: true });
}
