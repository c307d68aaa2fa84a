// The exec backend's reaper: a small process started beside globe, in its own
// process group, that outlives it. globe tells it on stdin which hook process
// groups are running ("+PGID STARTTIME" when one starts, "-PGID" when it has
// exited). When stdin ends — globe exited, however it died: SIGKILL, OOM, a CI
// runner's SIGTERM — it SIGKILLs every group still listed and exits, so no hook
// keeps changing the world after the globe that started it is gone.
import { readFileSync } from 'node:fs';

const groups = new Map();
let pending = '';

function leaderStart(pgid) {
  try {
    const text = readFileSync(`/proc/${pgid}/stat`, 'utf8');
    return Number(text.slice(text.lastIndexOf(')') + 2).split(' ')[19]);
  } catch {
    return undefined;
  }
}

function reap() {
  for (const [pgid, started] of groups) {
    // The group's leader is the hook; one with another start time means the number was reused.
    const now = leaderStart(pgid);
    if (now !== undefined && started !== 0 && now !== started) continue;
    try {
      process.kill(-pgid, 'SIGKILL');
    } catch {
      /* gone already */
    }
  }
  process.exit(0);
}

// Signals meant for globe (the terminal's Ctrl-C, a runner stopping everything) must not stop the reaper first.
for (const signal of ['SIGINT', 'SIGTERM', 'SIGHUP']) process.on(signal, () => undefined);
process.stdin.setEncoding('utf8');
process.stdin.on('data', (chunk) => {
  pending += chunk;
  for (let nl = pending.indexOf('\n'); nl >= 0; nl = pending.indexOf('\n')) {
    const [word, start] = pending.slice(0, nl).split(' ');
    pending = pending.slice(nl + 1);
    const pgid = Number(word.slice(1));
    if (!Number.isInteger(pgid) || pgid <= 1) continue;
    if (word[0] === '+') groups.set(pgid, Number(start) || 0);
    else groups.delete(pgid);
  }
});
process.stdin.on('end', reap);
process.stdin.on('error', reap);
