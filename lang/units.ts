/**
 * Quantities with units, shared by the DSL and the YAML loader. A quantity's
 * unit is part of its value: a missing or wrong unit is an error, never a
 * guess. Canonical units in the Spec: ms, rps, fractions.
 *
 * Values are computed by moving the decimal point in the text, never by
 * multiplying a parsed double: `1.005s` is exactly 1005 ms (1.005 * 1000 is
 * 1004.9999999999999) and `0.07%` the double nearest 0.0007. formatQuantity
 * is the exact inverse: parseQuantity(formatQuantity(v, k), k) gives v back.
 */
import { LATENCY_TIERS, type LatencyTier } from './spec.js';

export type QuantityKind = 'latency' | 'duration' | 'rate' | 'percent';

export type QuantityResult =
  | { ok: true; value: number }
  | { ok: false; code: 'missing-unit' | 'wrong-unit' | 'invalid-value'; message: string };

/**
 * Units of each kind, as the power of ten that takes them to the canonical
 * unit (`s` → ms: 3, `%` → fraction: -2); the first is the one suggested.
 * A Map, so that `constructor` or `toString` are not units.
 */
const UNITS: Record<QuantityKind, ReadonlyMap<string, number>> = {
  latency: new Map([
    ['ms', 0],
    ['s', 3],
  ]),
  duration: new Map([
    ['ms', 0],
    ['s', 3],
  ]),
  rate: new Map([['rps', 0]]),
  percent: new Map([['%', -2]]),
};

const EXAMPLE: Record<QuantityKind, string> = { latency: '70ms', duration: '30s', rate: '200rps', percent: '80%' };
const WHAT: Record<QuantityKind, string> = {
  latency: 'a latency',
  duration: 'a duration',
  rate: 'a request rate',
  percent: 'a percentage',
};

/**
 * The largest value of each kind, in canonical units (ms, rps, fraction).
 * Far above any real fleet, far below where doubles or the solver's
 * tolerances stop meaning what was written: a value past its bound is a typo
 * or an attack, refused with the bound in the message (docs/language.md).
 */
export const QUANTITY_MAX: Record<QuantityKind, number> = {
  latency: 60_000, // one minute
  duration: 86_400_000, // one day
  rate: 1_000_000_000, // a billion requests per second
  percent: 1, // 100%
};

/** The largest plain number (a count, a cost, a capacity per unit): a billion. */
export const NUMBER_MAX = 1_000_000_000;

/**
 * An optional exponent is matched only to explain it: quantities are written
 * without one. A unit may not itself start like an exponent (`1e5` has none).
 */
const QUANTITY = /^([0-9]+(?:\.[0-9]+)?)(?:[eE]([+-]?[0-9]+))?([a-zA-Z%]*)$/;

/**
 * What a quantity of each kind looks like in YAML, where it is a string: the
 * message for a value of the wrong type or form. schemas/spec.schema.json
 * carries the same sentences as `errorMessage` / `patternErrorMessage`, so an
 * editor (yaml-language-server) says what `globe validate` says (tested).
 */
export function quantityForm(kind: QuantityKind): string {
  const units = [...UNITS[kind].keys()];
  const unit = units.length === 1 ? 'its unit' : `its unit (${units.map((u) => `\`${u}\``).join(' or ')})`;
  const tiers = kind === 'latency' ? `, or a tier: ${Object.keys(LATENCY_TIERS).map((t) => `\`${t}\``).join(', ')}` : '';
  return `${WHAT[kind]} is a string with ${unit}, e.g. \`${FORM_EXAMPLE[kind]}\`${tiers}`;
}

const FORM_EXAMPLE: Record<QuantityKind, string> = { latency: '70ms', duration: '30s', rate: '120rps', percent: '80%' };

/** Whether `text` is written like a quantity (digits and letters), whatever its unit or size: then parseQuantity's message is the specific one. */
export function looksLikeQuantity(text: string): boolean {
  return QUANTITY.test(text.trim());
}

/** Whether `text` names a latency tier (own keys only: `constructor` is not a tier). */
export function isLatencyTier(text: string): text is LatencyTier {
  return Object.hasOwn(LATENCY_TIERS, text);
}

/** Parse `70ms`, `0.2s`, `200rps`, `80%`, or a tier name for latencies. */
export function parseQuantity(text: string, kind: QuantityKind): QuantityResult {
  return parseScaled(text, kind, 0);
}

/** Parse a duration into seconds (the planner's time limit), exactly: `1.005s` → 1.005, `1500ms` → 1.5. */
export function parseSeconds(text: string): QuantityResult {
  return parseScaled(text, 'duration', -3);
}

function parseScaled(text: string, kind: QuantityKind, shift: number): QuantityResult {
  const trimmed = text.trim();
  if (kind === 'latency' && isLatencyTier(trimmed)) return { ok: true, value: LATENCY_TIERS[trimmed] };
  const m = QUANTITY.exec(trimmed);
  if (!m) {
    const tiers = kind === 'latency' ? ` or a tier (${Object.keys(LATENCY_TIERS).join(', ')})` : '';
    return { ok: false, code: 'invalid-value', message: `expected ${WHAT[kind]} such as \`${EXAMPLE[kind]}\`${tiers}, found \`${trimmed}\`` };
  }
  const [, digits, exponentText, unit] = m;
  if (unit === '') {
    return { ok: false, code: 'missing-unit', message: `${WHAT[kind]} needs a unit: write \`${digits}${unitOf(kind)}\`` };
  }
  const exponent = UNITS[kind].get(unit);
  if (exponent === undefined) {
    const allowed = [...UNITS[kind].keys()].map((u) => `\`${u}\``).join(' or ');
    return { ok: false, code: 'wrong-unit', message: `\`${unit}\` is not a unit of ${WHAT[kind]}: use ${allowed}` };
  }
  // A huge written exponent is not expanded into as many digits: anything past 10^12 is out of bounds anyway.
  const written = exponentText === undefined ? 0 : Math.max(-99, Math.min(12, Number(exponentText)));
  const canonical = Number(shiftDecimal(digits, written + exponent));
  if (!(canonical <= QUANTITY_MAX[kind])) {
    return { ok: false, code: 'invalid-value', message: `\`${trimmed}\` is more than ${WHAT[kind]} can be: at most ${formatQuantity(QUANTITY_MAX[kind], kind)}` };
  }
  if (exponentText !== undefined) {
    return { ok: false, code: 'invalid-value', message: `\`${trimmed}\` has an exponent: write it out, \`${shiftDecimal(digits, written)}${unit}\`` };
  }
  return { ok: true, value: Number(shiftDecimal(digits, exponent + shift)) };
}


function unitOf(kind: QuantityKind): string {
  return [...UNITS[kind].keys()][0];
}

/** Exact inverse of parseQuantity for canonical values: 0.8 → `80%`, 70 → `70ms`, 200 → `200rps`, 30000 (duration) → `30s`. */
export function formatQuantity(value: number, kind: QuantityKind): string {
  switch (kind) {
    case 'latency':
      return `${plainDecimal(value)}ms`;
    case 'duration':
      // Whole seconds read better (`30s`); anything else stays exact in ms.
      return Number.isInteger(value) && value >= 1000 && value % 1000 === 0 ? `${shiftDecimal(plainDecimal(value), -3)}s` : `${plainDecimal(value)}ms`;
    case 'rate':
      return `${plainDecimal(value)}rps`;
    case 'percent':
      // The shortest decimal of the fraction with its point moved: 0.8 → `80` (0.8 * 100 is 80.00000000000001).
      return `${shiftDecimal(plainDecimal(value), 2)}%`;
  }
}

/** Exact inverse of parseSeconds: 1.005 → `1.005s`. */
export function formatSeconds(seconds: number): string {
  return `${plainDecimal(seconds)}s`;
}

/**
 * A plain non-negative decimal times 10^exponent, computed on the digits:
 * (`1.005`, 3) → `1005`, (`80`, -2) → `0.8`. Leading and trailing zeros are
 * dropped so the result is the canonical spelling.
 */
export function shiftDecimal(decimal: string, exponent: number): string {
  const [whole, fraction = ''] = decimal.split('.');
  const digits = whole + fraction;
  const point = whole.length + exponent;
  const padded = point <= 0 ? '0'.repeat(1 - point) + digits : point > digits.length ? digits + '0'.repeat(point - digits.length) : digits;
  const at = Math.max(point, 1);
  const intPart = padded.slice(0, at).replace(/^0+(?=\d)/, '');
  const fracPart = padded.slice(at).replace(/0+$/, '');
  return fracPart ? `${intPart}.${fracPart}` : intPart;
}

/**
 * The shortest decimal that reads back as exactly `x` (what String(x)
 * gives), written without an exponent because quantities have none:
 * 1e-7 → `0.0000001`, 1e21 → `1000000000000000000000`.
 */
export function plainDecimal(x: number): string {
  const s = String(x);
  const m = /^(-?)(\d)(?:\.(\d+))?e([+-]\d+)$/.exec(s);
  if (!m) return s;
  const [, sign, lead, rest = '', exp] = m;
  const digits = lead + rest;
  const point = 1 + Number(exp);
  if (point <= 0) return `${sign}0.${'0'.repeat(-point)}${digits}`;
  if (point >= digits.length) return `${sign}${digits}${'0'.repeat(point - digits.length)}`;
  return `${sign}${digits.slice(0, point)}.${digits.slice(point)}`;
}
