/**
 * Hover: on a keyword or property, its syntax and doc line; on a latency
 * tier, its threshold; on a name, what it is and its definition (file, line
 * and the line's text).
 */
import { extname, relative } from 'node:path';
import { MarkupKind, type Hover, type Position } from 'vscode-languageserver/node';
import { docLine, findProperty, PROPERTIES, type Property } from '../properties.js';
import { LATENCY_TIERS } from '../spec.js';
import { isLatencyTier } from '../units.js';
import { cursorContext } from './context.js';
import { occurrenceAt } from './navigation.js';
import { offsetAt, toRange } from './positions.js';
import type { ProjectModel } from './project-model.js';
import type { Occurrence } from './symbols.js';

const WHAT: Record<Occurrence['ns'], string> = {
  region: 'region',
  resource: 'resource',
  product: 'product',
  service: 'service',
  locality: 'locality',
  reservation: 'reservation',
};

export function hover(model: ProjectModel, path: string, text: string, position: Position): Hover | null {
  const o = occurrenceAt(model, path, position);
  if (o) return { contents: { kind: MarkupKind.Markdown, value: nameHover(model, o) }, range: toRange(o.span) };
  const word = wordAt(text, position);
  if (!word) return null;
  const range = { start: { line: position.line, character: word.start }, end: { line: position.line, character: word.end } };
  if (isLatencyTier(word.text)) {
    return { contents: { kind: MarkupKind.Markdown, value: `latency tier \`${word.text}\`: a round trip of at most ${LATENCY_TIERS[word.text]}ms` }, range };
  }
  const prop = extname(path) === '.globe' ? dslProperty(text, position, word) : yamlProperty(word.text);
  if (!prop) return null;
  return { contents: { kind: MarkupKind.Markdown, value: `\`${prop.syntax}\`\n\n${docLine(prop)}` }, range };
}

function nameHover(model: ProjectModel, o: Occurrence): string {
  const all = model.occurrences().filter((x) => x.ns === o.ns && x.name === o.name);
  const defs = all.filter((x) => x.definition);
  if (o.ns === 'region' && defs.length === 0) {
    return all.some((x) => x.latency) ? `edge location \`${o.name}\` (a client location of the latency table)` : `\`${o.name}\`: not declared`;
  }
  if (defs.length === 0) return `${WHAT[o.ns]} \`${o.name}\`: not declared`;
  const parts = [`${WHAT[o.ns]} \`${o.name}\``];
  for (const d of defs.slice(0, 5)) {
    const line = model.file(d.span.file)?.text.split('\n')[d.span.start.line - 1]?.trim() ?? '';
    const lang = extname(d.span.file) === '.globe' ? 'globe' : 'yaml';
    parts.push(`${relative(model.dir, d.span.file)}:${d.span.start.line}\n\`\`\`${lang}\n${line}\n\`\`\``);
  }
  if (defs.length > 5) parts.push(`… and ${defs.length - 5} more`);
  return parts.join('\n\n');
}

function dslProperty(text: string, position: Position, word: { text: string; start: number }): Property | undefined {
  const ctx = cursorContext(text, offsetAt(text, { line: position.line, character: word.start }));
  return ctx.block === 'unknown' ? findProperty(word.text) : findProperty(word.text, ctx.block);
}

function yamlProperty(key: string): Property | undefined {
  return PROPERTIES.find((p) => p.yamlKey === key || p.yamlKey.endsWith(`.${key}`));
}

function wordAt(text: string, position: Position): { text: string; start: number; end: number } | undefined {
  const lineStart = offsetAt(text, { line: position.line, character: 0 });
  const lineEnd = text.indexOf('\n', lineStart);
  const line = text.slice(lineStart, lineEnd < 0 ? text.length : lineEnd);
  const word = /[A-Za-z_][A-Za-z0-9_-]*/g;
  for (let m = word.exec(line); m; m = word.exec(line)) {
    if (m.index <= position.character && position.character <= m.index + m[0].length) return { text: m[0], start: m.index, end: m.index + m[0].length };
  }
  return undefined;
}
