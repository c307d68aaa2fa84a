/**
 * The planner runs on the CLI's main thread, where the terminal's spinner and
 * the lock and queue heartbeats are timers: a long stretch of synchronous work
 * (a block's model build, the region-loss verdicts after a solve) freezes them.
 * Such stretches are units of work with a turn of the event loop between them.
 */

/**
 * Resolves once the event loop has come round: two check phases (setImmediate),
 * so its timers phase ran in between whatever phase the caller is in. One
 * setImmediate is not enough: called from an I/O callback (a worker's answer),
 * it runs in the same loop iteration, before any timer.
 */
export function loopTurn(): Promise<void> {
  return new Promise((resolve) => setImmediate(() => setImmediate(resolve)));
}

let lastTurn: Promise<void> = Promise.resolve();

/**
 * Waits for a turn of its own: turns are handed out in order, each a loopTurn after the one before,
 * so two units of work that each wait for one never run back to back — the timers phase comes
 * between, and so does anything queued with setImmediate while the first ran. (Each unit must start
 * as soon as its turn resolves, before anything else is awaited.)
 */
export function workTurn(): Promise<void> {
  const turn = lastTurn.then(loopTurn);
  lastTurn = turn;
  return turn;
}

/** Told when a unit of synchronous work has run (tests check that the loop turns between two). */
export type WorkObserver = (unit: string) => void;

let observer: WorkObserver | undefined;
let depth = 0;

/** Observe the units of work until the returned function is called. */
export function observeWork(o: WorkObserver): () => void {
  observer = o;
  return () => {
    if (observer === o) observer = undefined;
  };
}

/**
 * Run `work` (synchronous) as one unit; a unit inside another is part of it, and one whose result
 * `trivial` calls so (a model with nothing to decide) is not worth a turn of its own.
 */
export function unitOfWork<T>(unit: string, work: () => T, trivial?: (result: T) => boolean): T {
  if (!observer) return work();
  const seen = observer;
  depth++;
  let result: T;
  try {
    result = work();
  } finally {
    depth--;
  }
  // Told when it ends: nothing else runs during a synchronous unit, so "the loop turned since the
  // previous unit" reads the same at its start and at its end.
  if (depth === 0 && !trivial?.(result)) seen(unit);
  return result;
}
