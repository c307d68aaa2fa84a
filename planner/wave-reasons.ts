/**
 * Why each wave of a multi-wave plan exists, said from the supply it frees and the supply it
 * uses: "uses the 4 h100 that wave 1 frees in r2". A function of the wave deployments alone,
 * so that apply's binding check derives the same sentence from the saved plan.
 */
import type { PlanWave } from '../schemas/plan.js';

type Rows = PlanWave['regions'];

interface Change {
  region: string;
  resource: string;
  amount: number;
}

export function waveReasons(waves: Rows[]): string[] {
  // Room a wave frees is what it held at its peak and no longer holds at its end: a region whose
  // use is unchanged overall may still free room one tenant leaves and another grows into later.
  const freed = waves.map((rows) => changes(rows, (r) => r.peak - r.after));
  const grown = waves.map((rows) => changes(rows, (r) => r.after - r.before));
  return waves.map((_, k) => {
    const parts = [...usesFreed(k, grown[k], freed), ...freesFor(k, freed[k], grown)];
    if (parts.length > 0) return parts.join('; ');
    return k === waves.length - 1 ? 'reaches the target' : 'moves part of the way within supply';
  });
}

function changes(rows: Rows, delta: (r: Rows[number]) => number): Change[] {
  return rows
    .map((r) => ({ region: r.region, resource: r.resource, amount: round(delta(r)) }))
    .filter((c) => c.amount > 0);
}

/** Growth in wave k that an earlier wave's freed room made possible (latest earlier wave first). */
function usesFreed(k: number, growth: Change[], freed: Change[][]): string[] {
  const out: string[] = [];
  for (const g of growth) {
    for (let j = k - 1; j >= 0; j--) {
      const f = freed[j].find((c) => c.region === g.region && c.resource === g.resource);
      if (!f) continue;
      out.push(`uses the ${fmt(Math.min(g.amount, f.amount))} ${g.resource} that wave ${j + 1} frees in ${g.region}`);
      break;
    }
  }
  return out;
}

/** Room wave k frees that a later wave grows into (the first such wave). */
function freesFor(k: number, freedHere: Change[], grown: Change[][]): string[] {
  const out: string[] = [];
  for (const f of freedHere) {
    for (let m = k + 1; m < grown.length; m++) {
      if (!grown[m].some((c) => c.region === f.region && c.resource === f.resource)) continue;
      out.push(`frees ${fmt(f.amount)} ${f.resource} in ${f.region} for wave ${m + 1}`);
      break;
    }
  }
  return out;
}

function round(x: number): number {
  return Math.round(x * 1e6) / 1e6;
}

function fmt(x: number): string {
  return String(round(x));
}
