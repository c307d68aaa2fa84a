/**
 * A mermaid flowchart (GitHub renders ```mermaid blocks in comments) for what moves between
 * places: product traffic shifts (client → serving region, old → new share) and evacuations (a
 * region drained by more than half → the regions gaining that resource). Past MAX_EDGES a graph
 * is no longer readable: the caller falls back to the matrix.
 */
import type { Plan } from '../../schemas/plan.js';
import { num, pct } from './format.js';
import { cmp, regionShifts } from './plan-highlights.js';

export const MAX_EDGES = 15;

export interface Edge {
  from: string;
  to: string;
  label: string;
}

/** Changed product routing as edges, one per (client, server) cell that changes. */
export function productEdges(plan: Plan): Edge[] {
  return plan.diff.products.flatMap((p) =>
    p.changes.map((c) => ({ from: c.client, to: c.server, label: `${p.product} ${pct(c.from)} → ${pct(c.to)}` })),
  );
}

/** Regions drained by more than half of a resource, each linked to the regions gaining that resource. */
export function evacuationEdges(plan: Plan): Edge[] {
  const shifts = regionShifts(plan);
  const edges: Edge[] = [];
  for (const d of shifts.filter((s) => s.before > 0 && s.after < s.before / 2).sort((a, b) => cmp(a.region, b.region) || cmp(a.resource, b.resource))) {
    for (const g of shifts.filter((s) => s.resource === d.resource && s.after > s.before).sort((a, b) => cmp(a.region, b.region))) {
      edges.push({ from: d.region, to: g.region, label: `${d.resource} ${num(d.before)}→${num(d.after)} there, +${num(g.after - g.before)} here` });
    }
  }
  return edges;
}

export function mermaidFlowchart(edges: readonly Edge[]): string[] {
  const ids = new Map<string, string>();
  const id = (name: string) => {
    if (!ids.has(name)) ids.set(name, `n${ids.size}`);
    return ids.get(name)!;
  };
  const quote = (s: string) => s.replace(/"/g, '#quot;');
  const lines = ['```mermaid', 'flowchart LR'];
  for (const e of edges) lines.push(`  ${id(e.from)}["${quote(e.from)}"] -->|"${quote(e.label)}"| ${id(e.to)}["${quote(e.to)}"]`);
  lines.push('```');
  return lines;
}
