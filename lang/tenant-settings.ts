/**
 * The simple tenant properties (lang/properties.ts entries with a
 * `setting`), read and written generically: a new tenant's defaults, the
 * value an emitter writes and whether it writes one. Both lowerings and
 * both emitters go through here, so a setting is declared once.
 */
import { PROPERTIES, type SettingProperty, type TenantSetting } from './properties.js';
import type { Tenant } from './spec.js';
import { formatQuantity, plainDecimal } from './units.js';

/** The tenant settings in the table's order (the order the emitters write them). */
export const TENANT_SETTINGS: readonly SettingProperty[] = PROPERTIES.filter((p): p is SettingProperty => p.block === 'tenant' && p.setting !== undefined);

/** The setting written `keyword` in a tenant, if there is one. */
export function tenantSetting(keyword: string): SettingProperty | undefined {
  return TENANT_SETTINGS.find((p) => p.keyword === keyword);
}

/** A tenant with nothing written yet: no demand, no options, every setting at its default. */
export function newTenant(): Tenant {
  // The settings' defaults (priority, targetUtilization, avoid, onlyIn) come from the table, not from here.
  const t = { demand: {}, latency: {}, replicas: {}, tolerateRegionFailure: false } as unknown as Tenant;
  for (const { setting } of TENANT_SETTINGS) {
    if (setting.kind === 'names') t[setting.field] = [];
    else if (setting.default !== undefined) t[setting.field] = setting.default;
  }
  return t;
}

/** Store a setting's value. */
export function setSetting(t: Tenant, setting: TenantSetting, value: number | string[]): void {
  if (setting.kind === 'names') t[setting.field] = value as string[];
  else t[setting.field] = value as number;
}

/**
 * The setting's value as a source spelling would show it, or undefined when
 * it is at its default (an emitter then leaves the statement out):
 * a number for integers, a quantity text, or a list of names.
 */
export function writtenValue(t: Tenant, setting: TenantSetting): number | string | string[] | undefined {
  if (setting.kind === 'names') return t[setting.field].length > 0 ? [...t[setting.field]] : undefined;
  const v = t[setting.field];
  if (v === undefined || v === setting.default) return undefined;
  return setting.kind === 'integer' ? v : formatQuantity(v, setting.kind);
}

/** The setting as a DSL statement, or undefined at its default. */
export function settingStatement(p: SettingProperty, t: Tenant): string | undefined {
  const v = writtenValue(t, p.setting);
  if (v === undefined) return undefined;
  if (Array.isArray(v)) return `${p.keyword} [${v.join(', ')}]`;
  return `${p.keyword} = ${typeof v === 'number' ? plainDecimal(v) : v}`;
}
