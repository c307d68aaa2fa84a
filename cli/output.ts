/**
 * Small shared pieces of every command: printing diagnostics, failing with
 * one clear line, writing files so that a crash never leaves half a file.
 */
import writeFileAtomic from 'write-file-atomic';
import type { Diagnostic as LangDiagnostic } from '../lang/diagnostics.js';
import { diagnosticOf, fromLangDiagnostic, GlobeError, type Diagnostic } from '../schemas/diagnostic.js';
import { renderDiagnostic, renderDiagnostics } from './render/diagnostic-text.js';
import { useColor } from './color.js';

/** Diagnostics of any stage on stderr, with the offending lines of `files` where they have a source. */
export function printDiagnostics(diagnostics: readonly (Diagnostic | LangDiagnostic)[], files: readonly { path: string; text: string }[]): void {
  if (diagnostics.length === 0) return;
  const texts = new Map(files.map((f) => [f.path, f.text]));
  process.stderr.write(renderDiagnostics(diagnostics.map(asDiagnostic), texts, { color: useColor(process.stderr) }));
}

/** The language's diagnostics are located ones (`span`); every other stage's already are Diagnostics. */
export function asDiagnostic(d: Diagnostic | LangDiagnostic): Diagnostic {
  return 'span' in d ? fromLangDiagnostic(d) : d;
}

/** A user-facing failure the CLI itself finds (a bad flag, a missing file): message on stderr, exit code 1, no stack trace. */
export class CliError extends GlobeError {
  readonly code: string;

  constructor(
    message: string,
    readonly exitCode = 1,
    code = 'command',
  ) {
    super(message);
    this.code = code;
  }
}

/**
 * What a command rethrows of a failure it cannot handle: a stage's GlobeError as it is (its code and
 * Diagnostic kept: `backend-unavailable`, `lock`, `postgres`, …), anything else as a CliError with its
 * message. `reword` changes the message only (e.g. to say what happens next); the code stays.
 */
export function userError(e: unknown, reword?: (message: string) => string): GlobeError {
  const original = diagnosticOf(e);
  const message = (e as Error)?.message ?? String(e);
  if (!reword) return e instanceof GlobeError ? e : new CliError(message);
  return original ? new Reworded(original, reword(message)) : new CliError(reword(message));
}

/** A stage's Diagnostic with another message. */
class Reworded extends CliError {
  constructor(
    private readonly original: Diagnostic,
    message: string,
  ) {
    super(message, 1, original.code);
  }

  override diagnostic(): Diagnostic {
    return { ...this.original, message: this.message };
  }
}

/**
 * Wrap a command's action so that an error carrying a Diagnostic (any stage's GlobeError, a
 * CliError) is printed through the one diagnostic renderer with exit code 1 (a CliError's own);
 * anything else is a bug in globe and goes on to main's handler.
 */
export function action<A extends unknown[]>(run: (...args: A) => Promise<number | void>): (...args: A) => Promise<void> {
  return async (...args: A) => {
    try {
      const code = await run(...args);
      process.exitCode = code ?? 0;
    } catch (e) {
      const diagnostic = diagnosticOf(e);
      if (!diagnostic) throw e;
      process.stderr.write(renderDiagnostic(diagnostic, new Map(), { color: useColor(process.stderr) }));
      process.exitCode = e instanceof CliError ? e.exitCode : 1;
    }
  };
}

/** Write via a temp file, fsync and rename: readers see the old file or the new one, never half. */
export async function writeFileSafely(path: string, data: string): Promise<void> {
  await writeFileAtomic(path, data, { encoding: 'utf8', fsync: true });
}
