/**
 * Reading a saved plan: refuse anything truncated, edited into another
 * shape, or made by an incompatible globe, with a message that says which.
 */
import { Ajv } from 'ajv';
import { readFile } from 'node:fs/promises';
import { loadSchema } from '../lang/schema-files.js';
import type { Plan } from '../schemas/plan.js';
import { CliError } from './output.js';
import { globeVersion } from './version.js';

let validator: ReturnType<Ajv['compile']> | undefined;

function validatePlan(doc: unknown): string | undefined {
  if (!validator) {
    const ajv = new Ajv({ allErrors: false, strict: false });
    for (const name of ['spec-document.schema.json', 'placement.schema.json', 'state.schema.json']) ajv.addSchema(loadSchema(name));
    validator = ajv.compile(loadSchema('plan.schema.json'));
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
