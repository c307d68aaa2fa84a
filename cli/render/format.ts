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

export function solverLine(s: { status: string; objective: number; gap: number; bound: number; boundKind: string; seconds: number }, showTime: boolean): string {
  const time = showTime ? ` (${s.seconds.toFixed(2)} s)` : '';
  const bound = s.boundKind === 'mip-dual' ? 'best bound' : 'LP bound';
  return `Solver: ${s.status}, objective ${num(s.objective)}, gap ${(s.gap * 100).toFixed(2)}% to the ${bound} ${num(s.bound)}${time}.`;
}
