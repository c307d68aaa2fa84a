/**
 * `npm run bench:lsp [-- --tenants 1000 --regions 20 --edits 1000]`: how fast
 * `globe lsp` answers an edit in a large project, and whether its memory
 * stays flat over many edits.
 *
 * The bench generator's world is written as a DSL project (world.globe + one
 * file per service). The largest service file is then edited N times —
 * every other edit changes a demand figure, the others also name an
 * undeclared resource, so the diagnostics change each time — and measured
 * two ways:
 *   1. in process: the server's own code path for an edit (ProjectModel
 *      re-parses the file, merges, checks, converts to LSP diagnostics),
 *      with the V8 heap after a full GC before and after the edits;
 *   2. end to end: the compiled `globe lsp` as a child process driven by an
 *      LSP client over stdio — didChange sent, publishDiagnostics of that
 *      file received — with the server's resident memory (Linux /proc).
 * Prints markdown.
 */
import { spawn } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { cpus, loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { pathToFileURL } from 'node:url';
import { PassThrough } from 'node:stream';
import { createMessageConnection, StreamMessageReader, StreamMessageWriter, type MessageConnection } from 'vscode-jsonrpc/node';
import { startServer } from '../lang/lsp/server.js';
import { generateWorld } from './generate-world.js';
import { writeProject } from './write-project.js';

interface Options {
  tenants: number;
  regions: number;
  edits: number;
}

function options(argv: string[]): Options {
  const o: Options = { tenants: 1000, regions: 20, edits: 1000 };
  for (let i = 0; i < argv.length; i += 2) {
    const key = argv[i].replace(/^--/, '') as keyof Options;
    const value = Number(argv[i + 1]);
    if (!(key in o) || !Number.isInteger(value) || value < 1) throw new Error(`usage: bench:lsp [--tenants N] [--regions N] [--edits N]; got ${argv[i]} ${argv[i + 1] ?? ''}`);
    o[key] = value;
  }
  return o;
}

/** The i-th edit of the file: a demand figure changed, and on odd edits an undeclared resource. */
function edit(text: string, i: number): string {
  const changed = text.replace(/= [0-9.]+rps/, `= ${1000 + i}rps`);
  return i % 2 === 1 ? changed.replace(/replica [a-z0-9-]+ /, 'replica nosuch ') : changed;
}

function stats(ms: number[]): { median: number; p95: number; max: number } {
  const s = [...ms].sort((a, b) => a - b);
  return { median: s[Math.floor(s.length / 2)], p95: s[Math.min(s.length - 1, Math.ceil(s.length * 0.95) - 1)], max: s[s.length - 1] };
}

const mb = (bytes: number) => `${(bytes / 1024 / 1024).toFixed(1)} MB`;
const ms = (x: number) => `${x.toFixed(1)} ms`;

function heap(): number {
  const gc = (globalThis as { gc?: () => void }).gc;
  if (!gc) throw new Error('run with node --expose-gc (npm run bench:lsp does)');
  gc();
  gc();
  return process.memoryUsage().heapUsed;
}

/** The LSP client side of a server: each didChange is timed until the edited file's publishDiagnostics. */
class Driver {
  private waiting: (() => void) | undefined;
  constructor(
    readonly connection: MessageConnection,
    readonly uri: string,
  ) {
    connection.onNotification('textDocument/publishDiagnostics', (p: { uri: string }) => {
      if (p.uri === uri && this.waiting) {
        const w = this.waiting;
        this.waiting = undefined;
        w();
      }
    });
    connection.listen();
  }

  private published(): Promise<void> {
    return new Promise<void>((resolve) => (this.waiting = resolve));
  }

  /** `parent`: the pid the server watches (it exits when that process is gone); null in process. */
  async open(dir: string, text: string, parent: number | null): Promise<number> {
    await this.connection.sendRequest('initialize', { processId: parent, rootUri: pathToFileURL(dir).href, capabilities: {} });
    await this.connection.sendNotification('initialized', {});
    const t0 = performance.now();
    const published = this.published();
    await this.connection.sendNotification('textDocument/didOpen', { textDocument: { uri: this.uri, languageId: 'globe', version: 1, text } });
    await published;
    return performance.now() - t0;
  }

  async change(text: string, version: number): Promise<number> {
    const published = this.published();
    const start = performance.now();
    await this.connection.sendNotification('textDocument/didChange', { textDocument: { uri: this.uri, version }, contentChanges: [{ text }] });
    await published;
    return performance.now() - start;
  }

  async shutdown(): Promise<void> {
    await this.connection.sendRequest('shutdown');
  }
}

/**
 * The server in this process, on in-memory streams: the V8 heap after a full
 * GC can be read (before the edits, every quarter, after), and the CPU time
 * per edit, which the machine's load does not inflate as it does wall time.
 */
async function inProcess(dir: string, file: string, edits: number, files: number): Promise<string[]> {
  const toServer = new PassThrough();
  const fromServer = new PassThrough();
  const server = startServer(toServer, fromServer);
  const driver = new Driver(createMessageConnection(new StreamMessageReader(fromServer), new StreamMessageWriter(toServer)), pathToFileURL(file).href);
  const original = readFileSync(file, 'utf8');
  const openMs = await driver.open(dir, original, null);
  const before = heap();
  const times: number[] = [];
  const cpu: number[] = [];
  const heaps: number[] = [];
  for (let i = 0; i < edits; i++) {
    const c0 = process.cpuUsage();
    times.push(await driver.change(edit(original, i), i + 2));
    const c = process.cpuUsage(c0);
    cpu.push((c.user + c.system) / 1000);
    if ((i + 1) % Math.max(1, Math.floor(edits / 4)) === 0) heaps.push(heap());
  }
  const after = heap();
  await driver.shutdown();
  driver.connection.dispose();
  server.dispose();
  toServer.end();
  fromServer.end();
  const s = stats(times);
  const c = stats(cpu);
  return [
    `### The server in process (LSP over in-memory streams)`,
    '',
    `| measure | value |`,
    `| --- | --- |`,
    `| didOpen → first diagnostics (read ${files} files, parse, merge, check) | ${ms(openMs)} |`,
    `| didChange → publishDiagnostics, median / p95 / max | ${ms(s.median)} / ${ms(s.p95)} / ${ms(s.max)} |`,
    `| CPU time per edit (user + system), median / p95 / max | ${ms(c.median)} / ${ms(c.p95)} / ${ms(c.max)} |`,
    `| V8 heap after a full GC: before the edits | ${mb(before)} |`,
    `| V8 heap after a full GC: after each quarter of the edits | ${heaps.map(mb).join(', ')} |`,
  ];
}

function rss(pid: number): number {
  try {
    const m = /VmRSS:\s+(\d+) kB/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'));
    return m ? Number(m[1]) * 1024 : NaN;
  } catch {
    return NaN;
  }
}

/** The compiled `globe lsp` as a child process: wall time as an editor sees it, and the server's resident memory. */
async function endToEnd(dir: string, file: string, edits: number): Promise<string[]> {
  const cli = join(import.meta.dirname, '..', 'cli', 'main.js');
  const child = spawn(process.execPath, [cli, 'lsp', '--stdio'], { stdio: ['pipe', 'pipe', 'inherit'] });
  const driver = new Driver(createMessageConnection(new StreamMessageReader(child.stdout), new StreamMessageWriter(child.stdin)), pathToFileURL(file).href);
  const original = readFileSync(file, 'utf8');
  const openMs = await driver.open(dir, original, process.pid);
  const rssBefore = rss(child.pid!);
  const times: number[] = [];
  const samples: number[] = [];
  for (let i = 0; i < edits; i++) {
    times.push(await driver.change(edit(original, i), i + 2));
    if ((i + 1) % Math.max(1, Math.floor(edits / 4)) === 0) samples.push(rss(child.pid!));
  }
  const exited = new Promise((resolve) => child.once('exit', resolve));
  await driver.shutdown();
  await driver.connection.sendNotification('exit');
  await exited;
  driver.connection.dispose();
  const s = stats(times);
  return [
    `### End to end (the compiled \`globe lsp\` over stdio)`,
    '',
    `| measure | value |`,
    `| --- | --- |`,
    `| didOpen → first diagnostics (the server starts, reads and checks the project) | ${ms(openMs)} |`,
    `| didChange → publishDiagnostics, median / p95 / max | ${ms(s.median)} / ${ms(s.p95)} / ${ms(s.max)} |`,
    `| server RSS after opening | ${mb(rssBefore)} |`,
    `| server RSS after each quarter of the edits | ${samples.map(mb).join(', ')} |`,
  ];
}

async function main(): Promise<void> {
  const o = options(process.argv.slice(2));
  const generated = generateWorld({ tenants: o.tenants, regions: o.regions, resources: 4, seed: 1 });
  const root = mkdtempSync(join(tmpdir(), 'globe-bench-lsp-'));
  try {
    const dir = join(root, 'project');
    writeProject(dir, generated.dsl, generated.current);
    // The largest service file: the worst case for re-parsing the edited file.
    const [largest, text] = [...generated.dsl].filter(([name]) => name !== 'world.globe').sort((a, b) => b[1].length - a[1].length || (a[0] < b[0] ? -1 : 1))[0];
    const file = join(dir, largest);
    const tenantsInFile = (text.match(/^\s*tenant /gm) ?? []).length;
    const lines = [
      `## globe lsp: ${o.tenants} tenants × ${o.regions} regions, ${o.edits} edits`,
      '',
      `Project: ${generated.dsl.size} files, ${(([...generated.dsl.values()].reduce((a, t) => a + t.length, 0)) / 1024).toFixed(0)} KiB; edited file \`${largest}\` (${tenantsInFile} tenants, ${(text.length / 1024).toFixed(0)} KiB). ` +
        `Node ${process.version}, ${cpus().length} × ${cpus()[0]?.model ?? 'cpu'}.`,
      '',
      `Load average when the run started: ${loadavg().map((x) => x.toFixed(1)).join(', ')} (wall times on a busy machine include waiting for a core; CPU time does not).`,
      '',
      ...(await inProcess(dir, file, o.edits, generated.dsl.size)),
      '',
      ...(await endToEnd(dir, file, o.edits)),
    ];
    process.stdout.write(`${lines.join('\n')}\n`);
  } finally {
    rmSync(root, { recursive: true, force: true });
  }
}

await main();
