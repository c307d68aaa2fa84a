/**
 * Reading and writing a backend's config by its declaration
 * (lang/backend-kinds.ts): the lowerings hand over each key's value, these
 * functions put it in its field and fill the defaults; the emitters ask
 * which keys a config has and how their values are written. Nothing here
 * knows a particular kind.
 */
import { backendKind, type BackendKey, type BackendKind } from './backend-kinds.js';
import type { BackendConfig } from './spec.js';
import { formatQuantity } from './units.js';

/** What an `env-var` value must look like (the YAML schema's `url_env` pattern is tested equal). */
export const ENV_VAR_PATTERN = /^[A-Za-z_][A-Za-z0-9_]*$/;

/**
 * The config of `kind` from each key's value (`undefined`: not written, or written wrong and
 * already reported): defaults filled in, fields in the declaration's order. A nested object
 * (`commands`) exists even when none of its keys was written.
 */
export function buildBackendConfig(kind: BackendKind, valueOf: (key: BackendKey) => unknown): BackendConfig {
  const config: Record<string, unknown> = { kind: kind.name };
  for (const key of kind.keys) {
    const path = key.field.split('.');
    const parent = path.slice(0, -1).reduce((obj, p) => (obj[p] ??= {}) as Record<string, unknown>, config);
    const value = valueOf(key) ?? key.default;
    if (value !== undefined) parent[path[path.length - 1]] = value;
  }
  return config as BackendConfig;
}

/** The value at a key's field, `undefined` when the config has none. */
export function fieldValue(config: BackendConfig, key: BackendKey): unknown {
  return key.field.split('.').reduce<unknown>((obj, p) => (obj as Record<string, unknown> | undefined)?.[p], config);
}

/** The keys the config has a value for, with the value, in the declaration's (the emitters') order. */
export function writtenKeys(config: BackendConfig): [BackendKey, unknown][] {
  return backendKind(config.kind)
    .keys.map((key): [BackendKey, unknown] => [key, fieldValue(config, key)])
    .filter(([, value]) => value !== undefined);
}

/** A value as the DSL writes it. */
export function dslValue(key: BackendKey, value: unknown): string {
  switch (key.value) {
    case 'string':
    case 'path':
      return JSON.stringify(value);
    case 'name':
    case 'env-var':
      return String(value);
    case 'argv':
      return `[${(value as string[]).map((a) => JSON.stringify(a)).join(', ')}]`;
    case 'duration':
      return formatQuantity(value as number, 'duration');
  }
}

/** A value as the YAML document holds it. */
export function yamlValue(key: BackendKey, value: unknown): unknown {
  return key.value === 'duration' ? formatQuantity(value as number, 'duration') : value;
}

/** What a missing required key's message shows after `=`: an argv's shape, else the key's example. */
export function requiredHint(key: BackendKey): string {
  return key.value === 'argv' ? '["command", "arg", ...]' : exampleValue(key);
}

/** The value of the key's syntax example: `GLOBE_PG_URL` of `url_env = GLOBE_PG_URL`. */
export function exampleValue(key: BackendKey): string {
  return key.syntax.slice(key.syntax.indexOf('=') + 1).trim();
}

/** What applies when the key is not written, in words: `required`, the default as written, or `none`. */
export function defaultInWords(key: BackendKey): string {
  if (key.required) return 'required';
  return key.default === undefined ? 'none' : dslValue(key, key.default);
}
