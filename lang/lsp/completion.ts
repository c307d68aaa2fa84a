/**
 * Completion in `*.globe` files: the statements a block allows (with their
 * doc line), units after a number, latency tiers after `<`, and the names in
 * scope where a name is expected (resources after `replica`, regions in
 * `avoid [..]`, client locations as demand keys, products after `follows`,
 * localities after `in`, the tenant's request classes after `latency`).
 */
import { CompletionItemKind, type CompletionItem, type Position } from 'vscode-languageserver/node';
import { BACKEND_KINDS } from '../backend-kinds.js';
import { docLine, findProperty, propertiesOf, UNITS_OF, type BlockKind, type Property } from '../properties.js';
import { LATENCY_TIERS, type Spec } from '../spec.js';
import type { QuantityKind } from '../units.js';
import type { CursorContext } from './context.js';

/** The names a project declares, for completion. */
export interface Scope {
  regions: string[];
  /** Regions and the edge locations of the latency table. */
  locations: string[];
  resources: string[];
  products: string[];
  localities: string[];
  /** Request classes of the tenant around the cursor, or of every tenant when outside one. */
  classes: string[];
}

/**
 * `text` is the document's: while a statement is half-written, the tenant
 * around it may not lower, and its classes are then read from the text.
 */
export function scopeOf(spec: Spec, ctx: CursorContext, text = ''): Scope {
  const regions = Object.keys(spec.regions).sort();
  const locations = new Set(regions);
  for (const p of spec.latency) locations.add(p.a).add(p.b);
  const service = ctx.blocks.find((b) => b.kind === 'service')?.name;
  const tenant = ctx.blocks.find((b) => b.kind === 'tenant')?.name;
  const tenants = service && tenant && spec.services[service]?.tenants[tenant] ? [spec.services[service].tenants[tenant]] : Object.values(spec.services).flatMap((s) => Object.values(s.tenants));
  const classes = new Set(tenants.flatMap((t) => [...Object.keys(t.demand), ...Object.keys(t.latency)]));
  if (classes.size === 0) for (const m of text.matchAll(/\b(?:demand|latency)\s+([a-z][a-z0-9]*(?:-[a-z0-9]+)*)\s*[{<]/g)) classes.add(m[1]);
  return {
    regions,
    locations: [...locations].sort(),
    resources: Object.keys(spec.resources).sort(),
    products: Object.keys(spec.products).sort(),
    localities: [...new Set(Object.values(spec.regions).map((r) => r.locality))].filter((l) => l !== '').sort(),
    classes: [...classes].sort(),
  };
}

export function complete(ctx: CursorContext, scope: Scope, position: Position): CompletionItem[] {
  const p = ctx.linePrefix;
  const number = /(?:^|[\s=<{[,])([0-9]+(?:\.[0-9]+)?)([a-zA-Z%]*)$/.exec(p);
  if (number) {
    const kind = unitKind(ctx);
    return kind === 'none' ? [] : units(kind, number[2], position);
  }
  if (/<\s*[a-z]*$/.test(p) && !/<->\s*[a-z0-9-]*$/.test(p)) return tiers();
  if (/\breplica\s+[a-z0-9-]*$/.test(p)) return names(scope.resources, 'resource');
  if (/\bfollows\s+[a-z0-9-]*$/.test(p)) return names(scope.products, 'product');
  if (/(?:\bin|\blocality\s*=)\s*[a-z0-9-]*$/.test(p)) return names(scope.localities, 'locality');
  if (/\b(?:avoid|only_in)\s*\[[^\]]*$/.test(p)) return names(scope.regions, 'region');
  if (ctx.block === 'tenant' && /\b(?:latency|demand)\s+[a-z0-9-]*$/.test(p)) return names(scope.classes, 'request class');
  if (/\btolerate\s+[a-z-]*$/.test(p)) return words([['region-failure', 'survive the loss of any one region']]);
  if (/\bregion-failure\s+[a-z]*$/.test(p)) return words([['aggregate', 'count capacity outside the lost region only, latency not checked (latency-tolerant work)']]);
  if (/\bbackend\s+[a-z]*$/.test(p)) return words(BACKEND_KINDS.map((k) => [k.name, k.doc]));
  if (/\bx[0-9]+\s+[a-z]*$/.test(p)) return words([['serves', 'the rate one replica serves: serves 500rps']]);
  if (/<->\s*[a-z0-9-]*$/.test(p)) return names(scope.locations, 'location');
  if (/=\s*[^\s]*$/.test(p)) return [];
  return keyPosition(ctx, scope);
}

/** At the start of a statement: what the block holds. */
function keyPosition(ctx: CursorContext, scope: Scope): CompletionItem[] {
  const parent = ctx.blocks[ctx.blocks.length - 2]?.kind;
  switch (ctx.block) {
    case 'supply':
      return names(scope.resources, 'resource');
    case 'follows':
      return parent === 'tenant' ? names(scope.classes, 'request class') : names(scope.resources, 'resource');
    case 'demand':
    case 'traffic':
    case 'latency':
      return names(scope.locations, 'location');
    case 'residual':
      return names(scope.regions, 'region');
    case 'reservation':
      return [...properties('reservation'), ...names(scope.resources, 'resource')];
    case 'unknown':
      return [];
    default:
      return properties(ctx.block);
  }
}

function properties(block: BlockKind): CompletionItem[] {
  return propertiesOf(block).map((prop) => ({
    label: prop.keyword,
    kind: prop.value === 'block' ? CompletionItemKind.Keyword : CompletionItemKind.Property,
    detail: prop.syntax,
    documentation: docLine(prop),
  }));
}

function names(list: string[], what: string): CompletionItem[] {
  return list.map((name) => ({ label: name, kind: CompletionItemKind.Reference, detail: what }));
}

function words(list: [string, string][]): CompletionItem[] {
  return list.map(([label, detail]) => ({ label, kind: CompletionItemKind.Keyword, detail }));
}

function tiers(): CompletionItem[] {
  return Object.entries(LATENCY_TIERS).map(([tier, ms]) => ({ label: tier, kind: CompletionItemKind.EnumMember, detail: `latency tier: ${ms}ms` }));
}

/** Units after a number: replacing the unit typed so far. */
function units(kind: QuantityKind | 'any', typed: string, position: Position): CompletionItem[] {
  const kinds: QuantityKind[] = kind === 'any' ? ['latency', 'rate', 'percent'] : [kind];
  const seen = new Set<string>();
  const out: CompletionItem[] = [];
  for (const k of kinds) {
    for (const unit of UNITS_OF[k]) {
      if (seen.has(unit)) continue;
      seen.add(unit);
      const range = { start: { line: position.line, character: position.character - typed.length }, end: position };
      out.push({ label: unit, kind: CompletionItemKind.Unit, detail: `unit of ${k}`, textEdit: { range, newText: unit }, filterText: unit });
    }
  }
  return out;
}

/** The kind of quantity the number at the cursor is, from the statement it is in; `none` for plain counts. */
function unitKind(ctx: CursorContext): QuantityKind | 'any' | 'none' {
  const p = ctx.linePrefix;
  if (/\bserves\s+[0-9.]*[a-z]*$/.test(p)) return 'rate';
  if (/<\s*[0-9.]*[a-z]*$/.test(p)) return 'latency';
  if (ctx.block === 'demand' || (ctx.block === 'follows' && ctx.blocks[ctx.blocks.length - 2]?.kind === 'tenant')) return 'rate';
  if (ctx.block === 'traffic') return 'percent';
  if (ctx.block === 'latency') return 'latency';
  if (ctx.block === 'supply' || ctx.block === 'residual' || ctx.block === 'reservation' || ctx.block === 'follows') return 'none';
  const key = /([a-z_]+)\s*=\s*[0-9.]*[a-zA-Z%]*$/.exec(p)?.[1];
  const prop: Property | undefined = key && ctx.block !== 'unknown' ? findProperty(key, ctx.block) : undefined;
  const value = prop?.value;
  if (value === 'latency' || value === 'duration' || value === 'rate' || value === 'percent') return value;
  return prop ? 'none' : 'any';
}
