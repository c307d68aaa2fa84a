/**
 * Read-only views of the Spec and the current Deployment that the model
 * builder, the extraction and the explanations share: sorted names, RTTs,
 * where a tenant may run, what is deployed now.
 */
import { DEFAULT_SELF_RTT_MS, tenantId, type Spec, type Tenant, type TenantId } from '../../lang/spec.js';
import { replicaUnits, type Deployment } from '../../schemas/state.js';

export interface TenantEntry {
  id: TenantId;
  service: string;
  name: string;
  spec: Tenant;
  /** Regions the tenant may use (policy), sorted. */
  regions: string[];
  /** Resources of its table, sorted. */
  resources: string[];
}

export class World {
  readonly regions: string[];
  readonly resources: string[];
  readonly tenants: TenantEntry[];
  private readonly rtt = new Map<string, number>();

  constructor(
    readonly spec: Spec,
    readonly current: Deployment,
  ) {
    this.regions = Object.keys(spec.regions).sort();
    this.resources = Object.keys(spec.resources).sort();
    for (const p of spec.latency) {
      this.rtt.set(`${p.a}\u0000${p.b}`, p.ms);
      this.rtt.set(`${p.b}\u0000${p.a}`, p.ms);
    }
    this.tenants = [];
    for (const service of Object.keys(spec.services).sort()) {
      for (const name of Object.keys(spec.services[service].tenants).sort()) {
        const t = spec.services[service].tenants[name];
        const regions = this.regions.filter((r) => !t.avoid.includes(r) && (t.onlyIn.length === 0 || t.onlyIn.includes(r)));
        const resources = Object.keys(t.replicas).filter((k) => k in spec.resources).sort();
        this.tenants.push({ id: tenantId(service, name), service, name, spec: t, regions, resources });
      }
    }
  }

  latency(a: string, b: string): number {
    return this.rtt.get(`${a}\u0000${b}`) ?? (a === b ? DEFAULT_SELF_RTT_MS : Infinity);
  }

  supply(region: string, resource: string): number {
    return this.spec.regions[region]?.supply[resource] ?? 0;
  }

  currentReplicas(id: TenantId, region: string, resource: string): number {
    return this.current.tenants[id]?.replicas[region]?.[resource] ?? 0;
  }

  /** Current share of a product's traffic from `client` served in `region`. */
  currentShare(product: string, client: string, region: string): number {
    return this.current.products[product]?.[client]?.[region] ?? 0;
  }

  currentFollower(service: string, region: string, resource: string): number {
    return this.current.followers[service]?.[region]?.[resource] ?? 0;
  }

  currentReservation(name: string, region: string): number {
    return this.current.reservations[name]?.[region] ?? 0;
  }

  /** Units of (region, resource) used by the current deployment, including tenants no longer in the Spec. */
  currentUsage(region: string, resource: string): number {
    // Asked for every (region, resource) by each block's model and by the reasons: one pass over the fleet, kept.
    this.usage ??= this.usageByRegionResource();
    return this.usage.get(`${region}\u0000${resource}`) ?? 0;
  }

  private usage?: Map<string, number>;

  private usageByRegionResource(): Map<string, number> {
    const used = new Map<string, number>();
    const add = (region: string, resource: string, units: number) => {
      const key = `${region}\u0000${resource}`;
      used.set(key, (used.get(key) ?? 0) + units);
    };
    for (const [id, d] of Object.entries(this.current.tenants)) {
      for (const [region, byResource] of Object.entries(d.replicas)) {
        for (const [resource, n] of Object.entries(byResource)) {
          if (n !== 0) add(region, resource, n * this.unitsPerReplica(id as TenantId, resource, true));
        }
      }
    }
    for (const [g, byRegion] of Object.entries(this.current.reservations)) {
      const resource = this.spec.reservations[g]?.resource;
      if (resource !== undefined) for (const [region, units] of Object.entries(byRegion)) add(region, resource, units);
    }
    for (const byRegion of Object.values(this.current.followers)) {
      for (const [region, byResource] of Object.entries(byRegion)) {
        for (const [resource, units] of Object.entries(byResource)) add(region, resource, units);
      }
    }
    return used;
  }

  /**
   * Units one replica of a tenant takes on a resource: the Spec's, or for a tenant (or option)
   * the Spec no longer declares, what the State recorded — it keeps occupying that until it is
   * downsized. An old state that never recorded it counts 1 per replica with `removedFallback`
   * (0 without); the plan then warns that those figures are a guess (unknownUnits).
   */
  unitsPerReplica(id: TenantId, resource: string, removedFallback = false): number {
    return replicaUnits(this.spec, this.current, id, resource) ?? (removedFallback ? 1 : 0);
  }

  /** Tenants deployed now that the Spec no longer has. */
  removedTenants(): TenantId[] {
    const known = new Set(this.tenants.map((t) => t.id));
    return (Object.keys(this.current.tenants) as TenantId[]).filter((id) => !known.has(id)).sort();
  }
}
