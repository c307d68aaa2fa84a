/**
 * The tenant reference table of docs/language.md, generated from the
 * language's table (lang/properties.ts) so the doc cannot drift from what
 * the lowerings accept: `npm run docs:reference` writes it between the
 * markers, and test/lang/language-reference.test.ts fails when they differ.
 */
import { defaultOf, propertiesOf } from './properties.js';

export const TABLE_BEGIN = '<!-- tenant-properties: generated from lang/properties.ts by `npm run docs:reference`; edit there -->';
export const TABLE_END = '<!-- /tenant-properties -->';

/** A table cell: pipes escaped, so a doc line cannot break the row. */
function cell(text: string): string {
  return text.replace(/\|/g, '\\|');
}

/** The markdown table: statement, YAML key, meaning, default — in the table's order. */
export function tenantReferenceTable(): string {
  const rows = propertiesOf('tenant').map((p) => `| \`${cell(p.syntax)}\` | \`${p.yamlKey}\` | ${cell(p.doc)} | ${cell(defaultOf(p) ?? '—')} |`);
  return ['| statement | YAML key | meaning | default |', '| --- | --- | --- | --- |', ...rows].join('\n');
}

/** `doc` with the text between the markers replaced by the current table; an error when the markers are missing. */
export function withTenantTable(doc: string): string {
  const begin = doc.indexOf(TABLE_BEGIN);
  const end = doc.indexOf(TABLE_END);
  if (begin < 0 || end < begin) throw new Error(`the tenant reference table's markers are missing: expected ${TABLE_BEGIN} … ${TABLE_END}`);
  return `${doc.slice(0, begin + TABLE_BEGIN.length)}\n${tenantReferenceTable()}\n${doc.slice(end)}`;
}
