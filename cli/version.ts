import { readFileSync } from 'node:fs';

/** The version in package.json: one source of truth for `--version` and saved plans. */
export function globeVersion(): string {
  const url = new URL('../../package.json', import.meta.url);
  // dist/cli/version.js and cli/version.ts are both two levels below the package root.
  const pkg = JSON.parse(readFileSync(url, 'utf8')) as { version: string };
  return pkg.version;
}
