/**
 * `npm run schemas`: write every published JSON Schema file from its declaration
 * (schemas/published.ts). Each file is written whole, through a temporary file renamed over it,
 * so that an interrupted run leaves every file as it was or as it should be.
 */
import writeFileAtomic from 'write-file-atomic';
import { schemaPath } from '../lang/schema-files.js';
import { PUBLISHED_SCHEMAS, schemaText } from './published.js';

for (const [file, schema] of Object.entries(PUBLISHED_SCHEMAS).sort(([a], [b]) => (a < b ? -1 : 1))) {
  writeFileAtomic.sync(schemaPath(file), schemaText(schema));
  console.log(`schemas/${file}`);
}
