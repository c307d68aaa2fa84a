/**
 * Building blocks for the documents' declarations: lang/spec-document.schema.ts and
 * schemas/{state,placement,plan,journal,diagnostic,simulate}.schema.ts. They live in lang/
 * because the Spec is the language's, and lang/ imports nothing of globe's. Each document is
 * declared once with TypeBox: the declaration IS its JSON Schema (`npm run schemas` writes it
 * to `schemas/*.schema.json`, which ajv compiles) and `Static<typeof X>` is its TypeScript type.
 *
 * The helpers below say what TypeBox's own builders would say differently, so that the
 * published schemas keep their meaning (and ajv its error keywords, which the state validator
 * turns into messages): maps by name are `propertyNames` + `additionalProperties` (TypeBox's
 * `Record` writes `patternProperties`, which lets any other key through), a constant is a bare
 * `const` (`Type.Literal` adds a `type`, which would make a wrong version a type error instead of
 * an unsupported version), and a union of records is a `oneOf`.
 */
import { Type, type Static, type TObjectOptions, type TProperties, type TSchema, type TSchemaOptions, type TUnion, type TUnsafe } from 'typebox';

/** What the JSON Schema files declare themselves as. */
export const DRAFT_07 = 'http://json-schema.org/draft-07/schema#';

/** The `$id` of a published schema file. */
export const schemaId = (file: string) => `https://globe.dev/schemas/${file}`;

/** A region, resource, class, client location, product, … name (lang/ checks the same form). */
export const NAME_PATTERN = '^[a-z][a-z0-9]*(-[a-z0-9]+)*$';
/** A tenant id: `service/tenant`. */
export const TENANT_ID_PATTERN = '^[a-z][a-z0-9]*(-[a-z0-9]+)*/[a-z][a-z0-9]*(-[a-z0-9]+)*$';

/** An object that admits exactly the listed properties. */
export function Closed<P extends TProperties>(properties: P, options: TObjectOptions = {}) {
  return Type.Object(properties, { additionalProperties: false, ...options });
}

/** An object keyed by names (`^[a-z]…`), every value a `value`. */
export function ByName<V extends TSchema>(value: V, options: TSchemaOptions = {}): TUnsafe<Record<string, Static<V>>> {
  return Type.Unsafe<Record<string, Static<V>>>({ type: 'object', propertyNames: { pattern: NAME_PATTERN }, additionalProperties: value, ...options });
}

/**
 * An object keyed by tenant ids (`service/tenant`, lang/spec.ts's `TenantId`, which imports this
 * file; typed as `K` where code indexes it by any string), every value a `value`.
 */
export function ByTenant<V extends TSchema, K extends string = `${string}/${string}`>(value: V, options: TSchemaOptions = {}): TUnsafe<Record<K, Static<V>>> {
  return Type.Unsafe<Record<K, Static<V>>>({ type: 'object', propertyNames: { pattern: TENANT_ID_PATTERN }, additionalProperties: value, ...options });
}

/** An object whose keys the schema does not check (typed as `K`), every value a `value`. */
export function ByKey<V extends TSchema, K extends string = string>(value: V, options: TSchemaOptions = {}): TUnsafe<Record<K, Static<V>>> {
  return Type.Unsafe<Record<K, Static<V>>>({ type: 'object', ...options, additionalProperties: value });
}

/** An object whose keys are each a `key` (a string schema, often a `Ref`), every value a `value`. */
export function KeyedBy<K extends TSchema, V extends TSchema>(key: K, value: V, options: TSchemaOptions = {}): TUnsafe<Record<Static<K> & string, Static<V>>> {
  return Type.Unsafe<Record<Static<K> & string, Static<V>>>({ ...options, type: 'object', propertyNames: key, additionalProperties: value });
}

/** Exactly this value. */
export function Const<V extends string | number | boolean>(value: V, options: TSchemaOptions = {}): TUnsafe<V> {
  return Type.Unsafe<V>({ const: value, ...options });
}

/** Exactly one of these (records told apart by a `const` member, so one and only one ever matches). */
export function OneOf<T extends TSchema[]>(schemas: [...T], options: TSchemaOptions = {}): TUnsafe<Static<TUnion<T>>> {
  return Type.Unsafe<Static<TUnion<T>>>({ ...options, oneOf: schemas });
}

/**
 * A reference to `target` where it is published (`uri`, relative to the referring file's
 * `$id`): typed as the target, written as a `$ref`. A validator must be given the target's
 * document (`ajv.addSchema`).
 */
export function Ref<T extends TSchema>(target: T, uri: string, options: TSchemaOptions = {}): TUnsafe<Static<T>> {
  return Type.Unsafe<Static<T>>({ $ref: uri, ...options });
}

/** A string or null. */
export function NullableString(options: TSchemaOptions = {}): TUnsafe<string | null> {
  return Type.Unsafe<string | null>({ type: ['string', 'null'], ...options });
}
