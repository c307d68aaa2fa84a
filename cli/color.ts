/**
 * Whether to colour output. Colour only on a terminal, and never when the
 * user or the environment says no: `NO_COLOR` (any value, see no-color.org),
 * `CI=true`, `TERM=dumb`. `FORCE_COLOR` (non-empty, not "0") forces it on.
 */
export function useColor(stream: { isTTY?: boolean } = process.stdout, env: NodeJS.ProcessEnv = process.env): boolean {
  if (env.FORCE_COLOR !== undefined && env.FORCE_COLOR !== '' && env.FORCE_COLOR !== '0') return true;
  if (env.NO_COLOR !== undefined) return false;
  if (env.CI === 'true' || env.TERM === 'dumb') return false;
  return stream.isTTY === true;
}

/** Interactive UI (ink spinners, prompts) only on a real terminal and never in CI. */
export function isInteractive(stream: { isTTY?: boolean } = process.stdout, env: NodeJS.ProcessEnv = process.env): boolean {
  return stream.isTTY === true && env.CI !== 'true' && env.TERM !== 'dumb';
}
