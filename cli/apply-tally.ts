/**
 * What an apply did, by kind of move, with the time each kind took: the last line
 * of `globe apply` ("Apply complete: 39 moves — 12 upsize (3.1 s), …"), and the same
 * tally when it fails or is interrupted, so a CI log says how far it got.
 * Durations are the sum of the moves' own durations (parallel moves overlap).
 */
import type { ApplyEvent } from '../executor/apply.js';
import type { MoveKind } from '../schemas/plan.js';

/** Execution order of the kinds: the tally reads in the order apply runs them. */
const KINDS: MoveKind[] = ['upsize', 'shift', 'route', 'downsize'];

export class ApplyTally {
  private readonly done = new Map<MoveKind, { count: number; seconds: number }>();
  private readonly failed = new Map<MoveKind, number>();
  /** Moves an earlier, interrupted run completed (told by the 'resume' event). */
  private earlier = 0;

  /** Feed every event of the apply (wired beside the view or the printed lines). */
  event(e: ApplyEvent): void {
    if (e.type === 'resume') this.earlier = e.completed;
    else if (e.type === 'move-done') {
      const t = this.done.get(e.move.kind) ?? { count: 0, seconds: 0 };
      this.done.set(e.move.kind, { count: t.count + 1, seconds: t.seconds + e.seconds });
    } else if (e.type === 'move-failed') this.failed.set(e.move.kind, (this.failed.get(e.move.kind) ?? 0) + 1);
  }

  /** Moves completed by this run. */
  get completed(): number {
    return [...this.done.values()].reduce((a, t) => a + t.count, 0);
  }

  /** "12 upsize (3.1 s), 15 route (0.4 s), 12 downsize (1.0 s)", or "no move" when nothing ran. */
  byKind(): string {
    const parts = KINDS.filter((k) => this.done.has(k)).map((k) => `${this.done.get(k)!.count} ${k} (${this.done.get(k)!.seconds.toFixed(1)} s)`);
    return parts.length > 0 ? parts.join(', ') : 'no move';
  }

  private get earlierPart(): string {
    return this.earlier > 0 ? `; ${this.earlier} completed by an earlier run` : '';
  }

  /** The line for a finished apply; `completed` counts the moves of earlier, resumed runs too. */
  completeLine(completed: number): string {
    return `Apply complete: ${completed} move${completed === 1 ? '' : 's'} — ${this.byKind()}${this.earlierPart}.`;
  }

  /** The line for an apply that stopped: what this run completed, what failed, what did not run. */
  stoppedLine(total: number): string {
    const failedKinds = KINDS.filter((k) => this.failed.has(k));
    const failed = failedKinds.reduce((a, k) => a + this.failed.get(k)!, 0);
    const notRun = Math.max(0, total - this.earlier - this.completed - failed);
    const failedPart = failed > 0 ? `; failed: ${failedKinds.map((k) => `${this.failed.get(k)} ${k}`).join(', ')}` : '';
    return `Done before it stopped: ${this.byKind()}${this.earlierPart}${failedPart}; ${notRun} not run.`;
  }
}
