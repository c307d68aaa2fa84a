/**
 * The JSON Schema files globe publishes, each written from its document's declaration
 * (`npm run schemas`; test/schemas/published-schemas.test.ts fails when a checked-in file
 * differs from what its declaration writes). Editors, CI scripts and other tools read the files,
 * and globe's validators compile them (the commands never load TypeBox: docs/architecture.md).
 */
import type { TSchema } from 'typebox';
import { Spec } from '../lang/spec-document.schema.js';
import { Diagnostic } from './diagnostic.schema.js';
import { JournalRecord } from './journal.schema.js';
import { Placement } from './placement.schema.js';
import { Plan } from './plan.schema.js';
import { FailuresDocument } from './simulate.schema.js';
import { State } from './state.schema.js';

/** File name in `schemas/` → the declaration written there. */
export const PUBLISHED_SCHEMAS: Readonly<Record<string, TSchema>> = {
  'diagnostic.schema.json': Diagnostic,
  'journal.schema.json': JournalRecord,
  'placement.schema.json': Placement,
  'plan.schema.json': Plan,
  'simulate.schema.json': FailuresDocument,
  'spec-document.schema.json': Spec,
  'state.schema.json': State,
};

/** Keys a reader looks for first; every other key keeps the order the declaration gave it. */
const LEADING_KEYS = ['$schema', '$id', 'title', 'description'];

/** The text of a schema file: two-space JSON, a document's identity first, a final newline. */
export function schemaText(schema: TSchema): string {
  return `${JSON.stringify(schema, leadingKeysFirst, 2)}\n`;
}

function leadingKeysFirst(_key: string, value: unknown): unknown {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) return value;
  const keys = Object.keys(value);
  const order = [...LEADING_KEYS.filter((k) => keys.includes(k)), ...keys.filter((k) => !LEADING_KEYS.includes(k))];
  return Object.fromEntries(order.map((k) => [k, (value as Record<string, unknown>)[k]]));
}
