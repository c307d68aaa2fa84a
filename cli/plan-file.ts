/**
 * Reading a saved plan: refuse anything truncated, edited into another
 * shape, or made by an incompatible globe, with a message that says which.
 */
import { Ajv, type ValidateFunction } from 'ajv';
import { readFile } from 'node:fs/promises';
import { loadSchema } from '../lang/schema-files.js';
import type { Plan } from '../schemas/plan.js';
import { CliError } from './output.js';
import { globeVersion } from './version.js';

// Compiled once, on first use: only the commands that read a saved plan pay for it.
let validator: ValidateFunction<Plan> | undefined;

function validatePlan(doc: unknown): string | undefined {
  if (!validator) {
    const ajv = new Ajv({ allErrors: false, strict: false });
    // The schema files written from the documents' declarations (schemas/*.schema.ts, tested equal
    // to them): loading TypeBox to compile the declarations would cost every command ~0.1 s of CPU.
    for (const name of ['spec-document.schema.json', 'placement.schema.json', 'state.schema.json']) ajv.addSchema(loadSchema(name));
    validator = ajv.compile<Plan>(loadSchema('plan.schema.json'));
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
