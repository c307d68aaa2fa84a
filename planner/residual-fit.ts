/**
 * A follower service's residual is capacity it needs in a region whatever the traffic
 * (docs/language.md, "Products and follower services"): a hard need. One that the region cannot
 * hold leaves no plan at all, which the solver could only call "infeasible" (reported as a bug in
 * globe); say instead which residual, where it was written, and what would fix it. It cannot be
 * held when the residuals of a region add up to more than its supply, or when apply cannot make
 * room for them: apply adds before it removes, so what runs now stays until the moves end.
 */
import { lookupSpan, type SourceMap } from '../lang/source-map.js';
import type { Spec } from '../lang/spec.js';
import type { World } from './model/world.js';

/** The first (region, resource) whose residuals cannot be held, as a sentence; undefined when all fit. */
export function residualBeyondSupply(world: World, sourceMap?: SourceMap): string | undefined {
  const spec = world.spec;
  for (const r of world.regions) {
    for (const k of world.resources) {
      const needs = residualsIn(spec, r, k);
      if (needs.length === 0) continue;
      const supply = world.supply(r, k);
      const units = needs.reduce((a, n) => a + n.units, 0);
      const first = needs[0];
      const span = sourceMap ? lookupSpan(sourceMap, `services/${first.service}/residual/${r}/${k}`) : undefined;
      const at = span ? `${span.file}:${span.start.line}:${span.start.col}: ` : '';
      const who = needs.length === 1 ? `service \`${first.service}\` needs` : `services ${needs.map((n) => `\`${n.service}\``).join(', ')} need`;
      if (units > supply) {
        return `${at}${who} ${units} ${k} in \`${r}\` for ${needs.length === 1 ? 'its residual' : 'their residuals'}, but the region's supply of ${k} is ${supply}: lower the residual or add ${units - supply} ${k} to \`${r}\``;
      }
      // apply holds everything that runs now until its moves end: the residuals' growth must fit beside it
      const now = world.currentUsage(r, k);
      const growth = needs.reduce((a, n) => a + Math.max(0, n.units - world.currentFollower(n.service, r, k)), 0);
      if (now + growth > Math.max(supply, now)) {
        return (
          `${at}${who} ${units} ${k} in \`${r}\` for ${needs.length === 1 ? 'its residual' : 'their residuals'}, but while apply runs \`${r}\` still holds the ${now} ${k} that run there now ` +
          `(supply ${supply}): free ${now + growth - Math.max(supply, now)} ${k} in \`${r}\` with a plan applied first, or lower the residual`
        );
      }
    }
  }
  return undefined;
}

function residualsIn(spec: Spec, r: string, k: string): { service: string; units: number }[] {
  const out: { service: string; units: number }[] = [];
  for (const S of Object.keys(spec.services).sort()) {
    const need = spec.services[S].residual[r]?.[k] ?? 0;
    if (need > 0) out.push({ service: S, units: Math.ceil(need - 1e-9) }); // whole servers
  }
  return out;
}
