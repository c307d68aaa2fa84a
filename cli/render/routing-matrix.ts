/**
 * Routing as a client × server matrix: one row per client location, one column per serving
 * region, `old → new` in each cell that changes. A reviewer sees where traffic goes at a glance,
 * where a list of (client, server, old, new) rows had to be read line by line.
 */
import { pct } from './format.js';
import { cmp } from './plan-highlights.js';

export interface RoutingCell {
  client: string;
  server: string;
  from: number;
  to: number;
}

export function routingMatrixMarkdown(cells: readonly RoutingCell[]): string[] {
  const clients = [...new Set(cells.map((c) => c.client))].sort(cmp);
  const servers = [...new Set(cells.map((c) => c.server))].sort(cmp);
  const at = new Map(cells.map((c) => [`${c.client}\u0000${c.server}`, c]));
  const lines = [`| client ╲ server | ${servers.join(' | ')} |`, `| --- |${servers.map(() => ' :---: |').join('')}`];
  for (const client of clients) {
    const row = servers.map((s) => {
      const c = at.get(`${client}\u0000${s}`);
      return c ? `${pct(c.from)} → ${pct(c.to)}` : '·';
    });
    lines.push(`| **${client}** | ${row.join(' | ')} |`);
  }
  return lines;
}
