/**
 * Go to definition, find references and rename, across the files of a
 * project, for regions (and edge locations), resources, products,
 * services, reservations and localities.
 */
import type { Location, Position, Range, TextEdit, WorkspaceEdit } from 'vscode-languageserver/node';
import { NAME_PATTERN } from '../dsl/to-spec.js';
import type { ProjectModel } from './project-model.js';
import { pathToUri, toRange, toSourcePosition } from './positions.js';
import { spanContains, type Occurrence } from './symbols.js';

/** The name at the position, if it is a definition or use of one. */
export function occurrenceAt(model: ProjectModel, path: string, position: Position): Occurrence | undefined {
  const at = toSourcePosition(position);
  return model.occurrencesOf(path).find((o) => spanContains(o.span, at));
}

function sameName(model: ProjectModel, o: Occurrence): Occurrence[] {
  return model.occurrences().filter((x) => x.ns === o.ns && x.name === o.name);
}

function location(o: Occurrence): Location {
  return { uri: pathToUri(o.span.file), range: toRange(o.span) };
}

export function definitions(model: ProjectModel, path: string, position: Position): Location[] {
  const o = occurrenceAt(model, path, position);
  if (!o) return [];
  const all = sameName(model, o);
  const defs = all.filter((x) => x.definition);
  // An edge location has no definition of its own: the latency table is where it is introduced.
  return (defs.length > 0 ? defs : all.filter((x) => x.latency)).map(location);
}

export function references(model: ProjectModel, path: string, position: Position, includeDeclaration: boolean): Location[] {
  const o = occurrenceAt(model, path, position);
  if (!o) return [];
  return sameName(model, o)
    .filter((x) => includeDeclaration || !x.definition)
    .map(location);
}

export function prepareRename(model: ProjectModel, path: string, position: Position): Range | undefined {
  const o = occurrenceAt(model, path, position);
  return o ? toRange(o.span) : undefined;
}

/** The edits renaming the name at the position everywhere; a string (the reason) when it cannot be renamed so. */
export function rename(model: ProjectModel, path: string, position: Position, newName: string): WorkspaceEdit | string {
  const o = occurrenceAt(model, path, position);
  if (!o) return 'no globe name here to rename';
  if (!NAME_PATTERN.test(newName)) return `\`${newName}\` is not a valid name: use lower case letters, digits and single dashes, starting with a letter`;
  const changes: Record<string, TextEdit[]> = {};
  const seen = new Set<string>();
  for (const x of sameName(model, o)) {
    const key = `${x.span.file}:${x.span.start.line}:${x.span.start.col}`;
    if (seen.has(key)) continue;
    seen.add(key);
    (changes[pathToUri(x.span.file)] ??= []).push({ range: toRange(x.span), newText: newName });
  }
  return { changes };
}
