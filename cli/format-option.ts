/**
 * `--format`, the same for every command that has it: one declaration (text by default), one
 * check, one error message for a value the command does not render. A command's `--json` flag,
 * where it has one, is `--format json`.
 */
import type { Command } from 'commander';
import { CliError } from './output.js';

/** Adds `--format <format>` (default text); `description` says what each format is for this command. */
export function addFormatOption(command: Command, description: string): Command {
  return command.option('--format <format>', description, 'text');
}

/** The format asked for, one of `formats`; a CliError naming them all otherwise. */
export function parseFormat<F extends string>(flags: { format?: string; json?: boolean }, formats: readonly F[]): F {
  const value = flags.json ? 'json' : (flags.format ?? 'text');
  if (!(formats as readonly string[]).includes(value)) throw new CliError(`--format must be ${orList(formats)}, not ${flags.format}`, 1, 'bad-format');
  return value as F;
}

/** `a, b or c` */
function orList(items: readonly string[]): string {
  return items.length <= 1 ? items.join('') : `${items.slice(0, -1).join(', ')} or ${items[items.length - 1]}`;
}
