/**
 * `openBackend`: the one way to a project's backend. Whatever its kind, what comes back has the
 * world (state, moves), the lock and the journal, and says what it can do in `capabilities`;
 * this switch is the only place that looks at the kind.
 */
import type { BackendConfig, Spec } from '../../lang/spec.js';
import type { OpenBackend } from '../backend.js';
import { DEFAULT_STATE_PATH } from '../state-file.js';

export { BackendUnavailable } from './unavailable.js';

/** No `backend` block: the embedded file backend. */
const DEFAULT_BACKEND: BackendConfig = { kind: 'file', path: DEFAULT_STATE_PATH };

/**
 * Open the backend the spec declares. Rejects (StateError, PostgresError) when it cannot be set up:
 * a state path outside the project, no connection URL in `env`. Nothing is connected or locked yet.
 * Each backend's module is loaded only when it is the one declared (the postgres driver alone
 * takes ~0.1 s to load, which a plan on the file backend need not pay).
 */
export async function openBackend(spec: Spec, projectDir: string, env: NodeJS.ProcessEnv = process.env): Promise<OpenBackend> {
  const config = spec.backend ?? DEFAULT_BACKEND;
  switch (config.kind) {
    case 'file':
      return (await import('./file.js')).openFileBackend(config, projectDir);
    case 'exec':
      return (await import('./exec.js')).openExecBackend(config, projectDir);
    case 'postgres':
      return (await import('./postgres.js')).openPostgresBackend(config, env);
  }
}
