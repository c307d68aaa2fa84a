#!/usr/bin/env node
// A stand-in for your orchestrator, called by globe's `exec` backend.
//   globe-hook.mjs get-state          prints the State document (or nothing when nothing is deployed)
//   globe-hook.mjs upsize|downsize|route|shift   reads one move (JSON) on stdin and carries it out
// A real hook would call your scheduler's API here; this one keeps a JSON file.
// globe runs up to --parallelism moves at once, so several copies of this hook can
// run together: each holds an exclusive lock file around its read-modify-write.
import { mkdirSync, readFileSync, renameSync, rmSync, writeFileSync } from 'node:fs';

const WORLD = '.globe/exec-world.json';
const LOCK = `${WORLD}.lock`;
const command = process.argv[2];

function load() {
  try {
    return JSON.parse(readFileSync(WORLD, 'utf8'));
  } catch {
    return { version: 1, lineage: 'exec-example-world', serial: 0, tenants: {}, reservations: {}, products: {}, followers: {} };
  }
}

function save(world) {
  world.serial += 1;
  const tmp = `${WORLD}.${process.pid}.tmp`;
  writeFileSync(tmp, JSON.stringify(world, null, 2));
  renameSync(tmp, WORLD);
}

async function withWorldLock(update) {
  mkdirSync('.globe', { recursive: true });
  for (;;) {
    try {
      writeFileSync(LOCK, String(process.pid), { flag: 'wx' });
      break;
    } catch (e) {
      if (e.code !== 'EEXIST') throw e;
      removeIfStale();
      await new Promise((r) => setTimeout(r, 10));
    }
  }
  try {
    const world = load();
    update(world);
    save(world);
  } finally {
    rmSync(LOCK, { force: true });
  }
}

/** A lock whose holder is gone (a hook killed mid-update) is removed, so the next one can take it. */
function removeIfStale() {
  const holder = lockHolder();
  if (holder === undefined) return; // released, or being written this instant
  try {
    process.kill(holder, 0);
  } catch (e) {
    // Removed only if it still names the dead hook (another waiter may have replaced it meanwhile).
    if (e.code === 'ESRCH' && lockHolder() === holder) rmSync(LOCK, { force: true });
  }
}

function lockHolder() {
  try {
    const pid = Number(readFileSync(LOCK, 'utf8'));
    return Number.isInteger(pid) && pid > 0 ? pid : undefined;
  } catch {
    return undefined;
  }
}

function setCount(map, region, resource, to) {
  map[region] ??= {};
  if (to > 0) map[region][resource] = to;
  else delete map[region][resource];
  if (Object.keys(map[region]).length === 0) delete map[region];
}

if (command === 'get-state') {
  try {
    process.stdout.write(readFileSync(WORLD, 'utf8'));
  } catch {
    // nothing deployed yet: print nothing
  }
  process.exit(0);
}

const move = JSON.parse(readFileSync(0, 'utf8'));
if (!['upsize', 'downsize', 'route', 'shift'].includes(command)) {
  process.stderr.write(`unknown command: ${command}\n`);
  process.exit(2);
}
await withWorldLock((world) => applyMove(world, move));
process.stderr.write(`${command} ${move.id}: done\n`);

function applyMove(world, move) {
  switch (command) {
    case 'upsize':
    case 'downsize': {
      const s = move.subject;
      if (s.type === 'tenant') {
        const t = (world.tenants[s.tenant] ??= { replicas: {}, routing: {} });
        setCount(t.replicas, move.region, move.resource, move.to);
        // Keep the size of a replica with the count: once the tenant is removed from the
        // project, only the state tells globe how many units its replicas still hold.
        const runs = Object.values(t.replicas).some((byRes) => (byRes[move.resource] ?? 0) > 0);
        if (runs && move.units !== undefined) (t.units ??= {})[move.resource] = move.units;
        else if (!runs && t.units) delete t.units[move.resource];
        if (t.units && Object.keys(t.units).length === 0) delete t.units;
      } else if (s.type === 'reservation') {
        world.reservations[s.reservation] ??= {};
        if (move.to > 0) world.reservations[s.reservation][move.region] = move.to;
        else delete world.reservations[s.reservation][move.region];
      } else {
        world.followers[s.service] ??= {};
        setCount(world.followers[s.service], move.region, move.resource, move.to);
      }
      break;
    }
    case 'route':
      world.tenants[move.tenant] ??= { replicas: {}, routing: {} };
      Object.assign(world.tenants[move.tenant].routing, move.routing);
      break;
    case 'shift':
      world.products[move.product] = move.routing;
      break;
  }
}
