/**
 * The state a command plans or simulates from, read through the project's backend. Errors that carry
 * their own diagnostic (a damaged state file) pass through; anything else the backend says becomes
 * one plain line.
 */
import type { Spec } from '../lang/spec.js';
import { openBackend } from '../executor/backends/index.js';
import { GlobeError } from '../schemas/diagnostic.js';
import type { State } from '../schemas/state.js';
import { CliError } from './output.js';

export async function readCurrentState(spec: Spec, dir: string): Promise<State | null> {
  let backend;
  try {
    backend = await openBackend(spec, dir);
    return await backend.getState();
  } catch (e) {
    if (e instanceof GlobeError) throw e; // action() prints its diagnostic
    throw new CliError((e as Error).message);
  } finally {
    await backend?.close();
  }
}
