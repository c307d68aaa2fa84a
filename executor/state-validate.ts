/**
 * Is a document a State globe can trust? Its declaration (schemas/state.schema.ts,
 * written to schemas/state.schema.json) says the shape; the checks here say what a
 * schema cannot: a serial that can still grow (serial + 1 must be a safe
 * integer, or staleness checks stop working), counts that are safe integers,
 * and no key that means something to JavaScript objects (`__proto__`,
 * `constructor`, `prototype`), which would turn a state into an internal error
 * or worse. Every backend runs it on what it reads and on what it writes.
 */
import { Ajv, type ErrorObject, type ValidateFunction } from 'ajv';
import { loadSchema } from '../lang/schema-files.js';
import type { State } from '../schemas/state.js';

export interface StateProblem {
  /** Where in the document, e.g. `tenants["web/api"].replicas.eu.cpu` (empty: the document itself). */
  path: string;
  message: string;
}

const FORBIDDEN_KEYS = new Set(['__proto__', 'constructor', 'prototype']);

// Compiled once, on first use, from the file written from the State's declaration
// (schemas/state.schema.ts, tested equal to it): loading TypeBox to compile the declaration
// itself would cost every command that may read a state ~0.1 s of CPU.
let compiled: ValidateFunction<State> | undefined;
function schema(): ValidateFunction<State> {
  return (compiled ??= new Ajv({ allErrors: false, strict: false }).compile<State>(loadSchema('state.schema.json')));
}

/** The first problem of the document (keys are checked before the schema, so `__proto__` is named as such), or undefined. */
export function validateState(doc: unknown): StateProblem | undefined {
  const key = keyAndNumberProblem(doc, [], 'key');
  if (key) return key;
  const validate = schema();
  if (!validate(doc)) return fromAjv(validate.errors![0]);
  const d = doc as { serial: number };
  if (!(d.serial < Number.MAX_SAFE_INTEGER)) return { path: 'serial', message: `must be below ${Number.MAX_SAFE_INTEGER} (2^53 - 1), so that the next serial can still be told apart` };
  return keyAndNumberProblem(doc, [], 'number');
}

/** One line: "at PATH: MESSAGE". */
export function describeProblem(p: StateProblem): string {
  return p.path ? `at ${p.path}: ${p.message}` : p.message;
}

/**
 * Frozen objects found free of forbidden keys and unsafe integers, with everything under them:
 * they cannot change, so a later document that shares them (the file backend writes each move's
 * state as the last one with one subject replaced) is not walked through them again.
 */
const clean = new WeakSet<object>();

/**
 * Depth-first over every key (`at` is one shared stack: states are large, no array per key): the
 * first forbidden key (`key`) or unsafe integer (`number`). validateState runs the number walk
 * only after the key walk (and the schema) passed the whole document, so what the number walk
 * finishes without a problem has neither; frozen, it is remembered as clean.
 */
function keyAndNumberProblem(value: unknown, at: string[], look: 'key' | 'number'): StateProblem | undefined {
  if (typeof value === 'number') return look === 'number' && Number.isInteger(value) && !Number.isSafeInteger(value) ? { path: render(at), message: 'is too large (beyond 2^53 - 1)' } : undefined;
  if (typeof value !== 'object' || value === null || clean.has(value)) return undefined;
  let below = true;
  for (const k of Object.keys(value)) {
    at.push(k);
    if (look === 'key' && FORBIDDEN_KEYS.has(k)) return { path: render(at), message: `\`${k}\` is not allowed as a name` };
    const v = (value as Record<string, unknown>)[k];
    const inner = keyAndNumberProblem(v, at, look);
    if (inner) return inner;
    if (typeof v === 'object' && v !== null && !clean.has(v)) below = false;
    at.pop();
  }
  if (look === 'number' && below && Object.isFrozen(value)) clean.add(value);
  return undefined;
}

function render(at: string[]): string {
  return at.map((k, i) => (/^[A-Za-z_][A-Za-z0-9_-]*$/.test(k) ? `${i ? '.' : ''}${k}` : `[${JSON.stringify(k)}]`)).join('');
}

function pointer(instancePath: string): string[] {
  return instancePath === '' ? [] : instancePath.slice(1).split('/').map((s) => s.replaceAll('~1', '/').replaceAll('~0', '~'));
}

/** Say an ajv error the way a user reads it; values are described, never echoed (the file may not be ours). */
function fromAjv(e: ErrorObject): StateProblem {
  const at = pointer(e.instancePath);
  const p = e.params as Record<string, unknown>;
  switch (e.keyword) {
    case 'required':
      return { path: render(at), message: `\`${String(p.missingProperty)}\` is missing` };
    case 'additionalProperties':
      return { path: render([...at, String(p.additionalProperty)]), message: 'is not part of a globe state' };
    case 'propertyNames':
      return { path: render([...at, String(p.propertyName)]), message: 'is not a valid name here' };
    case 'pattern':
      return { path: render(at), message: 'is not a valid name' };
    case 'const':
      return at[0] === 'version' ? { path: 'version', message: 'unsupported version (this globe reads version 1)' } : { path: render(at), message: 'has an unexpected value' };
    case 'type':
      return { path: render(at), message: p.type === 'integer' ? 'must be a whole number' : `must be ${article(String(p.type))}` };
    case 'minimum':
      return { path: render(at), message: `must be ≥ ${String(p.limit)}` };
    case 'maximum':
      return { path: render(at), message: `must be ≤ ${String(p.limit)}` };
    case 'minLength':
      return { path: render(at), message: 'must not be empty' };
    default:
      return { path: render(at), message: e.message ?? 'is not valid' };
  }
}

function article(type: string): string {
  return type === 'object' || type === 'array' || type === 'integer' ? `an ${type}` : `a ${type}`;
}
