/**
 * `globe lsp` driven by a real LSP client over stdio, on a copy of
 * examples/global: diagnostics as you type (the same as `globe validate`,
 * across files), completion, hover, definitions, references, rename,
 * formatting and quick fixes.
 */
import { cpSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { globe, ROOT } from '../support/cli.js';
import type { Diagnostic } from '../../schemas/diagnostic.js';
import { LspClient, uriOf, type LspDiagnostic } from '../support/lsp-client.js';
import { copyExample } from '../support/examples.js';

let tmp: string;
let dir: string;
let client: LspClient;
const file = (name: string) => join(dir, name);
const read = (name: string) => readFileSync(file(name), 'utf8');

beforeAll(() => {
  tmp = mkdtempSync(join(tmpdir(), 'globe-lsp-'));
});
afterAll(() => rmSync(tmp, { recursive: true, force: true }));

let copies = 0;
beforeEach(async () => {
  dir = join(tmp, `global-${copies++}`);
  copyExample(join(ROOT, 'examples', 'global'), dir);
  client = await LspClient.start(dir);
});
afterEach(async () => {
  expect(await client.stop()).toBe(0);
});

/** The LSP position of the `nth` occurrence of `needle` in `text`, `shift` characters into it. */
function pos(text: string, needle: string, shift = 0, nth = 0): { line: number; character: number } {
  let at = -1;
  for (let i = 0; i <= nth; i++) at = text.indexOf(needle, at + 1);
  if (at < 0) throw new Error(`${needle} not in text`);
  const before = text.slice(0, at + shift);
  const line = before.split('\n').length - 1;
  return { line, character: before.length - before.lastIndexOf('\n') - 1 };
}

/** Open a file and wait for its first diagnostics. */
async function openAndWait(name: string, text?: string): Promise<LspDiagnostic[]> {
  const published = client.nextDiagnostics(file(name));
  await client.open(file(name), text);
  return published;
}

/** `globe validate --json` on a directory, as {file name → [line:col code message]}. */
function validate(project: string): Record<string, string[]> {
  const r = globe(['validate', '--json', project]);
  const out: Record<string, string[]> = {};
  for (const d of (JSON.parse(r.stdout) as { diagnostics: Diagnostic[] }).diagnostics) {
    const s = d.source!;
    (out[s.file.split('/').pop()!] ??= []).push(`${s.line}:${s.col}-${s.endLine}:${s.endCol} ${d.code} ${d.message}`);
  }
  return out;
}

/** `globe validate` on a copy of the project with one file's text replaced. */
function validateEdited(name: string, text: string): Record<string, string[]> {
  const copy = join(tmp, `validate-${copies}`);
  cpSync(dir, copy, { recursive: true });
  writeFileSync(join(copy, name), text);
  return validate(copy);
}

function asValidate(diagnostics: LspDiagnostic[]): string[] {
  return diagnostics.map((d) => `${d.range.start.line + 1}:${d.range.start.character + 1}-${d.range.end.line + 1}:${d.range.end.character} ${d.code} ${d.message}`);
}

describe('globe lsp: diagnostics', () => {
  it('publishes nothing for a valid project, then flags the uses of a region renamed in world.globe in files not even open, exactly as globe validate does', async () => {
    expect(await openAndWait('world.globe')).toEqual([]);
    const world = read('world.globe');
    const renamed = world.replace('region eu-west {', 'region eu-wset {');

    // storage.yaml (not open) names eu-west in only_in; demand from eu-west stays valid: the latency table still names it.
    const inStorage = client.nextDiagnostics(file('storage.yaml'), (d) => d.length > 0);
    const inWorld = client.nextDiagnostics(file('world.globe'));
    await client.edit(file('world.globe'), { start: pos(world, 'eu-west {'), end: pos(world, 'eu-west {', 'eu-west'.length) }, 'eu-wset');
    const [storage, worldNow] = await Promise.all([inStorage, inWorld]);
    expect(storage).toEqual([
      {
        range: { start: { line: 16, character: 18 }, end: { line: 16, character: 25 } },
        severity: 1,
        code: 'unknown-reference',
        source: 'globe',
        message: 'region `eu-west` is not declared (did you mean `eu-wset`?)',
      },
    ]);
    expect(asValidate(storage)).toEqual(validateEdited('world.globe', renamed)['storage.yaml']);
    expect(worldNow).toEqual([]);

    // Undoing the edit clears them again.
    const cleared = client.nextDiagnostics(file('storage.yaml'), (d) => d.length === 0);
    await client.change(file('world.globe'), world);
    expect(await cleared).toEqual([]);
  });

  it('flags every use of a resource renamed in world.globe, in every file, with the ranges and messages of globe validate', async () => {
    await openAndWait('world.globe');
    const world = read('world.globe');
    const renamed = world.replace('resource cpu {', 'resource cpus {');
    const names = ['feed.globe', 'inference.globe', 'search.globe', 'storage.yaml', 'world.globe'];
    const published = names.map((n) => client.nextDiagnostics(file(n), (d) => d.length > 0));
    await client.change(file('world.globe'), renamed);
    const got = await Promise.all(published);
    const expected = validateEdited('world.globe', renamed);
    expect(Object.keys(expected).sort()).toEqual(names);
    names.forEach((n, i) => expect(asValidate(got[i])).toEqual(expected[n]));
    expect(got[2].map((d) => d.message)).toEqual(['resource `cpu` is not declared (did you mean `cpus`?)', 'resource `cpu` is not declared (did you mean `cpus`?)']);
  });

  it('reports a syntax error in the edited file where it is, and the open document overrides the file on disk', async () => {
    await openAndWait('inference.globe');
    const text = read('inference.globe');
    const broken = text.replace('priority = 100', 'priority = = 100');
    const published = client.nextDiagnostics(file('inference.globe'), (d) => d.length > 0);
    await client.change(file('inference.globe'), broken);
    const diagnostics = await published;
    expect(diagnostics[0]).toMatchObject({ code: 'syntax', range: { start: pos(broken, '= 100') } });
    // Disk still holds the valid file: validate agrees with the editor only on the edited text.
    expect(validate(dir)).toEqual({});
  });
});

describe('globe lsp: documents and files', () => {
  it('brings the disk\'s text back when a document is closed unsaved', async () => {
    await openAndWait('search.globe');
    const broken = read('search.globe').replace('replica cpu x2', 'replica gpu x2');
    const flagged = client.nextDiagnostics(file('search.globe'), (d) => d.length > 0);
    await client.change(file('search.globe'), broken);
    expect((await flagged).map((d) => d.message)).toEqual(['resource `gpu` is not declared (did you mean `cpu`?)']);
    const cleared = client.nextDiagnostics(file('search.globe'), (d) => d.length === 0);
    await client.close(file('search.globe'));
    expect(await cleared).toEqual([]);
  });

  it('reads a file that appears on disk (watched-file event) into the project', async () => {
    await openAndWait('world.globe');
    writeFileSync(file('zz-extra.globe'), 'region us-east { locality = na }\n');
    const duplicate = client.nextDiagnostics(file('zz-extra.globe'), (d) => d.length > 0);
    await client.connection.sendNotification('workspace/didChangeWatchedFiles', { changes: [{ uri: uriOf(file('zz-extra.globe')), type: 1 }] });
    expect((await duplicate).map((d) => `${d.code} ${d.message}`)).toEqual(['duplicate region `us-east` is defined more than once']);
    // Files sort before the check: the new file comes after world.globe, so it holds the second definition.
  });

  it('leaves YAML outside globe projects alone', async () => {
    const other = join(tmp, `other-${copies}`);
    cpSync(join(ROOT, 'examples', 'global', 'storage.yaml'), join(other, 'workflow.yaml'));
    writeFileSync(join(other, 'workflow.yaml'), 'on: [push]\njobs: {}\n');
    await client.open(join(other, 'workflow.yaml'));
    const hover = await client.request('textDocument/hover', { textDocument: { uri: uriOf(join(other, 'workflow.yaml')) }, position: { line: 0, character: 1 } });
    expect(hover).toBeNull();
    expect(client.diagnostics.has(uriOf(join(other, 'workflow.yaml')))).toBe(false);
  });
});

describe('globe lsp: completion and hover', () => {
  it('completes properties with their doc, resources after replica, tiers after <, units after a number, names in scope', async () => {
    const text = read('inference.globe');
    await openAndWait('inference.globe');
    const at = pos(text, '    priority = 100');
    const items = async (line: string) => {
      const edited = text.replace('    priority = 100\n', `    priority = 100\n${line}\n`);
      const ready = client.nextDiagnostics(file('inference.globe'));
      await client.change(file('inference.globe'), edited);
      await ready;
      const result = await client.request<{ label: string; documentation?: string; detail?: string }[]>('textDocument/completion', {
        textDocument: { uri: uriOf(file('inference.globe')) },
        position: { line: at.line + 1, character: line.length },
      });
      return result;
    };
    const props = await items('    ');
    expect(props.map((i) => i.label)).toEqual(expect.arrayContaining(['priority', 'demand', 'replica', 'target_utilization', 'tolerate', 'avoid', 'max_surge']));
    expect(props.find((i) => i.label === 'target_utilization')?.documentation).toMatch(/Share of a replica's rps/);
    expect((await items('    replica ')).map((i) => i.label)).toEqual(['a100', 'cpu', 'h100']);
    expect((await items('    latency read < ')).map((i) => i.label)).toEqual(['regional', 'zonal', 'continental', 'global']);
    expect((await items('    demand write { us-east = 200')).map((i) => i.label)).toEqual(['rps']);
    expect((await items('    avoid [us-east, ')).map((i) => i.label)).toContain('ap-south');
    expect((await items('    demand write { ')).map((i) => i.label)).toEqual(expect.arrayContaining(['us-east', 'paris', 'tokyo']));
    expect((await items('    latency ')).map((i) => i.label)).toEqual(expect.arrayContaining(['read']));
    expect((await items('    follows ')).map((i) => i.label)).toEqual(['facebook']);
  });

  it('hovers with the property doc, a tier\'s threshold, and a name\'s definition', async () => {
    const text = read('inference.globe');
    await openAndWait('inference.globe');
    const hover = (needle: string, shift = 0) =>
      client.request<{ contents: { value: string } } | null>('textDocument/hover', { textDocument: { uri: uriOf(file('inference.globe')) }, position: pos(text, needle, shift) });
    expect((await hover('priority'))?.contents.value).toContain('Integer; when supply is short, lower-priority demand is given up first');
    expect((await hover('continental'))?.contents.value).toContain('70ms');
    const h100 = (await hover('replica h100', 9))?.contents.value;
    expect(h100).toContain('resource `h100`');
    expect(h100).toContain('world.globe:4');
    expect(h100).toContain('resource h100 { unit = gpu  cost = 3.0 }');
    expect((await hover('paris', 1))?.contents.value).toContain('edge location `paris`');
  });
});

describe('globe lsp: navigation, rename, formatting, quick fixes', () => {
  it('goes to a region\'s definition and finds the references of a resource in every file, YAML included', async () => {
    const text = read('inference.globe');
    await openAndWait('inference.globe');
    const uri = uriOf(file('inference.globe'));
    const defs = await client.request<{ uri: string; range: LspDiagnostic['range'] }[]>('textDocument/definition', { textDocument: { uri }, position: pos(text, 'eu-west = 1200rps', 2) });
    const world = read('world.globe');
    expect(defs).toEqual([{ uri: uriOf(file('world.globe')), range: { start: pos(world, 'eu-west {'), end: pos(world, 'eu-west {', 7) } }]);

    const refs = await client.request<{ uri: string }[]>('textDocument/references', { textDocument: { uri }, position: pos(text, 'cpu x8', 1), context: { includeDeclaration: true } });
    const byFile = new Map<string, number>();
    for (const r of refs) byFile.set(r.uri.split('/').pop()!, (byFile.get(r.uri.split('/').pop()!) ?? 0) + 1);
    // world: the definition, 9 supplies and the reservation; feed: 3; inference: 1; search: 2; storage.yaml: 1.
    expect(Object.fromEntries([...byFile].sort())).toEqual({ 'feed.globe': 3, 'inference.globe': 1, 'search.globe': 2, 'storage.yaml': 1, 'world.globe': 11 });
  });

  it('renames a region across DSL and YAML files, and the renamed project is still valid', async () => {
    const text = read('world.globe');
    await openAndWait('world.globe');
    const uri = uriOf(file('world.globe'));
    const range = await client.request<LspDiagnostic['range']>('textDocument/prepareRename', { textDocument: { uri }, position: pos(text, 'eu-west {', 3) });
    expect(range).toEqual({ start: pos(text, 'eu-west {'), end: pos(text, 'eu-west {', 7) });
    await expect(client.request('textDocument/rename', { textDocument: { uri }, position: pos(text, 'eu-west {', 3), newName: 'Bad_Name' })).rejects.toThrow(/not a valid name/);
    const edit = await client.request<{ changes: Record<string, { range: LspDiagnostic['range']; newText: string }[]> }>('textDocument/rename', {
      textDocument: { uri },
      position: pos(text, 'eu-west {', 3),
      newName: 'europe-west',
    });
    expect(Object.keys(edit.changes).map((u) => u.split('/').pop()).sort()).toEqual(['feed.globe', 'inference.globe', 'search.globe', 'storage.yaml', 'world.globe']);
    for (const [u, edits] of Object.entries(edit.changes)) {
      const path = new URL(u).pathname;
      writeFileSync(path, applyEdits(readFileSync(path, 'utf8'), edits));
    }
    expect(validate(dir)).toEqual({});
    expect(read('storage.yaml')).toContain('only_in: [europe-west, eu-central, eu-north]');
    expect(read('world.globe')).toContain('europe-west <-> paris = 8ms');
    expect(read('world.globe')).not.toMatch(/\beu-west\b/);
  });

  it('formats a document as globe fmt does', async () => {
    const messy = 'resource cpu {unit=server\ncost=0.1}\n\n\n\nregion a { locality = na   supply { cpu = 4 } }';
    writeFileSync(file('extra.globe'), messy);
    await openAndWait('extra.globe', messy);
    const edits = await client.request<{ range: LspDiagnostic['range']; newText: string }[]>('textDocument/formatting', {
      textDocument: { uri: uriOf(file('extra.globe')) },
      options: { tabSize: 2, insertSpaces: true },
    });
    expect(applyEdits(messy, edits)).toBe('resource cpu {\n  unit = server\n  cost = 0.1\n}\n\nregion a { locality = na  supply { cpu = 4 } }\n');
    const fmt = globe(['fmt', '--diff', file('extra.globe')]);
    expect(fmt.code).toBe(0);
    expect(fmt.stdout).toContain('+  unit = server');
  });

  it('offers the "did you mean" of a diagnostic as a quick fix', async () => {
    const text = read('inference.globe').replace('target_utilization = 80%', 'target_utilisation = 80%');
    const published = client.nextDiagnostics(file('inference.globe'), (d) => d.length > 0);
    await client.open(file('inference.globe'), text);
    const diagnostics = await published;
    expect(diagnostics[0]).toMatchObject({ code: 'unknown-keyword' });
    const actions = await client.request<{ title: string; edit: { changes: Record<string, { range: LspDiagnostic['range']; newText: string }[]> } }[]>('textDocument/codeAction', {
      textDocument: { uri: uriOf(file('inference.globe')) },
      range: diagnostics[0].range,
      context: { diagnostics },
    });
    expect(actions.map((a) => a.title)).toEqual(['Change `target_utilisation` to `target_utilization`']);
    const fixed = applyEdits(text, actions[0].edit.changes[uriOf(file('inference.globe'))]);
    expect(fixed).toBe(read('inference.globe'));
  });
});

describe('globe lsp: YAML files of a project', () => {
  it('checks them as you type and offers their "did you mean" as a quick fix', async () => {
    const text = read('storage.yaml').replace('priority: 90', 'priorty: 90');
    const published = client.nextDiagnostics(file('storage.yaml'), (d) => d.length > 0);
    await client.open(file('storage.yaml'), text);
    const diagnostics = await published;
    expect(asValidate(diagnostics)).toEqual(validateEdited('storage.yaml', text)['storage.yaml']);
    const actions = await client.request<{ title: string; edit: { changes: Record<string, { range: LspDiagnostic['range']; newText: string }[]> } }[]>('textDocument/codeAction', {
      textDocument: { uri: uriOf(file('storage.yaml')) },
      range: diagnostics[0].range,
      context: { diagnostics },
    });
    expect(actions.map((a) => a.title)).toEqual(['Change `priorty` to `priority`']);
    expect(applyEdits(text, actions[0].edit.changes[uriOf(file('storage.yaml'))])).toBe(read('storage.yaml'));
  });
});

/** Apply LSP text edits (non-overlapping) to a text. */
function applyEdits(text: string, edits: { range: LspDiagnostic['range']; newText: string }[]): string {
  const lineStarts = [0];
  for (let i = 0; i < text.length; i++) if (text[i] === '\n') lineStarts.push(i + 1);
  const offset = (p: { line: number; character: number }) => (p.line < lineStarts.length ? lineStarts[p.line] + p.character : text.length);
  let out = text;
  for (const e of [...edits].sort((a, b) => offset(b.range.start) - offset(a.range.start))) {
    out = out.slice(0, offset(e.range.start)) + e.newText + out.slice(offset(e.range.end));
  }
  return out;
}
