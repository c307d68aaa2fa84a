/**
 * Reading and writing the State document of the embedded `file` backend.
 * A missing file means nothing is deployed yet; a corrupt or invalid one is
 * an error that names the file and what is wrong (where in the document, never
 * its bytes: the path may name a file that is not ours) — it is never
 * overwritten, and never copied over the good `.backup`.
 */
import { randomUUID } from 'node:crypto';
import { realpathSync } from 'node:fs';
import { mkdir, open, readFile, stat } from 'node:fs/promises';
import { dirname, join, relative, resolve } from 'node:path';
import { statePathProblem } from '../lang/check/backend-path.js';
import writeFileAtomic from 'write-file-atomic';
import { canonicalJson } from '../lang/canonical-json.js';
import { STATE_VERSION, type Deployment, type IntentDigests, type State } from '../schemas/state.js';
import { describeProblem, validateState } from './state-validate.js';
import { GlobeError } from '../schemas/diagnostic.js';

export class StateError extends GlobeError {
  readonly code = 'state';
}

export const DEFAULT_STATE_PATH = '.globe/state.json';

/** The state file `path` of a project, refused when it is (or, through a symbolic link, resolves to) somewhere outside the project. */
export function stateFilePath(projectDir: string, path: string): string {
  const problem = statePathProblem(path);
  if (problem) throw new StateError(`the file backend's path ${JSON.stringify(path)} ${problem}`);
  const full = resolve(projectDir, path);
  const inside = (p: string, root: string) => p === root || !relative(root, p).startsWith('..');
  const root = realOrSelf(projectDir);
  if (!inside(realOrSelf(full), root)) throw new StateError(`the file backend's path ${JSON.stringify(path)} must stay inside the project directory (it leads elsewhere through a symbolic link)`);
  return full;
}

/** The real path of the nearest existing ancestor, with the rest appended: what the path resolves to once written. */
function realOrSelf(path: string): string {
  let head = resolve(path);
  const tail: string[] = [];
  for (;;) {
    try {
      return join(realpathSync(head), ...tail);
    } catch {
      const up = dirname(head);
      if (up === head) return resolve(path);
      tail.unshift(head.slice(up.length).replace(/^[\\/]/, ''));
      head = up;
    }
  }
}

/** Parse and validate a state document; the error names `what` (a file) and the place in the document, never its content. */
export function parseState(text: string, what: string): State {
  let doc: unknown;
  try {
    doc = JSON.parse(text);
  } catch (e) {
    const at = /position (\d+)/.exec((e as Error).message);
    const where = at ? ` at ${lineCol(text, Number(at[1]))}` : '';
    throw new StateError(`${what} is corrupt: not valid JSON${where}`);
  }
  const problem = validateState(doc);
  if (problem) throw new StateError(`${what} is not a valid globe state: ${describeProblem(problem)}`);
  return doc as State;
}

function lineCol(text: string, offset: number): string {
  const before = text.slice(0, offset).split('\n');
  return `line ${before.length}, column ${before[before.length - 1].length + 1}`;
}

export async function readStateFile(path: string): Promise<State | null> {
  return (await readStateFileVersion(path))?.state ?? null;
}

/**
 * A state file as this process last read or wrote it: the document, its exact text, and which
 * file on disk that was (device, inode, size, modification time in ns) — so that a holder of the
 * state lock can keep it in memory and still notice a file that anyone else has replaced or edited.
 */
export interface StateFileVersion {
  state: State;
  text: string;
  identity: string;
}

function identityOf(s: { dev: bigint; ino: bigint; size: bigint; mtimeNs: bigint }): string {
  return `${s.dev}:${s.ino}:${s.size}:${s.mtimeNs}`;
}

/** Which file `path` is now (see StateFileVersion), or undefined when there is none. */
export async function stateFileIdentity(path: string): Promise<string | undefined> {
  try {
    return identityOf(await stat(path, { bigint: true }));
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    throw new StateError(`cannot read the state file ${path} (${(e as NodeJS.ErrnoException).code ?? 'error'})`);
  }
}

/** Read, parse and validate the state file; null when there is none. Its identity is taken from the open file, so it is the file whose text was read. */
export async function readStateFileVersion(path: string): Promise<StateFileVersion | null> {
  let text: string;
  let identity: string;
  try {
    const file = await open(path, 'r');
    try {
      identity = identityOf(await file.stat({ bigint: true }));
      text = await file.readFile('utf8');
    } finally {
      await file.close();
    }
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code;
    if (code === 'ENOENT') return null;
    throw new StateError(`cannot read the state file ${path} (${code ?? 'error'})`);
  }
  try {
    return { state: parseState(text, `the state file ${path}`), text, identity };
  } catch (e) {
    throw new StateError(`${(e as Error).message}; restore it from ${path}.backup or your version control`);
  }
}

/** Structural and semantic check of a State document (schemas/state.schema.json and state-validate.ts): a one-line problem, or undefined. */
export function stateProblem(doc: unknown): string | undefined {
  const problem = validateState(doc);
  return problem && describeProblem(problem);
}

/**
 * Write the next serial of the state: temp file + fsync + rename, the previous version kept as
 * `.backup` (written the same way, and only when the previous file is a valid state). A next
 * state that is not valid is refused before anything is written.
 */
export async function writeStateFile(path: string, previous: State | null, deployment: Deployment): Promise<State> {
  return (await writeStateFileVersion(path, previous, deployment)).state;
}

/**
 * writeStateFile, for a caller that keeps the file in memory: `known` is the version it last
 * read or wrote. When the file on disk is still that one, the backup is written from its text
 * (it was validated when read or written) instead of being read and validated again.
 */
export async function writeStateFileVersion(path: string, previous: State | null, deployment: Deployment, known?: StateFileVersion): Promise<StateFileVersion> {
  const next: State = {
    version: STATE_VERSION,
    lineage: previous?.lineage ?? randomUUID(),
    serial: (previous?.serial ?? 0) + 1,
    tenants: deployment.tenants,
    reservations: deployment.reservations,
    products: deployment.products,
    followers: deployment.followers,
  };
  const problem = stateProblem(next);
  if (problem) throw new StateError(`refusing to write an invalid state to ${path}: ${problem}`);
  await mkdir(dirname(path), { recursive: true });
  if (previous) {
    if (known && known.identity === (await stateFileIdentity(path))) await writeFileAtomic(`${path}.backup`, known.text, { fsync: true });
    else await backUp(path);
  }
  const text = `${canonicalJson(next)}\n`;
  await writeFileAtomic(path, text, { fsync: true });
  return { state: next, text, identity: (await stateFileIdentity(path)) ?? '' };
}

/** Keep the current file as `.backup`, atomically; a missing or invalid current file leaves the backup as it is. */
async function backUp(path: string): Promise<void> {
  let text: string;
  try {
    text = await readFile(path, 'utf8');
    parseState(text, path);
  } catch {
    return;
  }
  await writeFileAtomic(`${path}.backup`, text, { fsync: true });
}

/** Record the intent a state was planned from, keeping its serial (the deployment is unchanged). Skipped if the state moved on. */
export async function writeStatePlannedFrom(path: string, plannedFrom: IntentDigests, serial: number): Promise<void> {
  const state = await readStateFile(path);
  if (state) await writeStatePlannedFromVersion(path, state, plannedFrom, serial);
}

/** writeStatePlannedFrom on a state already read (and validated); undefined when skipped. */
export async function writeStatePlannedFromVersion(path: string, state: State, plannedFrom: IntentDigests, serial: number): Promise<StateFileVersion | undefined> {
  if (state.serial !== serial) return undefined;
  const next = { ...state, plannedFrom };
  const problem = stateProblem(next);
  if (problem) throw new StateError(`refusing to write an invalid state to ${path}: ${problem}`);
  const text = `${canonicalJson(next)}\n`;
  await writeFileAtomic(path, text, { fsync: true });
  return { state: next, text, identity: (await stateFileIdentity(path)) ?? '' };
}
