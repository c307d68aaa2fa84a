import { cpSync } from 'node:fs';
import { basename } from 'node:path';

/**
 * Copies an example project (or part of one) for a test, without the `.globe/` a user's own runs leave
 * in it: the README's first command plans examples/quickstart in place, and its lock directory (or a
 * state after `apply`) must not turn the next `npm test` into a test of that user's state.
 */
export function copyExample(from: string, to: string): void {
  cpSync(from, to, { recursive: true, filter: (source) => basename(source) !== '.globe' });
}
