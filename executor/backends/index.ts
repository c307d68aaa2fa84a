/**
 * `openBackend`: the one way to a project's backend. Whatever its kind, what comes back has the
 * world (state, moves), the lock and the journal, and says what it can do in `capabilities`;
 * `OPENERS` is the only place that looks at the kind. (A kind's config — keys, defaults — is
 * declared in lang/backend-kinds.ts, where validate and the language server read it.)
 */
import type { BackendConfig, Spec } from '../../lang/spec.js';
import type { BackendName, OpenBackend } from '../backend.js';
import { DEFAULT_STATE_PATH } from '../state-file.js';

export { BackendUnavailable } from './unavailable.js';

/** No `backend` block: the embedded file backend. */
const DEFAULT_BACKEND: BackendConfig = { kind: 'file', path: DEFAULT_STATE_PATH };

type ConfigOf<K extends BackendName> = Extract<BackendConfig, { kind: K }>;
type Opener<K extends BackendName> = (config: ConfigOf<K>, projectDir: string, env: NodeJS.ProcessEnv) => Promise<OpenBackend>;

/**
 * Each kind's opener. Each backend's module is loaded only when it is the one declared (the
 * postgres driver alone takes ~0.1 s to load, which a plan on the file backend need not pay).
 */
const OPENERS: { [K in BackendName]: Opener<K> } = {
  file: async (config, projectDir) => (await import('./file.js')).openFileBackend(config, projectDir),
  exec: async (config, projectDir) => (await import('./exec.js')).openExecBackend(config, projectDir),
  postgres: async (config, _projectDir, env) => (await import('./postgres.js')).openPostgresBackend(config, env),
};

/**
 * Open the backend the spec declares. Rejects (StateError, PostgresError) when it cannot be set up:
 * a state path outside the project, no connection URL in `env`. Nothing is connected or locked yet.
 */
export async function openBackend(spec: Spec, projectDir: string, env: NodeJS.ProcessEnv = process.env): Promise<OpenBackend> {
  const config = spec.backend ?? DEFAULT_BACKEND;
  return (OPENERS[config.kind] as Opener<BackendName>)(config, projectDir, env);
}
