/**
 * globe's side of the reaper (hook-reaper-process.js): one process per globe
 * that runs hooks, told of each hook's process group before the hook gets its
 * input, and that kills those still running once globe is gone. It is the
 * first of two guards: the second is the journal (a resumed apply stops any
 * hook of an earlier attempt it finds still running) and the `attempt` token
 * every move carries, which lets a hook refuse a late write.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import type { Writable } from 'node:stream';
import type { HookGroup } from './hook-groups.js';

const SCRIPT = fileURLToPath(new URL('./hook-reaper-process.js', import.meta.url));

export class HookReaper {
  private child: ChildProcess | undefined;
  private failed = process.env.GLOBE_TEST_NO_REAPER === '1'; // the tests of the second guard switch the first off

  /** Resolves once the reaper has the group (or there is no reaper: the journal still guards). */
  watch(g: HookGroup): Promise<void> {
    return this.send(`+${g.pgid} ${g.started}\n`);
  }

  forget(pgid: number): void {
    void this.send(`-${pgid}\n`);
  }

  private send(line: string): Promise<void> {
    const stdin = this.stdin();
    if (!stdin) return Promise.resolve();
    return new Promise((resolve) => stdin.write(line, () => resolve()));
  }

  private stdin(): Writable | undefined {
    if (this.failed) return undefined;
    if (!this.child) {
      try {
        this.child = spawn(process.execPath, [SCRIPT], { detached: true, stdio: ['pipe', 'ignore', 'ignore'] });
      } catch {
        this.failed = true;
        return undefined;
      }
      this.child.on('error', () => (this.failed = true));
      this.child.stdin!.on('error', () => (this.failed = true));
      // Neither the reaper nor the pipe to it may keep globe running: its exit is what ends the pipe.
      this.child.unref();
      (this.child.stdin as unknown as { unref?: () => void }).unref?.();
    }
    return this.failed ? undefined : (this.child.stdin ?? undefined);
  }

  /** globe is done with hooks (backend closed): the reaper exits with nothing to do. */
  close(): void {
    this.child?.stdin?.end();
    this.child = undefined;
  }
}
