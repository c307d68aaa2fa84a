/**
 * Every keyword and property of the language, once: where it may appear, its
 * YAML key, the kind of value it takes, and a one-line doc. The language
 * server reads it for completion and hover, the DSL lowering for its
 * "unknown keyword" lists, and docs/language.md's tenant reference table is
 * generated from it (lang/reference-table.ts).
 *
 * A simple tenant property (a scalar or a list of names) also carries its
 * Spec field, its default and any range check (`setting`): that one entry
 * then drives both lowerings and both emitters (lang/tenant-settings.ts), so
 * adding such a property is one line here plus the Spec field and the JSON
 * Schema property it is checked against.
 */
import { BACKEND_KINDS, BACKEND_NAMES, type BackendName, type BackendValue } from './backend-kinds.js';
import type { Tenant } from './spec.js';
import { formatQuantity, plainDecimal, type QuantityKind } from './units.js';

/** The blocks statements live in. `top` is the file itself; `backend exec` etc. are the backend kinds (lang/backend-kinds.ts). */
export type BlockKind =
  | 'top'
  | 'resource'
  | 'region'
  | 'supply'
  | 'latency'
  | 'service'
  | 'tenant'
  | 'demand'
  | 'follows'
  | 'residual'
  | 'reservation'
  | 'product'
  | 'traffic'
  | `backend ${BackendName}`
  | 'planner';

export interface Property {
  /** Where the statement may be written. */
  block: BlockKind;
  /** The DSL keyword that starts it. */
  keyword: string;
  /** Its key in the YAML spelling (where it differs in shape, the key that holds it). */
  yamlKey: string;
  /** What the value is: a quantity kind, a plain count, a name, a block. */
  value: QuantityKind | 'count' | 'name' | 'names' | 'string' | 'argv' | 'block' | 'flag';
  /** How it is written, e.g. `priority = 100`. */
  syntax: string;
  /** One line: what it means (and, where `default` is not given, its default). */
  doc: string;
  /** What applies when the statement is not written, in words (the reference table's last column). */
  default?: string;
  /** For a simple tenant property: how it is stored in the Spec. */
  setting?: TenantSetting;
}

/** Tenant fields holding a number (absent or not). */
type NumberField = { [K in keyof Tenant]-?: NonNullable<Tenant[K]> extends number ? K : never }[keyof Tenant];
/** Tenant fields holding a list of names. */
type NamesField = { [K in keyof Tenant]-?: Tenant[K] extends string[] ? K : never }[keyof Tenant];

/**
 * A simple tenant property's Spec side. `default` is the value the Spec
 * holds when the statement is not written (and the emitters then leave it
 * out); without one the field is absent, and `absent` says what that means.
 * `check` returns the message for a value out of range (`written` is the
 * value as the user wrote it); the YAML spelling leaves ranges to the JSON
 * Schema, which must agree.
 */
export type TenantSetting =
  | { kind: 'integer' | 'percent' | 'latency'; field: NumberField; default?: number; absent?: string; check?: (value: number, written: string) => string | undefined }
  | { kind: 'names'; field: NamesField; absent: string };

/** A tenant property that is a setting: keyword = YAML key, one Spec field. */
export type SettingProperty = Property & { setting: TenantSetting };

type SettingDeclaration = TenantSetting & { keyword: string; syntax: string; doc: string };

/** A simple tenant property: its YAML key is its keyword, its value kind follows from the setting's. */
function setting(d: SettingDeclaration): SettingProperty {
  const { keyword, syntax, doc, ...spec } = d;
  const value = spec.kind === 'integer' ? 'count' : spec.kind;
  return { block: 'tenant', keyword, yamlKey: keyword, value, syntax, doc, setting: spec as TenantSetting };
}

/** How a backend key's value kind shows in the language's table. */
const BACKEND_VALUE: Record<BackendValue, Property['value']> = { string: 'string', path: 'string', name: 'name', 'env-var': 'name', argv: 'argv', duration: 'duration' };

/** Every backend kind's keys as rows of the table (keyword = YAML key). */
function backendProperties(): Property[] {
  return BACKEND_KINDS.flatMap((k) =>
    k.keys.map((key): Property => ({ block: `backend ${k.name}`, keyword: key.keyword, yamlKey: key.keyword, value: BACKEND_VALUE[key.value], syntax: key.syntax, doc: key.doc })),
  );
}

export const PROPERTIES: readonly Property[] = [
  // top level
  { block: 'top', keyword: 'resource', yamlKey: 'resources', value: 'block', syntax: 'resource NAME { unit = gpu  cost = 3.0 }', doc: 'A hardware type counted in whole units (h100, cpu servers, …), with an optional cost per unit.' },
  { block: 'top', keyword: 'region', yamlKey: 'regions', value: 'block', syntax: 'region NAME { locality = na  supply { h100 = 40 } }', doc: 'A datacenter region: its locality and its supply of units per resource.' },
  { block: 'top', keyword: 'latency', yamlKey: 'latency', value: 'block', syntax: 'latency { us-east <-> us-west = 62ms }', doc: 'Round-trip times between regions and edge locations (symmetric; a location to itself is 1ms by default).' },
  { block: 'top', keyword: 'service', yamlKey: 'services', value: 'block', syntax: 'service NAME { tenant … }', doc: 'A service: its tenants, and the capacity that follows products (follower contracts).' },
  { block: 'top', keyword: 'reservation', yamlKey: 'reservations', value: 'block', syntax: 'reservation NAME { cpu = 300  in na }', doc: 'Latency-tolerant capacity: N units of a resource anywhere in a locality.' },
  { block: 'top', keyword: 'product', yamlKey: 'products', value: 'block', syntax: 'product NAME { traffic { us-east = 60% } latency < 70ms }', doc: 'A demand source whose traffic the global load balancer can shift between regions.' },
  { block: 'top', keyword: 'backend', yamlKey: 'backend', value: 'block', syntax: `backend ${BACKEND_NAMES.join('|')} { … }`, doc: 'Where state is read and moves are executed (default: backend file, .globe/state.json).' },
  { block: 'top', keyword: 'planner', yamlKey: 'planner', value: 'block', syntax: 'planner { churn = 0.1 }', doc: 'Solver weights and limits for this project (CLI flags override them).' },
  // resource
  { block: 'resource', keyword: 'unit', yamlKey: 'unit', value: 'name', syntax: 'unit = gpu', doc: 'What one unit of the resource is (documentation only).' },
  { block: 'resource', keyword: 'cost', yamlKey: 'cost', value: 'count', syntax: 'cost = 3.0', doc: 'Cost of one unit (default 0; only ratios between costs matter).' },
  // region
  { block: 'region', keyword: 'locality', yamlKey: 'locality', value: 'name', syntax: 'locality = na', doc: 'The locality the region belongs to (reservations are placed per locality).' },
  { block: 'region', keyword: 'supply', yamlKey: 'supply', value: 'block', syntax: 'supply { h100 = 40  cpu = 800 }', doc: 'Units of each resource in the region; an unlisted resource has 0.' },
  // service
  { block: 'service', keyword: 'tenant', yamlKey: 'tenants', value: 'block', syntax: 'tenant NAME { … }', doc: 'An independently placed unit of the service (one model, one database tier).' },
  { block: 'service', keyword: 'follows', yamlKey: 'follows', value: 'block', syntax: 'follows PRODUCT { cpu = 0.96 per unit }', doc: 'Capacity per unit of a product\'s traffic served in a region (a follower contract).' },
  { block: 'service', keyword: 'residual', yamlKey: 'residual', value: 'block', syntax: 'residual { us-east { cpu = 12 } }', doc: 'Capacity per region not explained by products.' },
  { block: 'service', keyword: 'tolerate', yamlKey: 'tolerate', value: 'flag', syntax: 'tolerate region-failure', doc: 'The follower capacity survives the loss of any one region.' },
  // tenant, in the order the emitters write them
  setting({ keyword: 'priority', field: 'priority', kind: 'integer', default: 0, syntax: 'priority = 100', doc: 'Integer; when supply is short, lower-priority demand is given up first.' }),
  { block: 'tenant', keyword: 'demand', yamlKey: 'demand', value: 'block', syntax: 'demand CLASS { us-east = 200rps }', doc: 'Demand of a request class per client location (a region or an edge location).', default: '—' },
  { block: 'tenant', keyword: 'follows', yamlKey: 'follows', value: 'block', syntax: 'follows PRODUCT { read = 2rps per unit }', doc: 'Demand that follows a product\'s traffic: a rate per unit of traffic served in a region.', default: 'none' },
  { block: 'tenant', keyword: 'latency', yamlKey: 'latency', value: 'latency', syntax: 'latency CLASS < continental', doc: 'RTT threshold of a request class: regional (1ms), zonal (20ms), continental (70ms), global (200ms) or a duration; required for every class with demand.', default: '—' },
  { block: 'tenant', keyword: 'replica', yamlKey: 'replicas', value: 'block', syntax: 'replica RESOURCE x1 serves 500rps', doc: 'A hardware option: one replica takes xU units of RESOURCE and serves N rps at 100%.', default: 'at least one' },
  setting({
    keyword: 'target_utilization',
    field: 'targetUtilization',
    kind: 'percent',
    default: 1,
    check: (f, written) => (f <= 0 || f > 1 ? `target_utilization must be more than 0% and at most 100%, found \`${written}\`` : undefined),
    syntax: 'target_utilization = 80%',
    doc: 'Share of a replica\'s rps that may be used, (0%, 100%].',
  }),
  { block: 'tenant', keyword: 'tolerate', yamlKey: 'tolerate', value: 'flag', syntax: 'tolerate region-failure [aggregate]', doc: 'For every single region lost, the demand served is re-routed onto the replicas left within each class threshold (or dr_latency); aggregate: capacity outside the region only, latency not checked.', default: 'off' },
  setting({ keyword: 'dr_latency', field: 'drLatency', kind: 'latency', absent: 'the class threshold', syntax: 'dr_latency = 200ms', doc: 'During a region failure, classes may be served up to this RTT.' }),
  setting({ keyword: 'avoid', field: 'avoid', kind: 'names', absent: 'none', syntax: 'avoid [ap-south]', doc: 'Regions never to use (residency, policy).' }),
  setting({ keyword: 'only_in', field: 'onlyIn', kind: 'names', absent: 'all', syntax: 'only_in [us-east, eu-west]', doc: 'The only regions to use.' }),
  setting({ keyword: 'min_replicas', field: 'minReplicasPerRegion', kind: 'integer', absent: 'none', syntax: 'min_replicas = 1', doc: 'Replicas (all resources) in each region where the tenant runs in the target; an intermediate wave of a plan in waves may keep a smaller count that runs now.' }),
  setting({ keyword: 'max_replicas', field: 'maxReplicasPerRegion', kind: 'integer', absent: 'none', syntax: 'max_replicas = 40', doc: 'Replicas (all resources) in any one region.' }),
  setting({
    keyword: 'max_surge',
    field: 'maxSurge',
    kind: 'integer',
    absent: 'unlimited',
    check: (n) => (n < 1 ? 'max_surge must be at least 1' : undefined),
    syntax: 'max_surge = 4',
    doc: 'Replicas that may be added before the matching ones are removed during apply: the move is split into rounds of at most this many, in each wave of a plan in waves (rounds counted per wave); one round when a round would route more traffic than its replicas serve.',
  }),
  // reservation
  { block: 'reservation', keyword: 'in', yamlKey: 'in', value: 'name', syntax: 'in na', doc: 'The locality whose regions hold the reserved units.' },
  { block: 'reservation', keyword: 'tolerate', yamlKey: 'tolerate', value: 'flag', syntax: 'tolerate region-failure', doc: 'The units outside any one region still add up to the amount.' },
  // product
  { block: 'product', keyword: 'traffic', yamlKey: 'traffic', value: 'block', syntax: 'traffic { us-east = 60%  us-west = 40% }', doc: 'Shares of the product\'s total traffic per client location; they add up to 100%.' },
  { block: 'product', keyword: 'demand', yamlKey: 'demand', value: 'block', syntax: 'demand { us-east = 300 }', doc: 'Absolute units of traffic per client location (instead of traffic shares).' },
  { block: 'product', keyword: 'total', yamlKey: 'total', value: 'count', syntax: 'total = 1000', doc: 'Units of traffic the traffic shares divide (default 100).' },
  { block: 'product', keyword: 'latency', yamlKey: 'latency', value: 'latency', syntax: 'latency < 70ms', doc: 'RTT threshold between a client location and the region serving its traffic.' },
  { block: 'product', keyword: 'avoid', yamlKey: 'avoid', value: 'names', syntax: 'avoid [ap-south]', doc: 'Regions never to serve the product\'s traffic.' },
  { block: 'product', keyword: 'tolerate', yamlKey: 'tolerate', value: 'flag', syntax: 'tolerate region-failure', doc: 'The traffic can be re-routed when any single region is lost.' },
  // backends: their keys are declared per kind in lang/backend-kinds.ts
  ...backendProperties(),
  // planner
  { block: 'planner', keyword: 'cost', yamlKey: 'weights.cost', value: 'count', syntax: 'cost = 1', doc: 'Weight of hardware cost in the objective.' },
  { block: 'planner', keyword: 'churn', yamlKey: 'weights.churn', value: 'count', syntax: 'churn = 0.1', doc: 'Weight of replicas added or removed against the current state.' },
  { block: 'planner', keyword: 'balance', yamlKey: 'weights.balance', value: 'count', syntax: 'balance = 0.01', doc: 'Weight of spreading free capacity in proportion to region size.' },
  { block: 'planner', keyword: 'distance', yamlKey: 'weights.distance', value: 'count', syntax: 'distance = 0.001', doc: 'Weight of preferring nearer serving regions.' },
  { block: 'planner', keyword: 'service_balance', yamlKey: 'weights.service_balance', value: 'count', syntax: 'service_balance = 0', doc: 'Weight of spreading each service like the regions\' supply.' },
  { block: 'planner', keyword: 'time_limit', yamlKey: 'time_limit', value: 'duration', syntax: 'time_limit = 60s', doc: 'Time limit of the solver (per block for a large fleet).' },
  { block: 'planner', keyword: 'gap', yamlKey: 'gap', value: 'percent', syntax: 'gap = 0.1%', doc: 'Relative optimality gap at which the solver stops (default 0.01%; 0.5% per block).' },
];

/** What applies when the statement is not written, in words: `0`, `100%`, `none`, `unlimited`. */
export function defaultOf(p: Property): string | undefined {
  const s = p.setting;
  if (!s) return p.default;
  if (s.kind === 'names' || s.default === undefined) return s.absent ?? 'none';
  return s.kind === 'integer' ? plainDecimal(s.default) : formatQuantity(s.default, s.kind);
}

/** The doc line the editor shows: a setting's doc with its default. */
export function docLine(p: Property): string {
  return p.setting ? `${p.doc.replace(/\.$/, '')} (default ${defaultOf(p)}).` : p.doc;
}

/** The statements allowed in a block, in the table's order. */
export function propertiesOf(block: BlockKind): Property[] {
  return PROPERTIES.filter((p) => p.block === block);
}

/** The property `keyword` in `block`, or (block unknown) the first property of that name. */
export function findProperty(keyword: string, block?: BlockKind): Property | undefined {
  return PROPERTIES.find((p) => p.keyword === keyword && (block === undefined || p.block === block)) ?? PROPERTIES.find((p) => p.keyword === keyword);
}

/** Units of each kind of quantity, the first the usual one. */
export const UNITS_OF: Record<QuantityKind, readonly string[]> = {
  latency: ['ms', 's'],
  duration: ['s', 'ms'],
  rate: ['rps'],
  percent: ['%'],
};
