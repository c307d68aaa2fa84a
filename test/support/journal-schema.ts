import { Ajv } from 'ajv';
import addFormats from 'ajv-formats';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { ROOT } from './cli.js';

/** A validator for schemas/journal.schema.json, date-time formats checked. */
export function journalValidator() {
  const ajv = new Ajv({ strict: true, allErrors: true });
  addFormats.default(ajv);
  const validate = ajv.compile(JSON.parse(readFileSync(join(ROOT, 'schemas', 'journal.schema.json'), 'utf8')));
  return { validate, errors: () => ajv.errorsText(validate.errors) };
}
