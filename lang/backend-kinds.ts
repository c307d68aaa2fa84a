/**
 * Every backend kind's configuration, once: its name, what it is, and its
 * keys — the DSL keyword (which is also the YAML key), the config field it
 * lowers to, the kind of value, whether it is required or what it defaults
 * to, how it is written, and a one-line doc.
 *
 * Both lowerings and both emitters (through lang/backend-config.ts), the
 * language's table (lang/properties.ts: completion, hover, did-you-mean),
 * the kind lists of the language server and the YAML schema messages, the
 * project-path check (lang/check/backend-path.ts) and the backend table of
 * docs/language.md all read it; the executor's kind → opener table
 * (executor/backends/index.ts) must name every kind. The config lives here,
 * in `lang/`, not beside each backend in `executor/`: `lang` imports
 * nothing of globe's, and `globe validate` and the language server check a
 * backend block without loading the executor.
 *
 * Hand-kept, and tested equal to this table (test/lang/backend-kinds.test.ts):
 * the `BackendConfig` type (lang/spec-document.schema.ts), the YAML JSON
 * Schema's `definitions.backend` (schemas/spec.schema.json, with its editor
 * descriptions) and the TextMate grammar's kind names.
 */
import type { BackendConfig } from './spec.js';

/** A backend kind's name: `file`, `exec`, `postgres`. */
export type BackendName = BackendConfig['kind'];

/**
 * What a key takes: a string in double quotes, a path (a string naming a
 * file inside the project, checked by lang/check/backend-path.ts), a name,
 * the name of an environment variable, an argv list of strings, or a
 * duration (stored in ms).
 */
export type BackendValue = 'string' | 'path' | 'name' | 'env-var' | 'argv' | 'duration';

export interface BackendKey {
  /** The DSL keyword, which is also its YAML key. */
  keyword: string;
  /** Where the value goes in the config, dotted for a nested object: `commands.getState`. */
  field: string;
  value: BackendValue;
  /** Required (an error when missing), or the config value when it is not written; neither: left out. */
  required?: true;
  default?: string | number;
  /** How it is written, e.g. `timeout = 30s`. */
  syntax: string;
  /** One line: what it means (the editor's completion and hover text). */
  doc: string;
}

export interface BackendKind {
  name: BackendName;
  /** One line: what the backend is (the completion's text after `backend`). */
  doc: string;
  /** Its keys, in the order the emitters write them. */
  keys: readonly BackendKey[];
}

/** A command key of the exec backend: an argv list in `commands`. */
function command(keyword: string, field: string, required: boolean, doc: string): BackendKey {
  const syntax = `${keyword} = ["./hook", "${keyword.replace(/_/g, '-')}"]`;
  return { keyword, field: `commands.${field}`, value: 'argv', ...(required ? { required: true as const } : {}), syntax, doc };
}

/** The kinds, in the order of the YAML schema's `oneOf` and of every list shown to the user. */
export const BACKEND_KINDS: readonly BackendKind[] = [
  {
    name: 'file',
    doc: 'state in a JSON file',
    keys: [{ keyword: 'path', field: 'path', value: 'path', default: '.globe/state.json', syntax: 'path = ".globe/state.json"', doc: 'The state file, relative to the project directory.' }],
  },
  {
    name: 'exec',
    doc: 'your own commands',
    keys: [
      command('get_state', 'getState', true, 'Command (argv, no shell) that prints the current State as JSON.'),
      command('upsize', 'upsize', true, 'Command that adds replicas (the move as JSON on stdin).'),
      command('route', 'route', true, 'Command that changes a routing matrix (the move as JSON on stdin).'),
      command('downsize', 'downsize', true, 'Command that removes replicas (the move as JSON on stdin).'),
      command('shift', 'shift', false, "Command that shifts a product's traffic (optional)."),
      command('validate', 'validate', false, "Validation gate (optional): run before and after each wave's traffic moves with GLOBE_GATE=pre|post and GLOBE_WAVE=k; a non-zero exit stops the apply."),
      { keyword: 'timeout', field: 'timeoutMs', value: 'duration', default: 30_000, syntax: 'timeout = 30s', doc: 'Time limit of each command (default 30s).' },
    ],
  },
  {
    name: 'postgres',
    doc: 'state, lock and journal in PostgreSQL',
    keys: [
      { keyword: 'url_env', field: 'urlEnv', value: 'env-var', default: 'GLOBE_PG_URL', syntax: 'url_env = GLOBE_PG_URL', doc: 'The environment variable holding the PostgreSQL URL (never written anywhere).' },
      { keyword: 'schema', field: 'schema', value: 'name', default: 'globe', syntax: 'schema = globe', doc: 'The database schema for state, lock and journal (default globe).' },
    ],
  },
];

/** The kinds' names, in the table's order. */
export const BACKEND_NAMES: readonly BackendName[] = BACKEND_KINDS.map((k) => k.name);

export function isBackendName(word: string | undefined): word is BackendName {
  return (BACKEND_NAMES as readonly (string | undefined)[]).includes(word);
}

export function backendKind(name: BackendName): BackendKind {
  return BACKEND_KINDS.find((k) => k.name === name)!;
}

/** `` `file`, `exec` or `postgres` ``: the kinds as a message lists them. */
export function backendNamesInWords(): string {
  const quoted = BACKEND_NAMES.map((n) => `\`${n}\``);
  return quoted.length === 1 ? quoted[0] : `${quoted.slice(0, -1).join(', ')} or ${quoted[quoted.length - 1]}`;
}
