/**
 * A PostgreSQL for the queue benchmark: the one in GLOBE_BENCH_PG if set (its
 * URL is never printed), else a throwaway cluster on 127.0.0.1 from Debian's
 * server binaries (`apt-get install postgresql`), deleted afterwards. The
 * same recipe as test/support/postgres.ts, which the compiled benchmark
 * cannot import (tests are not built).
 */
import { execFileSync, spawnSync } from 'node:child_process';
import { chmodSync, existsSync, mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

export interface Database {
  url: string;
  stop(): void;
}

export async function benchDatabase(): Promise<Database> {
  const given = process.env.GLOBE_BENCH_PG;
  if (given) return { url: given, stop: () => undefined };
  const base = '/usr/lib/postgresql';
  const versions = existsSync(base) ? readdirSync(base).filter((v) => existsSync(join(base, v, 'bin', 'initdb'))) : [];
  if (versions.length === 0) throw new Error('no PostgreSQL: set GLOBE_BENCH_PG to a database URL, or install Debian\'s postgresql package');
  const bin = join(base, versions.sort((a, b) => Number(b) - Number(a))[0], 'bin');
  const dir = mkdtempSync(join(tmpdir(), 'globe-bench-pg-'));
  chmodSync(dir, 0o777);
  const data = join(dir, 'data');
  const asRoot = process.getuid?.() === 0;
  const run = (cmd: string, args: string[]) => {
    const argv: [string, string[]] = asRoot ? ['runuser', ['-u', 'postgres', '--', join(bin, cmd), ...args]] : [join(bin, cmd), args];
    const r = spawnSync(argv[0], argv[1], { encoding: 'utf8', cwd: dir });
    if (r.status !== 0) throw new Error(`${cmd} failed: ${r.stdout}${r.stderr}`);
  };
  run('initdb', ['-D', data, '-A', 'trust', '-U', 'globe', '--no-sync']);
  const port = await new Promise<number>((resolve, reject) => {
    const srv = createServer();
    srv.listen(0, '127.0.0.1', () => {
      const p = (srv.address() as { port: number }).port;
      srv.close(() => resolve(p));
    });
    srv.on('error', reject);
  });
  run('pg_ctl', ['-D', data, '-l', join(dir, 'log'), '-w', '-o', `-p ${port} -h 127.0.0.1 -k ${dir} -c fsync=off`, 'start']);
  return {
    url: `postgres://globe@127.0.0.1:${port}/postgres`,
    stop: () => {
      try {
        const stop = [join(bin, 'pg_ctl'), '-D', data, '-m', 'immediate', 'stop'];
        if (asRoot) execFileSync('runuser', ['-u', 'postgres', '--', ...stop]);
        else execFileSync(stop[0], stop.slice(1));
      } finally {
        rmSync(dir, { recursive: true, force: true });
      }
    },
  };
}
