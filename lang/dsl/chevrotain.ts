/**
 * Chevrotain, loaded from its single-file bundle. The package's entry point
 * is some 700 ES modules (its sources and lodash-es) that take Node about half
 * a second to load — most of `globe plan`'s start-up on a small project; the
 * bundle that ships beside them (lib/chevrotain.mjs) is the same code in one
 * file and loads in ~25 ms. The package's `exports` do not list the bundle,
 * so it is found next to the resolved entry point; should a future release
 * move it, the entry point is used instead (slower, same behaviour).
 */
import { existsSync } from 'node:fs';
import { createRequire } from 'node:module';
import { pathToFileURL } from 'node:url';
import type * as ChevrotainApi from 'chevrotain';

async function loadChevrotain(): Promise<typeof ChevrotainApi> {
  try {
    const entry = pathToFileURL(createRequire(import.meta.url).resolve('chevrotain'));
    const bundle = new URL('../chevrotain.mjs', entry); // lib/src/api.js → lib/chevrotain.mjs
    if (existsSync(bundle)) return (await import(bundle.href)) as typeof ChevrotainApi;
  } catch {
    // fall through to the entry point
  }
  return import('chevrotain');
}

const chevrotain = await loadChevrotain();

export const { createToken, EmbeddedActionsParser, EOF, Lexer } = chevrotain;
