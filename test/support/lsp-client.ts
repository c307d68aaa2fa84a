/**
 * A real LSP client for tests: spawns the compiled `globe lsp` and talks to
 * it over stdio with vscode-jsonrpc, as an editor does. Diagnostics are
 * awaited as events (the next publishDiagnostics for a file that satisfies a
 * condition), never by waiting for a time.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { pathToFileURL } from 'node:url';
import { createMessageConnection, StreamMessageReader, StreamMessageWriter, type MessageConnection } from 'vscode-jsonrpc/node';
import { CLI, ensureBuilt } from './cli.js';

export interface LspDiagnostic {
  range: { start: { line: number; character: number }; end: { line: number; character: number } };
  severity?: number;
  code?: string | number;
  source?: string;
  message: string;
}

interface Published {
  uri: string;
  version?: number;
  diagnostics: LspDiagnostic[];
}

export const uriOf = (path: string): string => pathToFileURL(path).href;

export class LspClient {
  /** The last diagnostics published for each URI. */
  readonly diagnostics = new Map<string, LspDiagnostic[]>();
  private readonly waiters: { uri: string; test: (d: LspDiagnostic[]) => boolean; resolve: (d: LspDiagnostic[]) => void }[] = [];
  private readonly versions = new Map<string, number>();
  readonly stderr: string[] = [];

  private constructor(
    readonly connection: MessageConnection,
    private readonly child: ChildProcess,
  ) {
    connection.onNotification('textDocument/publishDiagnostics', (p: Published) => {
      this.diagnostics.set(p.uri, p.diagnostics);
      for (const w of [...this.waiters]) {
        if (w.uri === p.uri && w.test(p.diagnostics)) {
          this.waiters.splice(this.waiters.indexOf(w), 1);
          w.resolve(p.diagnostics);
        }
      }
    });
    connection.onRequest('workspace/configuration', () => []);
    connection.onNotification('window/logMessage', (m: { message: string }) => {
      this.stderr.push(m.message);
    });
  }

  static async start(rootDir: string): Promise<LspClient> {
    ensureBuilt();
    const child = spawn(process.execPath, [CLI, 'lsp', '--stdio'], { stdio: ['pipe', 'pipe', 'pipe'] });
    const connection = createMessageConnection(new StreamMessageReader(child.stdout!), new StreamMessageWriter(child.stdin!));
    const client = new LspClient(connection, child);
    child.stderr!.on('data', (b: Buffer) => client.stderr.push(b.toString()));
    connection.listen();
    await connection.sendRequest('initialize', { processId: process.pid, rootUri: uriOf(rootDir), capabilities: {}, workspaceFolders: null });
    await connection.sendNotification('initialized', {});
    return client;
  }

  /** The next diagnostics published for `path` that satisfy `test`: register before the action that causes them. */
  nextDiagnostics(path: string, test: (d: LspDiagnostic[]) => boolean = () => true): Promise<LspDiagnostic[]> {
    return new Promise((resolve) => this.waiters.push({ uri: uriOf(path), test, resolve }));
  }

  async open(path: string, text = readFileSync(path, 'utf8')): Promise<void> {
    this.versions.set(path, 1);
    const languageId = path.endsWith('.globe') ? 'globe' : 'yaml';
    await this.connection.sendNotification('textDocument/didOpen', { textDocument: { uri: uriOf(path), languageId, version: 1, text } });
  }

  /** Replace the whole text (a change event without a range). */
  async change(path: string, text: string): Promise<void> {
    const version = (this.versions.get(path) ?? 1) + 1;
    this.versions.set(path, version);
    await this.connection.sendNotification('textDocument/didChange', { textDocument: { uri: uriOf(path), version }, contentChanges: [{ text }] });
  }

  /** An incremental edit: replace the range with `text`. */
  async edit(path: string, range: LspDiagnostic['range'], text: string): Promise<void> {
    const version = (this.versions.get(path) ?? 1) + 1;
    this.versions.set(path, version);
    await this.connection.sendNotification('textDocument/didChange', { textDocument: { uri: uriOf(path), version }, contentChanges: [{ range, text }] });
  }

  async close(path: string): Promise<void> {
    await this.connection.sendNotification('textDocument/didClose', { textDocument: { uri: uriOf(path) } });
  }

  request<T>(method: string, params: object): Promise<T> {
    return this.connection.sendRequest(method, params) as Promise<T>;
  }

  /** Shut down as an editor does, and wait for the process to end. */
  async stop(): Promise<number | null> {
    const exited = new Promise<number | null>((resolve) => this.child.once('exit', (code) => resolve(code)));
    await this.connection.sendRequest('shutdown');
    await this.connection.sendNotification('exit');
    const code = await exited;
    this.connection.dispose();
    return code;
  }
}
