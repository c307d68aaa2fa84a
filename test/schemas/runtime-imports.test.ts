/**
 * The documents' declarations (schemas/*.schema.ts, lang/spec-document.schema.ts) are TypeBox,
 * which costs about 0.2 s of CPU to load: the commands never load it (they import the declared
 * types, which compile away, and validate with the schema files written from the declarations).
 * Run here with a module hook that refuses to resolve `typebox`.
 */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { afterAll, describe, expect, it } from 'vitest';
import { globe, ROOT } from '../support/cli.js';

const dir = mkdtempSync(join(tmpdir(), 'globe-no-typebox-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

writeFileSync(
  join(dir, 'refuse-typebox.mjs'),
  `export async function resolve(specifier, context, next) {
  if (specifier === 'typebox' || specifier.startsWith('typebox/')) throw new Error('typebox loaded at run time, by ' + context.parentURL);
  return next(specifier, context);
}
`,
);
writeFileSync(join(dir, 'hook.mjs'), `import { register } from 'node:module';\nregister(${JSON.stringify(pathToFileURL(join(dir, 'refuse-typebox.mjs')).href)});\n`);
const env = { NODE_OPTIONS: `--import=${pathToFileURL(join(dir, 'hook.mjs')).href}` };

describe('the commands do not load TypeBox', () => {
  it.each([
    ['validate', ['validate', 'examples/quickstart']],
    ['plan (reads the state, validates it)', ['plan', 'examples/seed-product-shift', '--lock', 'false']],
    ['show (reads a saved plan, validates it)', ['show', 'test/golden/plan/fresh-deploy.json']],
  ])('%s', (_name, args) => {
    const r = globe(args, { cwd: ROOT, env });
    expect(r.stderr).not.toContain('typebox');
    expect(r.code, r.stderr).not.toBe(1);
  });
});
