/**
 * A follower service's residual is capacity it needs in a region whatever the traffic
 * (docs/language.md, "Products and follower services"): a hard need. One larger than the
 * region's supply leaves no plan at all, which the solver could only call "infeasible";
 * say instead which residual, where it was written, and what would fix it.
 */
import { lookupSpan, type SourceMap } from '../lang/source-map.js';
import type { Spec } from '../lang/spec.js';

/** The first residual that cannot fit its region's supply, as a sentence; undefined when all fit. */
export function residualBeyondSupply(spec: Spec, sourceMap?: SourceMap): string | undefined {
  for (const S of Object.keys(spec.services).sort()) {
    for (const r of Object.keys(spec.services[S].residual).sort()) {
      for (const [k, need] of Object.entries(spec.services[S].residual[r]).sort()) {
        const supply = spec.regions[r]?.supply[k] ?? 0;
        const units = Math.ceil(need - 1e-9); // whole servers
        if (units <= supply) continue;
        const span = sourceMap ? lookupSpan(sourceMap, `services/${S}/residual/${r}/${k}`) : undefined;
        const at = span ? `${span.file}:${span.start.line}:${span.start.col}: ` : '';
        return (
          `${at}service \`${S}\` needs ${units} ${k} in \`${r}\` for its residual, but the region's supply of ${k} is ${supply}: ` +
          `lower the residual to ${supply} or add ${units - supply} ${k} to \`${r}\``
        );
      }
    }
  }
  return undefined;
}
