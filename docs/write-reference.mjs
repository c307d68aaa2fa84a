// Writes the reference tables of docs/language.md: tenants from lang/properties.ts, backends from lang/backend-kinds.ts
// (run through `npm run docs:reference`, which compiles first). Atomic: the
// doc is written to a temporary file and renamed over the old one.
import { readFileSync, renameSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { withReferenceTables } from '../dist/lang/reference-table.js';

const doc = join(dirname(fileURLToPath(import.meta.url)), 'language.md');
try {
  const before = readFileSync(doc, 'utf8');
  const after = withReferenceTables(before);
  if (after === before) {
    console.log('docs/language.md: the reference tables are up to date');
  } else {
    writeFileSync(`${doc}.tmp`, after);
    renameSync(`${doc}.tmp`, doc);
    console.log('docs/language.md: reference tables rewritten');
  }
} catch (e) {
  console.error(`docs/language.md: ${e instanceof Error ? e.message : String(e)}`);
  process.exitCode = 1;
}
