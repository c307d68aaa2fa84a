/**
 * Small shared pieces of every command: printing diagnostics, failing with
 * one clear line, writing files so that a crash never leaves half a file.
 */
import writeFileAtomic from 'write-file-atomic';
import type { Diagnostic } from '../lang/diagnostics.js';
import { renderDiagnostics } from '../lang/render-diagnostics.js';
import { useColor } from './color.js';

export function printDiagnostics(diagnostics: readonly Diagnostic[], files: readonly { path: string; text: string }[]): void {
  if (diagnostics.length === 0) return;
  const texts = new Map(files.map((f) => [f.path, f.text]));
  process.stderr.write(renderDiagnostics(diagnostics, texts, { color: useColor(process.stderr) }));
}

/** A user-facing failure: message on stderr, exit code 1, no stack trace. */
export class CliError extends Error {
  constructor(
    message: string,
    readonly exitCode = 1,
  ) {
    super(message);
  }
}

/** Wrap a command's action so that a CliError (or any error) becomes one line and an exit code. */
export function action<A extends unknown[]>(run: (...args: A) => Promise<number | void>): (...args: A) => Promise<void> {
  return async (...args: A) => {
    try {
      const code = await run(...args);
      process.exitCode = code ?? 0;
    } catch (e) {
      if (e instanceof CliError) {
        process.stderr.write(`globe: ${e.message}\n`);
        process.exitCode = e.exitCode;
        return;
      }
      throw e;
    }
  };
}

/** Write via a temp file, fsync and rename: readers see the old file or the new one, never half. */
export async function writeFileSafely(path: string, data: string): Promise<void> {
  await writeFileAtomic(path, data, { encoding: 'utf8', fsync: true });
}
