/**
 * The `exec` backend: the user's own commands. Each is an argv array run
 * without a shell, in the project directory, with the move as JSON on stdin
 * and a time limit; a non-zero exit fails the move. `get_state` prints the
 * State document on stdout.
 *
 * No hook outlives the globe that started it where that can be helped: a
 * move's hook gets its move only once its process group is known to the
 * reaper (hook-reaper.ts) and journalled, so a later apply can stop it; and
 * the move carries the apply's `attempt` token, with which a hook that
 * escaped both refuses its own late write (examples/exec-backend/README.md).
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { isAbsolute, join, resolve as resolvePath } from 'node:path';
import type { ExecCommands } from '../../lang/spec.js';
import type { Move } from '../../schemas/plan.js';
import type { BackendCapabilities, GateContext, MoveContext, MoveOutput, OpenBackend } from '../backend.js';
import { ProjectStoreBackend } from './project-store.js';
import { groupOf, signalGroup, stopGroup, type HookGroup } from './hook-groups.js';
import { HookReaper } from './hook-reaper.js';
import { stateProblem } from '../state-file.js';
import type { State } from '../../schemas/state.js';
import { GlobeError } from '../../schemas/diagnostic.js';
import { BackendUnavailable } from './unavailable.js';

const STDERR_LIMIT = 64 * 1024;
/** A hook's stdout is a State document at most: more than this is a broken hook, refused before it fills globe's memory. */
export const STDOUT_LIMIT = 16 * 1024 * 1024;
const KILL_GRACE_MS = 2000;
/**
 * After a hook has exited, how long its stdout and stderr may stay open: only something it
 * started in another session (setsid) can still hold them, and globe does not wait for that.
 */
const DRAIN_MS = 1000;

export class HookError extends GlobeError {
  readonly code = 'hook';

  constructor(
    message: string,
    readonly stderr: string,
    /** What the hook printed on stdout before it failed (a validate gate's report). */
    readonly stdout = '',
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
  /** Set in the hook's environment beside globe's own (a validate gate's GLOBE_GATE, GLOBE_WAVE). */
  env?: Record<string, string>;
  /** Told when the hook's process starts and when it has exited (to stop it from outside). */
  onSpawn?: (child: ChildProcess) => void;
  onExit?: (child: ChildProcess) => void;
  /**
   * Runs once the hook's process exists and before it gets its input: what must be durable
   * before the hook can act (its process group, in the reaper and the journal). If it fails,
   * the hook is killed without ever having seen its input.
   */
  beforeInput?: (child: ChildProcess) => Promise<void>;
}

/** Send a signal to a hook's process group: the hook and everything it started. */
function killGroup(child: ChildProcess, signal: NodeJS.Signals): void {
  try {
    if (child.pid) signalGroup(child.pid, signal);
  } catch {
    /* not ours to signal any more */
  }
}

/**
 * Each hook runs in its own process group (detached): a timeout stops the
 * hook and everything it started, and the terminal's Ctrl-C does not reach
 * it — the first Ctrl-C lets running moves finish. Once the hook has exited,
 * whatever it left running in its group is killed, and globe stops waiting
 * for its output after a short drain: a process it moved into a session of
 * its own cannot hold globe (or its timeout) hostage.
 */
export function runHook(argv: string[], input: string, options: HookOptions): Promise<HookResult> {
  return new Promise((resolve, reject) => {
    const program = isAbsolute(argv[0]) || !argv[0].includes('/') ? argv[0] : resolvePath(options.cwd, argv[0]);
    const child = spawn(program, argv.slice(1), { cwd: options.cwd, env: options.env ? { ...process.env, ...options.env } : process.env, shell: false, stdio: ['pipe', 'pipe', 'pipe'], detached: true });
    options.onSpawn?.(child);
    const stdout: Buffer[] = [];
    let stdoutBytes = 0;
    let stderr = '';
    let failure: string | undefined;
    let settled = false;
    const settle = (outcome: () => void) => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      clearTimeout(drain);
      options.onExit?.(child);
      child.stdout.destroy();
      child.stderr.destroy();
      outcome();
    };
    const fail = (message: string) => {
      failure ??= message;
      killGroup(child, 'SIGKILL');
    };
    child.stdout.on('data', (d: Buffer) => {
      stdoutBytes += d.length;
      if (stdoutBytes > STDOUT_LIMIT) {
        fail(`the ${options.name} hook printed more than ${STDOUT_LIMIT / 1024 / 1024} MiB on stdout and was stopped (a State document is far smaller: is it printing something else?)`);
        return;
      }
      stdout.push(d);
    });
    child.stderr.on('data', (d: Buffer) => {
      stderr += d.toString('utf8');
      if (stderr.length > STDERR_LIMIT) stderr = stderr.slice(-STDERR_LIMIT);
    });
    let timedOut = false;
    const timer = setTimeout(() => {
      timedOut = true;
      killGroup(child, 'SIGTERM');
      setTimeout(() => killGroup(child, 'SIGKILL'), KILL_GRACE_MS).unref();
    }, options.timeoutMs);
    let drain: NodeJS.Timeout | undefined;
    child.on('error', (e: NodeJS.ErrnoException) =>
      settle(() => {
        const message = `cannot run the ${options.name} hook ${JSON.stringify(argv)}: ${e.message}`;
        // A command that does not exist (or may not be run) is a backend globe cannot reach, not a hook that failed.
        reject(e.code === 'ENOENT' || e.code === 'EACCES' ? new BackendUnavailable(message) : new HookError(message, stderr));
      }),
    );
    const finish = (code: number | null, signal: NodeJS.Signals | null) =>
      settle(() => {
        const out = () => Buffer.concat(stdout).toString('utf8');
        if (failure) reject(new HookError(failure, stderr));
        else if (timedOut) reject(new HookError(`the ${options.name} hook timed out after ${options.timeoutMs / 1000}s and was stopped`, stderr, out()));
        else if (code !== 0) reject(new HookError(`the ${options.name} hook failed (${signal ? `killed by ${signal}` : `exit code ${code}`})${stderr ? `: ${lastLine(stderr)}` : ''}`, stderr, out()));
        else resolve({ stdout: Buffer.concat(stdout).toString('utf8'), stderr });
      });
    child.on('exit', (code, signal) => {
      if (!timedOut) clearTimeout(timer); // it finished in time; what remains is only reading its output
      // Nothing the hook started may outlive it in its group; one that left the group keeps its
      // pipes open at most DRAIN_MS longer as far as globe is concerned.
      killGroup(child, 'SIGKILL');
      drain = setTimeout(() => finish(code, signal), DRAIN_MS);
      child.once('close', () => finish(code, signal));
    });
    child.stdin.on('error', () => undefined); // a hook that ignores stdin must not crash us
    if (!child.pid) return; // could not start: 'error' follows
    (options.beforeInput?.(child) ?? Promise.resolve()).then(
      () => child.stdin.end(input),
      (e: unknown) => {
        failure ??= (e as Error).message;
        killGroup(child, 'SIGKILL');
        child.stdin.destroy();
        settle(() => reject(e));
      },
    );
  });
}

function lastLine(text: string): string {
  return text.trim().split('\n').pop() ?? '';
}

/** The exec backend of a project: its commands run in the project directory. */
export function openExecBackend(config: { commands: ExecCommands; timeoutMs: number }, projectDir: string): ExecBackend {
  return new ExecBackend(config.commands, config.timeoutMs, projectDir);
}

export class ExecBackend extends ProjectStoreBackend implements OpenBackend {
  readonly name = 'exec' as const;
  readonly capabilities: BackendCapabilities;
  /** Hooks running now, so that abandon() can stop them. */
  private readonly live = new Set<ChildProcess>();
  private readonly reaper = new HookReaper();
  /** The state lives behind the commands: the lock and journals are the project's (`.globe/state.lock`, `.globe/journal/`). */
  constructor(
    private readonly commands: ExecCommands,
    private readonly timeoutMs: number,
    private readonly cwd: string,
  ) {
    super(cwd, join(cwd, '.globe', 'state.lock'));
    this.capabilities = {
      serialPerMove: false,
      hookProcesses: true,
      validateGates: commands.validate !== undefined,
      sharedWriters: false,
      statePush: false,
      plannedFrom: false,
      needsInit: false,
      sharedQueue: false,
      forceUnlock: true,
    };
  }

  /** Hooks of any plan's apply may still run: every journal of the project is read for them. */
  otherJournals(): ReturnType<OpenBackend['otherJournals']> {
    return this.hooksInJournals();
  }

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

  /**
   * Resolves with the move's own stderr: moves run in parallel, and get_state runs after each.
   * The hook gets the move (with the apply's `attempt` token) only once its process group is
   * known to the reaper and, through `onHookStarted`, to the journal.
   */
  async execute(move: Move, context?: MoveContext): Promise<MoveOutput> {
    const argv = this.commands[move.kind === 'shift' ? 'shift' : move.kind];
    if (!argv) throw new HookError(`the backend has no \`${move.kind}\` command`, '');
    const input = `${JSON.stringify({ ...move, attempt: context?.attempt ?? 0 })}\n`;
    const { stderr } = await this.run(argv, input, move.kind, async (child) => {
      const group = groupOf(child.pid!);
      await this.reaper.watch(group);
      await context?.onHookStarted?.(group);
    });
    return { stderr };
  }

  /**
   * The user's validation gate, when declared: run like every hook (argv, own process group,
   * the reaper, the timeout), told the wave and phase in its environment (GLOBE_GATE=pre|post,
   * GLOBE_WAVE, GLOBE_WAVES, GLOBE_PLAN) and as JSON on stdin. A gate changes nothing, so it
   * carries no fencing token and is not journalled as a move's hook.
   */
  get validate(): ((gate: GateContext) => Promise<MoveOutput>) | undefined {
    const argv = this.commands.validate;
    if (!argv) return undefined;
    return async (gate) => {
      const env = { GLOBE_GATE: gate.phase, GLOBE_WAVE: String(gate.wave), GLOBE_WAVES: String(gate.waves), GLOBE_PLAN: gate.planId };
      const { stderr } = await this.run(argv, `${JSON.stringify(gate)}\n`, `validate (${gate.phase}, wave ${gate.wave})`, undefined, env);
      return { stderr };
    };
  }

  /**
   * Before a resume re-runs anything: every hook an earlier apply left running (globe killed
   * while it ran) is killed, and the OS shows its group gone, so it cannot write after the
   * resume has. Returns the moves whose hooks had to be stopped.
   */
  async stopStrayHooks(hooks: { move: string; group: HookGroup }[]): Promise<string[]> {
    const stopped: string[] = [];
    for (const h of hooks) if (await stopGroup(h.group, `the hook of move ${h.move}, left running by an earlier apply,`)) stopped.push(h.move);
    return stopped;
  }

  /**
   * The user gave up on the running moves (Ctrl-C twice, or SIGTERM) and globe is about to exit:
   * stop their hooks (SIGTERM to each hook's process group) rather than leave them changing the
   * world unlocked and unwatched; the reaper kills whatever is left once globe has gone. The
   * journal still says RUNNING; the next apply re-checks them.
   */
  abandon(): void {
    for (const child of this.live) killGroup(child, 'SIGTERM');
  }

  async close(): Promise<void> {
    this.reaper.close();
  }

  private run(argv: string[], input: string, name: string, beforeInput?: (child: ChildProcess) => Promise<void>, env?: Record<string, string>): Promise<HookResult> {
    return runHook(argv, input, {
      cwd: this.cwd,
      timeoutMs: this.timeoutMs,
      name,
      env,
      beforeInput: beforeInput ?? ((child) => this.reaper.watch(groupOf(child.pid!))),
      onSpawn: (c) => this.live.add(c),
      onExit: (c) => {
        this.live.delete(c);
        if (c.pid) this.reaper.forget(c.pid);
      },
    });
  }
}
