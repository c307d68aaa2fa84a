/**
 * ajv's errors, said the way a user reads them: "demand needs a unit: write
 * `200rps`", "unknown property `priorty` (did you mean `priority`?)" — not
 * "must match pattern ^[0-9]+...". One diagnostic per offending place.
 */
import type { ErrorObject } from 'ajv';
import { BACKEND_NAMES } from '../backend-kinds.js';
import { error, type Diagnostic, type DiagnosticCode } from '../diagnostics.js';
import { didYouMean } from '../suggest.js';
import { looksLikeQuantity, parseQuantity, plainDecimal, quantityForm, type QuantityKind } from '../units.js';
import type { YamlPositions } from './positions.js';

const KIND_BY_DEF: Record<string, QuantityKind> = {
  rate: 'rate',
  latency: 'latency',
  duration: 'duration',
  percent: 'percent',
};

export function schemaDiagnostics(errors: ErrorObject[], data: unknown, positions: YamlPositions): Diagnostic[] {
  const byPlace = new Map<string, Diagnostic>();
  for (const e of relevant(errors, data)) {
    const d = describe(e, data, positions);
    if (!d) continue;
    const key = `${d.span.start.line}:${d.span.start.col}`;
    // Keep the first, most specific message per place.
    if (!byPlace.has(key)) byPlace.set(key, d);
  }
  return [...byPlace.values()];
}

/** Drop the noise of `oneOf` (backend kinds) and `anyOf` (latency forms): keep what applies. */
function relevant(errors: ErrorObject[], data: unknown): ErrorObject[] {
  const backendKind = (data as { backend?: { kind?: unknown } } | null)?.backend?.kind;
  // The schema's `oneOf` lists the kinds in the declaration's order (test/lang/backend-kinds.test.ts).
  const kindIndex = (BACKEND_NAMES as readonly string[]).indexOf(String(backendKind));
  return errors.filter((e) => {
    // With $ref, ajv's schemaPath is relative to the definition: `#/oneOf/1/required`.
    const m = e.instancePath.startsWith('/backend') ? /oneOf\/(\d+)\//.exec(e.schemaPath) : null;
    if (m) return kindIndex >= 0 && Number(m[1]) === kindIndex && !(e.keyword === 'const' && e.instancePath.endsWith('/kind'));
    if (e.keyword === 'oneOf' && e.instancePath === '/backend') return kindIndex < 0;
    if (e.schemaPath.includes('/anyOf/')) return false; // the anyOf error itself explains it
    return true;
  });
}

function segments(instancePath: string): string[] {
  return instancePath
    .split('/')
    .slice(1)
    .map((s) => s.replace(/~1/g, '/').replace(/~0/g, '~'));
}

function valueAt(data: unknown, path: string[]): unknown {
  let v = data;
  for (const s of path) v = (v as Record<string, unknown> | undefined)?.[s];
  return v;
}

function quantityKind(e: ErrorObject): QuantityKind | undefined {
  const m = /#\/definitions\/(\w+)/.exec(e.schemaPath);
  return m ? KIND_BY_DEF[m[1]] : undefined;
}

function describe(e: ErrorObject, data: unknown, positions: YamlPositions): Diagnostic | undefined {
  const path = segments(e.instancePath);
  const where = path.length > 0 ? `\`${path.join('.')}\`` : 'the file';
  const at = (code: DiagnosticCode, message: string, keyOf?: string) =>
    error(code, message, keyOf !== undefined ? positions.keySpan([...path, keyOf]) : positions.valueSpan(path));

  switch (e.keyword) {
    case 'additionalProperties': {
      const extra = String(e.params.additionalProperty);
      const known = Object.keys((e.parentSchema as { properties?: Record<string, unknown> })?.properties ?? {});
      return at('schema', `unknown property \`${extra}\` in ${where}${didYouMean(extra, known)}; expected one of: ${known.join(', ')}`, extra);
    }
    case 'propertyNames':
      return undefined; // reported by the `pattern` error on the name itself
    case 'pattern': {
      if (e.propertyName !== undefined) {
        return at('invalid-name', `\`${e.propertyName}\` is not a valid name: use lower case letters, digits and single dashes, starting with a letter`, e.propertyName);
      }
      const kind = quantityKind(e) ?? anyOfKind(e);
      const value = valueAt(data, path);
      if (kind) return quantityDiagnostic(kind, value, where, at);
      return at('schema', `${where}: \`${String(value)}\` is not valid here`);
    }
    case 'type': {
      const value = valueAt(data, path);
      const kind = quantityKind(e);
      if (kind) return quantityDiagnostic(kind, value, where, at);
      if (e.params.type === 'integer' && typeof value === 'number') return at('not-integer', `${where} must be a whole number, found ${value}`);
      return at('schema', `${where} must be ${article(String(e.params.type))}, found ${describeValue(value)}`);
    }
    case 'required':
      return at('schema', `${where} is missing \`${String(e.params.missingProperty)}\``);
    case 'enum':
    case 'const': {
      const allowed = e.keyword === 'enum' ? (e.params.allowedValues as unknown[]) : [e.params.allowedValue];
      return at('schema', `${where} must be one of ${allowed.map((a) => `\`${String(a)}\``).join(', ')}, found ${describeValue(valueAt(data, path))}`);
    }
    case 'anyOf':
      // Only latencies are `anyOf` (a duration or a tier).
      return quantityDiagnostic('latency', valueAt(data, path), where, at);
    case 'oneOf':
      return at('schema', `${where}: \`kind\` must be one of ${BACKEND_NAMES.map((n) => `\`${n}\``).join(', ')}`);
    case 'minimum':
      return at('invalid-value', `${where} must be at least ${String(e.params.limit)}, found ${describeValue(valueAt(data, path))}`);
    case 'maximum':
      return at('invalid-value', `${where} is at most ${String(e.params.limit)}, found ${describeValue(valueAt(data, path))}`);
    case 'minProperties':
      return at('empty-resource-table', `${where} must not be empty`);
    case 'minItems':
      return at('invalid-value', `${where} must not be empty`);
    case 'uniqueItems':
      return at('duplicate', `${where} lists the same item twice`);
    default:
      return at('schema', `${where} ${e.message ?? 'is not valid'}`);
  }
}

/**
 * A quantity that failed the schema. Written like one (`120`, `5min`,
 * `1e30rps`): parseQuantity says exactly what is wrong (the unit, the
 * bound). Anything else (a list, `fast`): what a quantity looks like, the
 * sentence the schema's `errorMessage` gives an editor.
 */
function quantityDiagnostic(kind: QuantityKind, value: unknown, where: string, at: (code: DiagnosticCode, message: string) => Diagnostic): Diagnostic {
  const text = typeof value === 'number' ? plainDecimal(value) : String(value);
  if ((typeof value === 'string' || typeof value === 'number') && looksLikeQuantity(text)) {
    const r = parseQuantity(text, kind);
    if (!r.ok) return at(r.code, `${where}: ${r.message}`);
  }
  return at('invalid-value', `${where}: ${quantityForm(kind)}, found ${describeValue(value)}`);
}

/** Latency values are `anyOf` a duration or a tier; their pattern error sits under the anyOf. */
function anyOfKind(e: ErrorObject): QuantityKind | undefined {
  return e.schemaPath.includes('latency') ? 'latency' : undefined;
}

function article(type: string): string {
  return /^[aeiou]/.test(type) ? `an ${type}` : `a ${type}`;
}

function describeValue(v: unknown): string {
  if (v === null || v === undefined) return 'nothing';
  if (typeof v === 'object') return Array.isArray(v) ? 'a list' : 'a mapping';
  return `\`${String(v)}\``;
}
