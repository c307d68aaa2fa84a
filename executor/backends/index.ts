import type { Spec } from '../../lang/spec.js';
import type { Backend } from '../backend.js';
import { ExecBackend } from './exec.js';
import { FileBackend } from './file.js';
import { connectionUrl, PostgresBackend } from './postgres.js';
import { stateFilePath } from '../state-file.js';
import { GlobeError } from '../../schemas/diagnostic.js';

export class BackendUnavailable extends GlobeError {
  readonly code = 'backend-unavailable';
}

export function backendFor(spec: Spec, projectDir: string): Backend {
  const b = spec.backend ?? { kind: 'file' as const, path: '.globe/state.json' };
  switch (b.kind) {
    case 'file':
      return new FileBackend(stateFilePath(projectDir, spec));
    case 'exec':
      return new ExecBackend(b.commands, b.timeoutMs, projectDir);
    case 'postgres':
      return new PostgresBackend(connectionUrl(b.urlEnv), b.schema, b.urlEnv);
  }
}
