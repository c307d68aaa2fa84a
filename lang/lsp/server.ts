/**
 * `globe lsp`: the language server. It keeps one ProjectModel per project
 * directory (created when a document of it is first opened, read from disk,
 * open documents overriding their files), re-checks a project after each
 * edit and publishes the diagnostics of every file of it that changed, and
 * answers completion, hover, navigation, rename, formatting and quick fixes
 * from the same model. Each feature lives in its own file beside this one.
 */
import { dirname } from 'node:path';
import type { Readable, Writable } from 'node:stream';
import { TextDocument } from 'vscode-languageserver-textdocument';
import {
  CodeActionKind,
  createConnection,
  LSPErrorCodes,
  ResponseError,
  StreamMessageReader,
  StreamMessageWriter,
  TextDocuments,
  TextDocumentSyncKind,
  type Connection,
  type InitializeResult,
} from 'vscode-languageserver/node';
import { isSpecFile } from '../project.js';
import { quickFixes } from './code-actions.js';
import { complete, scopeOf } from './completion.js';
import { cursorContext } from './context.js';
import { diagnosticsToPublish } from './diagnostics.js';
import { formatDocument } from './formatting.js';
import { hover } from './hover.js';
import { definitions, prepareRename, references, rename } from './navigation.js';
import { offsetAt, pathToUri, uriToPath } from './positions.js';
import { ProjectModel } from './project-model.js';

export function startServer(input: Readable, output: Writable): Connection {
  const connection = createConnection(new StreamMessageReader(input), new StreamMessageWriter(output));
  const documents = new TextDocuments(TextDocument);
  const server = new GlobeServer(connection, documents);

  connection.onInitialize(
    (): InitializeResult => ({
      capabilities: {
        textDocumentSync: TextDocumentSyncKind.Incremental,
        completionProvider: { triggerCharacters: ['<', '['] },
        hoverProvider: true,
        definitionProvider: true,
        referencesProvider: true,
        renameProvider: { prepareProvider: true },
        documentFormattingProvider: true,
        codeActionProvider: { codeActionKinds: [CodeActionKind.QuickFix] },
      },
      serverInfo: { name: 'globe' },
    }),
  );
  documents.onDidChangeContent((e) => server.edited(e.document.uri));
  documents.onDidClose((e) => server.closed(e.document.uri));
  connection.onDidChangeWatchedFiles((params) => {
    for (const change of params.changes) server.changedOnDisk(change.uri);
  });

  connection.onCompletion((params) =>
    server.withDocument(params.textDocument.uri, [], (model, text, path) => {
      if (!path.endsWith('.globe')) return [];
      const ctx = cursorContext(text, offsetAt(text, params.position));
      return complete(ctx, scopeOf(model.check().spec, ctx, text), params.position);
    }),
  );
  connection.onHover((params) => server.withDocument(params.textDocument.uri, null, (model, text, path) => hover(model, path, text, params.position)));
  connection.onDefinition((params) => server.withDocument(params.textDocument.uri, [], (model, _text, path) => definitions(model, path, params.position)));
  connection.onReferences((params) =>
    server.withDocument(params.textDocument.uri, [], (model, _text, path) => references(model, path, params.position, params.context.includeDeclaration)),
  );
  connection.onPrepareRename((params) => server.withDocument(params.textDocument.uri, null, (model, _text, path) => prepareRename(model, path, params.position) ?? null));
  connection.onRenameRequest((params) =>
    server.withDocument(params.textDocument.uri, null, (model, _text, path) => {
      const edit = rename(model, path, params.position, params.newName);
      if (typeof edit === 'string') throw new ResponseError(LSPErrorCodes.RequestFailed, edit);
      return edit;
    }),
  );
  connection.onDocumentFormatting((params) => server.withDocument(params.textDocument.uri, [], (_model, text, path) => formatDocument(text, path)));
  connection.onCodeAction((params) => server.withDocument(params.textDocument.uri, [], (_model, text) => quickFixes(params.textDocument.uri, text, params.context.diagnostics)));

  documents.listen(connection);
  connection.listen();
  return connection;
}

class GlobeServer {
  private readonly projects = new Map<string, Promise<ProjectModel>>();
  /** Per project directory: the open documents whose text the model has not taken yet. */
  private readonly dirty = new Map<string, Set<string>>();
  /** Per project directory: files edited since the last publish (their diagnostics are always sent). */
  private readonly edits = new Map<string, Set<string>>();
  private readonly published = new Map<string, Map<string, string>>();
  private readonly scheduled = new Set<string>();
  /** The URI the editor uses for each path (published diagnostics must use the same spelling). */
  private readonly uris = new Map<string, string>();

  constructor(
    private readonly connection: Connection,
    private readonly documents: TextDocuments<TextDocument>,
  ) {}

  edited(uri: string): void {
    const path = uriToPath(uri);
    if (!path || !isSpecFile(path)) return;
    this.uris.set(path, uri);
    const dir = dirname(path);
    setOf(this.dirty, dir).add(path);
    setOf(this.edits, dir).add(path);
    this.schedule(dir);
  }

  closed(uri: string): void {
    const path = uriToPath(uri);
    if (!path || !isSpecFile(path)) return;
    this.dirty.get(dirname(path))?.delete(path);
    // Closed without saving: the file on disk is the project's again.
    void this.reloadFromDisk(path);
  }

  changedOnDisk(uri: string): void {
    const path = uriToPath(uri);
    if (!path || !isSpecFile(path) || !this.projects.has(dirname(path))) return;
    if (this.documents.get(this.uris.get(path) ?? pathToUri(path))) return; // the open document wins
    void this.reloadFromDisk(path);
  }

  private async reloadFromDisk(path: string): Promise<void> {
    try {
      const model = await this.project(dirname(path));
      await model.reload(path);
      setOf(this.edits, dirname(path)).add(path);
      this.schedule(dirname(path));
    } catch (e) {
      this.connection.console.error(`globe: cannot reload ${path}: ${(e as Error).message}`);
    }
  }

  /** The project of a directory, read from disk once. */
  private project(dir: string): Promise<ProjectModel> {
    let p = this.projects.get(dir);
    if (!p) {
      p = ProjectModel.load(dir);
      this.projects.set(dir, p);
    }
    return p;
  }

  /** The model with every open document's latest text in it. */
  private async synced(dir: string): Promise<ProjectModel> {
    const model = await this.project(dir);
    const dirty = this.dirty.get(dir);
    for (const path of dirty ?? []) {
      const doc = this.documents.get(this.uris.get(path) ?? pathToUri(path));
      if (doc) model.setText(path, doc.getText());
    }
    dirty?.clear();
    return model;
  }

  /**
   * Check once the messages already received are handled: a burst of
   * keystrokes is one check, not one per keystroke.
   */
  private schedule(dir: string): void {
    if (this.scheduled.has(dir)) return;
    this.scheduled.add(dir);
    setImmediate(() => {
      this.scheduled.delete(dir);
      this.publish(dir).catch((e: unknown) => this.connection.console.error(`globe: check failed: ${(e as Error).message}`));
    });
  }

  private async publish(dir: string): Promise<void> {
    const model = await this.synced(dir);
    if (!model.isGlobeProject()) return;
    const edited = this.edits.get(dir) ?? new Set<string>();
    this.edits.delete(dir);
    const last = mapOf(this.published, dir);
    for (const { path, diagnostics } of diagnosticsToPublish(model.check().diagnostics, last, edited)) {
      const uri = this.uris.get(path) ?? pathToUri(path);
      const version = this.documents.get(uri)?.version;
      void this.connection.sendDiagnostics(version === undefined ? { uri, diagnostics } : { uri, version, diagnostics });
    }
  }

  /** Run a request on a document of a globe project; `none` for other documents, and on failure (logged). */
  async withDocument<T>(uri: string, none: T, answer: (model: ProjectModel, text: string, path: string) => T): Promise<T> {
    const path = uriToPath(uri);
    const doc = this.documents.get(uri);
    if (!path || !doc || !isSpecFile(path)) return none;
    this.uris.set(path, uri);
    try {
      const model = await this.synced(dirname(path));
      if (!model.isGlobeProject()) return none;
      return answer(model, model.file(path)?.text ?? doc.getText(), path);
    } catch (e) {
      if (e instanceof ResponseError) throw e;
      this.connection.console.error(`globe: ${(e as Error).stack ?? String(e)}`);
      return none;
    }
  }
}

function setOf<K, V>(map: Map<K, Set<V>>, key: K): Set<V> {
  let s = map.get(key);
  if (!s) map.set(key, (s = new Set()));
  return s;
}

function mapOf<K, A, B>(map: Map<K, Map<A, B>>, key: K): Map<A, B> {
  let m = map.get(key);
  if (!m) map.set(key, (m = new Map()));
  return m;
}
