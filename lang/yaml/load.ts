/**
 * `loadYaml`: one YAML file → Spec fragment + SourceMap + diagnostics.
 * Parse with positions, refuse alias bombs, validate against
 * schemas/spec.schema.json, then lower to the Spec exactly as the DSL does.
 */
import { Ajv, type ErrorObject, type ValidateFunction } from 'ajv';
import { LineCounter, parseDocument } from 'yaml';
import { error, warning, type Diagnostic } from '../diagnostics.js';
import type { LoadedFile } from '../loaded-file.js';
import { EDITOR_KEYWORDS, loadSchema } from '../schema-files.js';
import { emptySpec } from '../spec.js';
import { lowerYaml, type YamlSpec } from './to-spec.js';
import { plainDataDiagnostics } from './plain-data.js';
import { YamlPositions } from './positions.js';
import { schemaDiagnostics } from './schema-errors.js';

/** Aliases a file may expand: enough for any real file, far too few for a billion laughs. */
const MAX_ALIAS_COUNT = 100;

// Compiled on the first YAML file, not at start-up: a DSL-only project never pays for it.
let compiledSpecSchema: ValidateFunction | undefined;
function specValidator(): ValidateFunction {
  if (compiledSpecSchema) return compiledSpecSchema;
  const ajv = new Ajv({ allErrors: true, strict: true, allowUnionTypes: true, verbose: true });
  ajv.addVocabulary(EDITOR_KEYWORDS);
  return (compiledSpecSchema = ajv.compile(loadSchema('spec.schema.json')));
}

export function loadYaml(text: string, file: string): LoadedFile {
  try {
    return loadYamlUnsafe(text, file);
  } catch (e) {
    // A bug in globe must still end as a diagnostic at the file, never a crash of the whole run (as for the DSL).
    const reason = e instanceof Error ? e.message : String(e);
    const span = { file, start: { line: 1, col: 1 }, end: { line: 1, col: 1 } };
    return { spec: emptySpec(), sourceMap: new Map(), diagnostics: [error('yaml-syntax', `internal error while reading this file (${reason}); please report it`, span)] };
  }
}

function loadYamlUnsafe(text: string, file: string): LoadedFile {
  const empty = { spec: emptySpec(), sourceMap: new Map() };
  const lines = new LineCounter();
  const doc = parseDocument(text, { lineCounter: lines, uniqueKeys: true, prettyErrors: false, strict: true });
  const positions = new YamlPositions(doc, lines, file);

  const syntax: Diagnostic[] = doc.errors.map((e) => {
    const span = positions.spanOfRange([e.pos[0], Math.max(e.pos[0] + 1, e.pos[1]), e.pos[1]]);
    const duplicate = e.code === 'DUPLICATE_KEY';
    return error(duplicate ? 'duplicate' : 'yaml-syntax', duplicate ? 'this key is given twice in the same mapping' : syntaxMessage(e.code, e.message), span);
  });
  if (syntax.length > 0) return { ...empty, diagnostics: syntax };
  // Tags, timestamps, sets, binary data, keys that are lists: refused where written, before anything is converted.
  const notPlain = plainDataDiagnostics(doc, positions);
  if (notPlain.length > 0) return { ...empty, diagnostics: notPlain };

  let data: unknown;
  try {
    data = doc.toJS({ maxAliasCount: MAX_ALIAS_COUNT });
  } catch (e) {
    const message = e instanceof Error ? e.message : String(e);
    return { ...empty, diagnostics: [error('yaml-alias', `refusing to expand aliases: ${firstLine(message)}`, positions.spanOfRange(doc.contents?.range))] };
  }
  if (data === null || data === undefined) {
    return { ...empty, diagnostics: [warning('empty-file', 'file is empty: it defines nothing', positions.spanOfRange(undefined))] };
  }
  const validate = specValidator();
  if (!validate(data)) {
    // Report every schema error, then read what is valid: one bad value must not drop the file's other definitions.
    const errors = [...(validate.errors ?? [])];
    const schema = schemaDiagnostics(errors, data, positions);
    const lowered = lowerYaml(validPart(data, errors) as YamlSpec, positions);
    return { ...lowered, diagnostics: [...schema, ...lowered.diagnostics] };
  }
  return lowerYaml(data as YamlSpec, positions);
}

/** Each round removes one more level; the schema is far shallower than this. */
const MAX_PRUNE_ROUNDS = 12;

/**
 * The data without its invalid parts, so that the rest of the file still
 * defines what it defines. Each round removes what failed (the offending
 * key or value; then, if that left its parent incomplete, the parent) until
 * the document is valid; an empty document always is.
 */
function validPart(data: unknown, errors: ErrorObject[]): unknown {
  if (data === null || typeof data !== 'object' || Array.isArray(data)) return {};
  // Aliases share objects: a private copy, so that pruning one place leaves the others alone.
  const copy = structuredClone(data);
  const validate = specValidator();
  for (let round = 0; round < MAX_PRUNE_ROUNDS; round++) {
    for (const e of errors) prune(copy, pruneTarget(e));
    if (validate(copy)) return copy;
    errors = [...(validate.errors ?? [])];
  }
  return {};
}

/** What to remove for an error: the offending key or value, never more than needed. */
function pruneTarget(e: ErrorObject): string[] {
  const path = e.instancePath === '' ? [] : e.instancePath.split('/').slice(1).map((s) => s.replace(/~1/g, '/').replace(/~0/g, '~'));
  if (e.keyword === 'additionalProperties') return [...path, String(e.params.additionalProperty)];
  if (e.propertyName !== undefined) return [...path, e.propertyName];
  return path;
}

function prune(data: unknown, path: string[]): void {
  if (path.length === 0) {
    if (data !== null && typeof data === 'object') for (const k of Object.keys(data)) delete (data as Record<string, unknown>)[k];
    return;
  }
  let parent = data;
  for (let i = 0; i < path.length - 1; i++) {
    // Into a list: drop the whole list, so that list indexes still match the file's positions.
    if (Array.isArray(parent)) return prune(data, path.slice(0, i));
    if (parent === null || typeof parent !== 'object') return;
    parent = (parent as Record<string, unknown>)[path[i]];
  }
  if (Array.isArray(parent)) return prune(data, path.slice(0, -1));
  if (parent !== null && typeof parent === 'object') delete (parent as Record<string, unknown>)[path[path.length - 1]];
}

/** The yaml library's messages, except where they speak of its own API. */
function syntaxMessage(code: string, message: string): string {
  if (code === 'MULTIPLE_DOCS') return 'a globe YAML file holds one document: this `---` starts a second one (put it in a file of its own)';
  return firstLine(message);
}

function firstLine(message: string): string {
  return message.split('\n')[0].replace(/ at line \d+, column \d+:?$/, '');
}
