/**
 * Where the JSON Schemas live. The same code runs from the TypeScript
 * sources (tests) and from `dist/` (the CLI), at different depths below the
 * package root; both find `schemas/` by walking up to the package root.
 */
import { existsSync, readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

let root: string | undefined;

/**
 * Keywords of schemas/spec.schema.json meant for editors (yaml-language-server,
 * VS Code's JSON service): messages and completion snippets. They validate
 * nothing; a strict validator must be told they exist (ajv.addVocabulary).
 */
export const EDITOR_KEYWORDS = ['errorMessage', 'patternErrorMessage', 'defaultSnippets'];

export function packageRoot(): string {
  if (root) return root;
  let dir = dirname(fileURLToPath(import.meta.url));
  while (!existsSync(join(dir, 'package.json')) || !existsSync(join(dir, 'schemas'))) {
    const up = dirname(dir);
    if (up === dir) throw new Error('cannot find the globe package root (no package.json with schemas/ above this file)');
    dir = up;
  }
  root = dir;
  return dir;
}

export function schemaPath(name: string): string {
  return join(packageRoot(), 'schemas', name);
}

export function loadSchema(name: string): object {
  return JSON.parse(readFileSync(schemaPath(name), 'utf8')) as object;
}

/**
 * The reference `globe convert` writes in a YAML file's modeline: the spec
 * schema's `$id`, the same wherever and however globe is installed, so a
 * converted file is byte-identical on every machine (docs/editors.md).
 */
export function specSchemaId(): string {
  const id = (loadSchema('spec.schema.json') as { $id?: unknown }).$id;
  if (typeof id !== 'string') throw new Error('schemas/spec.schema.json has no $id');
  return id;
}
