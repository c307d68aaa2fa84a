/** Number formats shared by the renderers: fixed, deterministic, readable. */
export function pct(x: number): string {
  return `${(x * 100).toFixed(1)}%`;
}

export function num(x: number): string {
  if (Number.isInteger(x)) return String(x);
  return String(Math.round(x * 1000) / 1000);
}

export function signed(x: number): string {
  return x > 0 ? `+${num(x)}` : x < 0 ? `−${num(-x)}` : '0';
}

export function plural(n: number, one: string, many = `${one}s`): string {
  return `${n} ${n === 1 ? one : many}`;
}

export function solverLine(
  s: {
    status: string;
    objective: number;
    gap: number;
    bound: number;
    boundKind: string;
    seconds: number;
    blocks?: { count: number; repaired: number };
    incremental?: { replanned: number; kept: number };
  },
  showTime: boolean,
): string {
  const time = showTime && s.seconds > 0 ? ` (${s.seconds.toFixed(2)} s)` : ''; // a saved plan has no wall time (stripTimings)
  const bound = s.boundKind === 'mip-dual' ? 'best bound' : s.boundKind === 'decomposition' ? 'bound of the blocks' : 'LP bound';
  const gap = s.boundKind === 'decomposition' && s.gap >= 1 ? 'gap not certified (the supply repair left demand unserved)' : `gap ${(s.gap * 100).toFixed(2)}% to the ${bound} ${num(s.bound)}`;
  const tenants = (n: number) => `${n} ${n === 1 ? 'tenant' : 'tenants'}`;
  if (s.incremental) {
    const { replanned, kept } = s.incremental;
    return `Solver: ${s.status}, objective ${num(s.objective)}; only what changed was planned: gap ${(s.gap * 100).toFixed(2)}% over the ${tenants(replanned)} planned again, ${tenants(kept)} kept as they run${time}.`;
  }
  const blocks = s.blocks ? `; planned in ${s.blocks.count} blocks, ${s.blocks.repaired} ${s.blocks.repaired === 1 ? 'tenant' : 'tenants'} re-planned to fit shared supply` : '';
  // A fleet in blocks is "optimal" block by block: each solve was proven within its own gap, while the
  // fleet's gap, to the sum of the blocks' bounds, may be above --gap. Say which, not a bare "optimal".
  const status = s.blocks && s.status === 'optimal' ? 'each block optimal within its gap' : s.status;
  return `Solver: ${status}, objective ${num(s.objective)}, ${gap}${blocks}${time}.`;
}
