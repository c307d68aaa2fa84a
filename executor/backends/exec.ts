/**
 * The `exec` backend: the user's own commands. Each is an argv array run
 * without a shell, in the project directory, with the move as JSON on stdin
 * and a time limit; a non-zero exit fails the move. `get_state` prints the
 * State document on stdout.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { isAbsolute, resolve as resolvePath } from 'node:path';
import type { ExecCommands } from '../../lang/spec.js';
import type { Move } from '../../planner/plan.js';
import type { Backend, MoveOutput } from '../backend.js';
import { stateProblem } from '../state-file.js';
import type { State } from '../state.js';

const STDERR_LIMIT = 64 * 1024;
const KILL_GRACE_MS = 2000;

export class HookError extends Error {
  constructor(
    message: string,
    readonly stderr: string,
  ) {
    super(message);
  }
}

export interface HookResult {
  stdout: string;
  stderr: string;
}

export interface HookOptions {
  cwd: string;
  timeoutMs: number;
  /** The hook's name in messages: `get_state`, `upsize`, ... */
  name: string;
  /** Told when the hook's process starts and when it has exited (to stop it from outside). */
  onSpawn?: (child: ChildProcess) => void;
  onExit?: (child: ChildProcess) => void;
}

/** Send a signal to a hook's process group: the hook and everything it started. */
function signalGroup(child: ChildProcess, signal: NodeJS.Signals): void {
  try {
    if (child.pid) process.kill(-child.pid, signal);
  } catch {
    /* already gone */
  }
}

/**
 * Each hook runs in its own process group (detached): a timeout stops the
 * hook and everything it started, and the terminal's Ctrl-C does not reach
 * it — the first Ctrl-C lets running moves finish.
 */
export function runHook(argv: string[], input: string, options: HookOptions): Promise<HookResult> {
  return new Promise((resolve, reject) => {
    const program = isAbsolute(argv[0]) || !argv[0].includes('/') ? argv[0] : resolvePath(options.cwd, argv[0]);
    const child = spawn(program, argv.slice(1), { cwd: options.cwd, shell: false, stdio: ['pipe', 'pipe', 'pipe'], detached: true });
    options.onSpawn?.(child);
    let stdout = '';
    let stderr = '';
    let timedOut = false;
    child.stdout.on('data', (d: Buffer) => (stdout += d.toString('utf8')));
    child.stderr.on('data', (d: Buffer) => {
      stderr += d.toString('utf8');
      if (stderr.length > STDERR_LIMIT) stderr = stderr.slice(-STDERR_LIMIT);
    });
    const killGroup = (signal: NodeJS.Signals) => signalGroup(child, signal);
    const timer = setTimeout(() => {
      timedOut = true;
      killGroup('SIGTERM');
      setTimeout(() => killGroup('SIGKILL'), KILL_GRACE_MS).unref();
    }, options.timeoutMs);
    child.on('error', (e) => {
      clearTimeout(timer);
      options.onExit?.(child);
      reject(new HookError(`cannot run the ${options.name} hook ${JSON.stringify(argv)}: ${e.message}`, stderr));
    });
    child.on('close', (code, signal) => {
      clearTimeout(timer);
      options.onExit?.(child);
      if (timedOut) reject(new HookError(`the ${options.name} hook timed out after ${options.timeoutMs / 1000}s and was stopped`, stderr));
      else if (code !== 0) reject(new HookError(`the ${options.name} hook failed (${signal ? `killed by ${signal}` : `exit code ${code}`})${stderr ? `: ${lastLine(stderr)}` : ''}`, stderr));
      else resolve({ stdout, stderr });
    });
    child.stdin.on('error', () => undefined); // a hook that ignores stdin must not crash us
    child.stdin.end(input);
  });
}

function lastLine(text: string): string {
  return text.trim().split('\n').pop() ?? '';
}

export class ExecBackend implements Backend {
  readonly kind = 'exec' as const;
  /** Hooks running now, so that abandon() can stop them. */
  private readonly live = new Set<ChildProcess>();

  constructor(
    private readonly commands: ExecCommands,
    private readonly timeoutMs: number,
    private readonly cwd: string,
  ) {}

  async getState(): Promise<State | null> {
    const { stdout, stderr } = await this.run(this.commands.getState, '', 'get_state');
    if (stdout.trim() === '' || stdout.trim() === 'null') return null;
    let doc: unknown;
    try {
      doc = JSON.parse(stdout);
    } catch (e) {
      throw new HookError(`the get_state hook printed something that is not JSON (${(e as Error).message}): ${JSON.stringify(stdout.slice(0, 80))}`, stderr);
    }
    const problem = stateProblem(doc);
    if (problem) throw new HookError(`the get_state hook printed a document that is not a globe state: ${problem}`, stderr);
    return doc as State;
  }

  /** Resolves with the move's own stderr: moves run in parallel, and get_state runs after each. */
  async execute(move: Move): Promise<MoveOutput> {
    const argv = this.commands[move.kind === 'shift' ? 'shift' : move.kind];
    if (!argv) throw new HookError(`the backend has no \`${move.kind}\` command`, '');
    const { stderr } = await this.run(argv, `${JSON.stringify(move)}\n`, move.kind);
    return { stderr };
  }

  /**
   * The user gave up on the running moves (Ctrl-C twice) and globe is about to exit: stop their
   * hooks (SIGTERM to each hook's process group) rather than leave them changing the world
   * unlocked and unwatched. The journal still says RUNNING; the next apply re-checks them.
   */
  abandon(): void {
    for (const child of this.live) signalGroup(child, 'SIGTERM');
  }

  private run(argv: string[], input: string, name: string): Promise<HookResult> {
    return runHook(argv, input, { cwd: this.cwd, timeoutMs: this.timeoutMs, name, onSpawn: (c) => this.live.add(c), onExit: (c) => this.live.delete(c) });
  }
}
