/**
 * A throwaway PostgreSQL cluster for the tests and benchmarks: Debian's server binaries
 * (`.ci/run` installs them when missing), a temporary data directory, a free
 * port on 127.0.0.1, trust authentication; stopped and deleted afterwards.
 * As root, the server runs as the `postgres` user (it refuses to run as root).
 */
import { execFileSync, spawnSync } from 'node:child_process';
import { chmodSync, existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

/** The role that logs in with a password (scram-sha-256); create it with `CREATE ROLE ... PASSWORD`. */
export const PASSWORD_USER = 'pwuser';

export interface Cluster {
  url: string;
  stop(): void;
}

function binDir(): string {
  const base = '/usr/lib/postgresql';
  const versions = existsSync(base) ? readdirSync(base).filter((v) => existsSync(join(base, v, 'bin', 'initdb'))) : [];
  if (versions.length === 0) throw new Error('PostgreSQL server binaries not found in /usr/lib/postgresql/*/bin: install Debian\'s postgresql package (.ci/run does)');
  return join(base, versions.sort((a, b) => Number(b) - Number(a))[0], 'bin');
}

async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const srv = createServer();
    srv.listen(0, '127.0.0.1', () => {
      const port = (srv.address() as { port: number }).port;
      srv.close(() => resolve(port));
    });
    srv.on('error', reject);
  });
}

export async function startCluster(): Promise<Cluster> {
  const bin = binDir();
  const dir = mkdtempSync(join(tmpdir(), 'globe-pg-'));
  chmodSync(dir, 0o777);
  const data = join(dir, 'data');
  const asRoot = process.getuid?.() === 0;
  const run = (cmd: string, args: string[]) => {
    const argv = asRoot ? ['runuser', ['-u', 'postgres', '--', join(bin, cmd), ...args]] : [join(bin, cmd), args];
    const r = spawnSync(argv[0] as string, argv[1] as string[], { encoding: 'utf8', cwd: dir });
    if (r.status !== 0) throw new Error(`${cmd} failed: ${r.stdout}${r.stderr}`);
  };
  run('initdb', ['-D', data, '-A', 'trust', '-U', 'globe', '--no-sync']);
  // One role must give its password (tests of a wrong one); everyone else is trusted.
  const hba = join(data, 'pg_hba.conf');
  writeFileSync(hba, `host all ${PASSWORD_USER} 127.0.0.1/32 scram-sha-256\n${readFileSync(hba, 'utf8')}`);
  const port = await freePort();
  run('pg_ctl', ['-D', data, '-l', join(dir, 'log'), '-w', '-o', `-p ${port} -h 127.0.0.1 -k ${dir} -c fsync=off`, 'start']);
  return {
    url: `postgres://globe@127.0.0.1:${port}/postgres`,
    stop: () => {
      try {
        if (asRoot) execFileSync('runuser', ['-u', 'postgres', '--', join(bin, 'pg_ctl'), '-D', data, '-m', 'immediate', 'stop']);
        else execFileSync(join(bin, 'pg_ctl'), ['-D', data, '-m', 'immediate', 'stop']);
      } finally {
        rmSync(dir, { recursive: true, force: true });
      }
    },
  };
}
