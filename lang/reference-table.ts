/**
 * The reference tables of docs/language.md, generated so the doc cannot
 * drift from what the lowerings accept: the tenant table from the
 * language's table (lang/properties.ts), the backend table from the backend
 * kinds' declaration (lang/backend-kinds.ts). `npm run docs:reference`
 * writes each between its markers, and test/lang/language-reference.test.ts
 * and test/lang/backend-kinds.test.ts fail when they differ.
 */
import { defaultInWords } from './backend-config.js';
import { BACKEND_KINDS, type BackendKey } from './backend-kinds.js';
import { defaultOf, propertiesOf } from './properties.js';

export const TABLE_BEGIN = '<!-- tenant-properties: generated from lang/properties.ts by `npm run docs:reference`; edit there -->';
export const TABLE_END = '<!-- /tenant-properties -->';
export const BACKEND_TABLE_BEGIN = '<!-- backend-keys: generated from lang/backend-kinds.ts by `npm run docs:reference`; edit there -->';
export const BACKEND_TABLE_END = '<!-- /backend-keys -->';

/** A table cell: pipes escaped, so a doc line cannot break the row. */
function cell(text: string): string {
  return text.replace(/\|/g, '\\|');
}

/** The markdown table: statement, YAML key, meaning, default — in the table's order. */
export function tenantReferenceTable(): string {
  const rows = propertiesOf('tenant').map((p) => `| \`${cell(p.syntax)}\` | \`${p.yamlKey}\` | ${cell(p.doc)} | ${cell(defaultOf(p) ?? '—')} |`);
  return ['| statement | YAML key | meaning | default |', '| --- | --- | --- | --- |', ...rows].join('\n');
}

/** The markdown table of every backend kind's keys: kind, statement, YAML key, meaning, default — in the declaration's order. */
export function backendReferenceTable(): string {
  const written = (key: BackendKey) => (key.default === undefined ? defaultInWords(key) : `\`${cell(defaultInWords(key))}\``);
  const rows = BACKEND_KINDS.flatMap((k) => k.keys.map((key) => `| \`${k.name}\` | \`${cell(key.syntax)}\` | \`${key.keyword}\` | ${cell(key.doc)} | ${written(key)} |`));
  return ['| backend | statement | YAML key | meaning | default |', '| --- | --- | --- | --- | --- |', ...rows].join('\n');
}

/** `doc` with the text between the markers replaced by `table`; an error naming `what` when the markers are missing. */
function withTable(doc: string, what: string, beginMarker: string, endMarker: string, table: string): string {
  const begin = doc.indexOf(beginMarker);
  const end = doc.indexOf(endMarker);
  if (begin < 0 || end < begin) throw new Error(`the ${what}'s markers are missing: expected ${beginMarker} … ${endMarker}`);
  return `${doc.slice(0, begin + beginMarker.length)}\n${table}\n${doc.slice(end)}`;
}

/** `doc` with the tenant table between its markers replaced by the current one. */
export function withTenantTable(doc: string): string {
  return withTable(doc, 'tenant reference table', TABLE_BEGIN, TABLE_END, tenantReferenceTable());
}

/** `doc` with the backend table between its markers replaced by the current one. */
export function withBackendTable(doc: string): string {
  return withTable(doc, 'backend reference table', BACKEND_TABLE_BEGIN, BACKEND_TABLE_END, backendReferenceTable());
}

/** `doc` with every generated table brought up to date (what `npm run docs:reference` writes). */
export function withReferenceTables(doc: string): string {
  return withBackendTable(withTenantTable(doc));
}
