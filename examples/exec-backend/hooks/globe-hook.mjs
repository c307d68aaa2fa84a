#!/usr/bin/env node
// A stand-in for your orchestrator, called by globe's `exec` backend.
//   globe-hook.mjs get-state          prints the State document (or nothing when nothing is deployed)
//   globe-hook.mjs upsize|downsize|route|shift   reads one move (JSON) on stdin and carries it out
//   globe-hook.mjs validate           a validation gate: GLOBE_GATE=pre|post, GLOBE_WAVE=k in the environment
// A real hook would call your scheduler's API here; this one keeps a JSON file.
// globe runs up to --parallelism moves at once, so several copies of this hook can
// run together: each holds an exclusive lock file around its read-modify-write.
//
// Fencing: every move carries `attempt`, a token that grows with every apply. A hook
// started by an apply that was killed may still be running when the resumed apply
// sets the same key again; its late write must not win. So the hook remembers, per
// key it sets, the newest attempt it has seen, and refuses (exit 3) a move whose
// attempt is older — checked and recorded under the same lock as the write.
import { mkdirSync, readFileSync, renameSync, rmSync, writeFileSync } from 'node:fs';

const WORLD = '.globe/exec-world.json';
const LOCK = `${WORLD}.lock`;
const FENCES = '.globe/exec-world.fences.json';
const command = process.argv[2];

function load() {
  try {
    return JSON.parse(readFileSync(WORLD, 'utf8'));
  } catch {
    return { version: 1, lineage: 'exec-example-world', serial: 0, tenants: {}, reservations: {}, products: {}, followers: {} };
  }
}

/** Key → the newest attempt that has written it. */
function loadFences() {
  try {
    return JSON.parse(readFileSync(FENCES, 'utf8'));
  } catch {
    return {};
  }
}

/** What a move sets: one key per absolute value it writes. */
function keysOf(command, move) {
  switch (command) {
    case 'upsize':
    case 'downsize': {
      const s = move.subject;
      const who = s.type === 'tenant' ? `tenant:${s.tenant}` : s.type === 'reservation' ? `reservation:${s.reservation}` : `follower:${s.service}`;
      return [`${who}/${move.region}/${move.resource}`];
    }
    case 'route':
      return Object.keys(move.routing).map((cls) => `route:${move.tenant}/${cls}`);
    case 'shift':
      return [`shift:${move.product}`];
  }
  return [];
}

class StaleWrite extends Error {}

/** Refuse a write older than one already made to the same key; otherwise remember this one. */
function fence(command, move) {
  const attempt = Number.isInteger(move.attempt) ? move.attempt : 0; // a globe without tokens counts as the oldest
  const fences = loadFences();
  for (const key of keysOf(command, move)) {
    if ((fences[key] ?? -1) > attempt) throw new StaleWrite(`refused a stale write: ${move.id} carries attempt ${attempt}, but attempt ${fences[key]} has already set ${key}`);
  }
  for (const key of keysOf(command, move)) fences[key] = attempt;
  const tmp = `${FENCES}.${process.pid}.tmp`;
  writeFileSync(tmp, JSON.stringify(fences, null, 2));
  renameSync(tmp, FENCES);
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

if (command === 'validate') {
  // A real gate would ask your monitoring whether the service is healthy (error rates, latency
  // objectives) before globe moves traffic (GLOBE_GATE=pre) and before it releases capacity
  // (post). This one checks what it can see in its world: no traffic is routed to a region
  // where the tenant has no replica. Exit 0 to let the apply go on; anything else stops it.
  const world = load();
  const problems = [];
  for (const [id, t] of Object.entries(world.tenants).sort(([a], [b]) => (a < b ? -1 : 1))) {
    for (const [cls, matrix] of Object.entries(t.routing ?? {})) {
      for (const [client, row] of Object.entries(matrix)) {
        for (const [region, share] of Object.entries(row)) {
          const replicas = Object.values(t.replicas?.[region] ?? {}).reduce((a, b) => a + b, 0);
          if (share > 0 && replicas === 0) problems.push(`${id} routes ${cls} traffic from ${client} to ${region}, where it has no replica`);
        }
      }
    }
  }
  const where = `${process.env.GLOBE_GATE ?? '?'} gate of wave ${process.env.GLOBE_WAVE ?? '?'}`;
  if (problems.length > 0) {
    process.stderr.write(`${where}: unhealthy\n${problems.join('\n')}\n`);
    process.exit(1);
  }
  process.stderr.write(`${where}: healthy (${Object.keys(world.tenants).length} tenants)\n`);
  process.exit(0);
}

const move = JSON.parse(readFileSync(0, 'utf8'));
if (!['upsize', 'downsize', 'route', 'shift'].includes(command)) {
  process.stderr.write(`unknown command: ${command}\n`);
  process.exit(2);
}
try {
  await withWorldLock((world) => {
    fence(command, move);
    applyMove(world, move);
  });
} catch (e) {
  if (!(e instanceof StaleWrite)) throw e;
  process.stderr.write(`${e.message}\n`);
  process.exit(3);
}
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
