/**
 * `loadYaml`: one YAML file → Spec fragment + SourceMap + diagnostics.
 * Parse with positions, refuse alias bombs, validate against
 * schemas/spec.schema.json, then lower to the Spec exactly as the DSL does.
 */
import { Ajv } from 'ajv';
import { LineCounter, parseDocument } from 'yaml';
import { error, warning, type Diagnostic } from '../diagnostics.js';
import type { LoadedFile } from '../loaded-file.js';
import { loadSchema } from '../schema-files.js';
import { emptySpec } from '../spec.js';
import { lowerYaml, type YamlSpec } from './to-spec.js';
import { YamlPositions } from './positions.js';
import { schemaDiagnostics } from './schema-errors.js';

/** Aliases a file may expand: enough for any real file, far too few for a billion laughs. */
const MAX_ALIAS_COUNT = 100;

const specSchema = loadSchema('spec.schema.json');
const ajv = new Ajv({ allErrors: true, strict: true, allowUnionTypes: true, verbose: true });
const validate = ajv.compile(specSchema);

export function loadYaml(text: string, file: string): LoadedFile {
  const empty = { spec: emptySpec(), sourceMap: new Map() };
  const lines = new LineCounter();
  const doc = parseDocument(text, { lineCounter: lines, uniqueKeys: true, prettyErrors: false, strict: true });
  const positions = new YamlPositions(doc, lines, file);

  const syntax: Diagnostic[] = doc.errors.map((e) => {
    const span = positions.spanOfRange([e.pos[0], Math.max(e.pos[0] + 1, e.pos[1]), e.pos[1]]);
    const duplicate = e.code === 'DUPLICATE_KEY';
    return error(duplicate ? 'duplicate' : 'yaml-syntax', duplicate ? 'this key is given twice in the same mapping' : firstLine(e.message), span);
  });
  if (syntax.length > 0) return { ...empty, diagnostics: syntax };

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
  if (!validate(data)) {
    return { ...empty, diagnostics: schemaDiagnostics(validate.errors ?? [], data, positions) };
  }
  return lowerYaml(data as YamlSpec, positions);
}

function firstLine(message: string): string {
  return message.split('\n')[0].replace(/ at line \d+, column \d+:?$/, '');
}
