import { readFileSync } from 'node:fs';
import { Ajv } from 'ajv';
import { describe, expect, it } from 'vitest';
import { PUBLISHED_SCHEMAS, schemaText } from '../../schemas/published.js';
import { schemaPath } from '../../lang/schema-files.js';

describe('the published JSON Schemas are written from the declarations', () => {
  it.each(Object.keys(PUBLISHED_SCHEMAS).sort())('schemas/%s is what its declaration writes (run `npm run schemas` after changing one)', (file) => {
    expect(readFileSync(schemaPath(file), 'utf8')).toBe(schemaText(PUBLISHED_SCHEMAS[file]));
  });

  it('every declaration is a schema a strict validator accepts', () => {
    const ajv = new Ajv({ strict: true, validateFormats: false });
    for (const schema of Object.values(PUBLISHED_SCHEMAS)) ajv.addSchema(schema);
    for (const file of Object.keys(PUBLISHED_SCHEMAS)) expect(() => ajv.getSchema(`https://globe.dev/schemas/${file}`), file).not.toThrow();
  });
});
