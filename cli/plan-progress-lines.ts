/**
 * Plan progress where there is no terminal for the spinner (CI logs, pipes): one
 * line per block of a large fleet on stderr, with the time since planning began,
 * so a 48-second plan is not 48 silent seconds. stdout (the plan, or its JSON)
 * is never touched.
 */
export interface BlockEvent {
  of: number;
  tenants: number;
  repair: boolean;
  status: string;
}

export function blockProgressLines(write: (line: string) => void = (l) => process.stderr.write(`${l}\n`), now: () => number = Date.now): (b: BlockEvent) => void {
  const started = now();
  let done = 0;
  return (b) => {
    const tenants = `${b.tenants} ${b.tenants === 1 ? 'tenant' : 'tenants'}`;
    const elapsed = `${((now() - started) / 1000).toFixed(1)} s`;
    if (b.repair) write(`Planning: re-planned ${tenants} to fit shared supply (${b.status}, ${elapsed})`);
    else write(`Planning: block ${++done} of ${b.of} done (${tenants}, ${b.status}, ${elapsed})`);
  };
}
