/**
 * Validation gates between phases (issue 16, the seeds' pre- and post-
 * validations of a demand shift). When the backend declares a `validate`
 * command, each wave has two gates:
 *
 * - `pre` runs once the capacity the wave's first traffic moves (route,
 *   shift) wait for is in place, and before any of them starts;
 * - `post` runs once every traffic move of the wave is complete, and before
 *   the downsizes that release capacity after them (those no traffic move
 *   waits for) start.
 *
 * A wave without traffic moves runs `pre` at its start and `post` right after
 * it, before its downsizes; a plan without moves runs no gate. A tenant moving
 * in `max_surge` rounds routes once per round: `pre` waits for the capacity of
 * its first round, and only the downsizes no later round waits for follow `post`. Gates are scheduled like moves: each waits for
 * the moves (and gate) listed in `after`, and the moves it guards wait for it.
 */
import type { Move } from '../schemas/plan.js';
import type { GatePhase } from './journal.js';
import { waveOf } from './waves.js';

export interface GateTask {
  /** `w<wave>-gate-<phase>`: never a move id (those are `m…` or `w<k>-m…`). */
  id: string;
  wave: number;
  phase: GatePhase;
  /** Moves and gates that must be complete before the gate runs. */
  after: string[];
}

export interface GateSchedule {
  gates: GateTask[];
  /** Move id → the gate it also waits for. */
  guardedBy: Map<string, string>;
}

export const gateKey = (wave: number, phase: GatePhase) => `${wave}:${phase}`;
const gateId = (wave: number, phase: GatePhase) => `w${wave}-gate-${phase}`;

export function gateSchedule(moves: Move[], waves: number): GateSchedule {
  const gates: GateTask[] = [];
  const guardedBy = new Map<string, string>();
  const byId = new Map(moves.map((m) => [m.id, m]));
  const ancestors = new Map<string, Set<string>>();
  const ancestorsOf = (id: string): Set<string> => {
    const known = ancestors.get(id);
    if (known) return known;
    const out = new Set<string>();
    ancestors.set(id, out); // the graph was checked acyclic before anything is scheduled
    for (const d of byId.get(id)?.dependsOn ?? []) {
      out.add(d);
      for (const a of ancestorsOf(d)) out.add(a);
    }
    return out;
  };
  for (let wave = 1; wave <= waves; wave++) {
    const inWave = moves.filter((m) => waveOf(m) === wave);
    if (inWave.length === 0) continue; // nothing changes: nothing to validate
    const traffic = inWave.filter((m) => m.kind === 'route' || m.kind === 'shift');
    const trafficIds = new Set(traffic.map((m) => m.id));
    // The first traffic moves: those no other traffic move of the wave comes before.
    const first = traffic.filter((m) => ![...ancestorsOf(m.id)].some((a) => trafficIds.has(a)));
    const before = new Set(first.flatMap((m) => [...ancestorsOf(m.id)]));
    const feedsTraffic = new Set(traffic.flatMap((m) => [...ancestorsOf(m.id)]));
    const pre = gateId(wave, 'pre');
    const post = gateId(wave, 'post');
    gates.push({ id: pre, wave, phase: 'pre', after: inWave.filter((m) => before.has(m.id)).map((m) => m.id) });
    gates.push({ id: post, wave, phase: 'post', after: [pre, ...traffic.map((m) => m.id)] });
    for (const m of traffic) guardedBy.set(m.id, pre);
    for (const m of inWave) if (m.kind === 'downsize' && !feedsTraffic.has(m.id)) guardedBy.set(m.id, post);
  }
  return { gates, guardedBy };
}

/** The gate's failure in the user's terms: wave, phase, what failed, and its last lines of output. */
export function gateFailureReason(gate: GateTask, error: unknown): string {
  const e = error as { message?: string; stderr?: string; stdout?: string };
  const tail = lastLines(e.stderr ?? '', 5) || lastLines(e.stdout ?? '', 5);
  const when = gate.phase === 'pre' ? `before wave ${gate.wave}'s traffic moves` : `after wave ${gate.wave}'s traffic moves`;
  return `the validation gate ${when} (GLOBE_GATE=${gate.phase}, GLOBE_WAVE=${gate.wave}) failed: ${e.message ?? String(error)}${tail ? `\nIts last output lines:\n${tail.replace(/^/gm, '  | ')}` : ''}`;
}

function lastLines(text: string, n: number): string {
  return text.replace(/\s+$/, '').split('\n').filter((l) => l.trim() !== '').slice(-n).join('\n');
}
