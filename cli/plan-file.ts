/**
 * Reading a saved plan: refuse anything truncated, edited into another
 * shape, or made by an incompatible globe, with a message that says which.
 */
import { Ajv, type ValidateFunction } from 'ajv';
import { readFile } from 'node:fs/promises';
import { loadSchema } from '../lang/schema-files.js';
import { Placement } from '../schemas/placement.js';
import { Plan } from '../schemas/plan.js';
import { State } from '../schemas/state.js';
import { CliError } from './output.js';
import { globeVersion } from './version.js';

// Compiled once, on first use: only the commands that read a saved plan pay for it.
let validator: ValidateFunction<Plan> | undefined;

function validatePlan(doc: unknown): string | undefined {
  if (!validator) {
    const ajv = new Ajv({ allErrors: false, strict: false });
    // The documents a plan refers to by `$ref`: the Spec's schema is still a hand-kept file.
    ajv.addSchema(loadSchema('spec-document.schema.json')).addSchema(Placement).addSchema(State);
    validator = ajv.compile<Plan>(Plan);
  }
  if (validator(doc)) return undefined;
  const e = validator.errors?.[0];
  return e ? `${e.instancePath || '/'} ${e.message}` : 'invalid';
}

export async function readPlanDocument(file: string): Promise<Plan> {
  let text: string;
  try {
    text = await readFile(file, 'utf8');
  } catch {
    throw new CliError(`cannot read the plan file ${file}`);
  }
  let doc: unknown;
  try {
    doc = JSON.parse(text);
  } catch (e) {
    throw new CliError(`${file} is not a plan: it is not valid JSON (${(e as Error).message}); was it truncated?`);
  }
  const version = (doc as { globeVersion?: unknown })?.globeVersion;
  if (typeof version === 'string' && version.split('.')[0] !== globeVersion().split('.')[0]) {
    throw new CliError(`${file} was made by globe ${version}; this is globe ${globeVersion()}: plan again with this version`);
  }
  const problem = validatePlan(doc);
  if (problem) throw new CliError(`${file} is not a valid plan (${problem}); was it edited? Plan again with \`globe plan --out\``);
  return doc as Plan;
}
