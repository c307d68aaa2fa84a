/**
 * Quantities with units, shared by the DSL and the YAML loader. A quantity's
 * unit is part of its value: a missing or wrong unit is an error, never a
 * guess. Canonical units in the Spec: ms, rps, fractions.
 */
import { LATENCY_TIERS, type LatencyTier } from './spec.js';

export type QuantityKind = 'latency' | 'duration' | 'rate' | 'percent';

export type QuantityResult =
  | { ok: true; value: number }
  | { ok: false; code: 'missing-unit' | 'wrong-unit' | 'invalid-value'; message: string };

const UNITS: Record<QuantityKind, Record<string, number>> = {
  latency: { ms: 1, s: 1000 },
  duration: { ms: 1, s: 1000 },
  rate: { rps: 1 },
  percent: { '%': 0.01 },
};

const EXAMPLE: Record<QuantityKind, string> = { latency: '70ms', duration: '30s', rate: '200rps', percent: '80%' };
const WHAT: Record<QuantityKind, string> = {
  latency: 'a latency',
  duration: 'a duration',
  rate: 'a request rate',
  percent: 'a percentage',
};

const QUANTITY = /^([0-9]+(?:\.[0-9]+)?)([a-zA-Z%]*)$/;

/** Parse `70ms`, `0.2s`, `200rps`, `80%`, or a tier name for latencies. */
export function parseQuantity(text: string, kind: QuantityKind): QuantityResult {
  const trimmed = text.trim();
  if (kind === 'latency' && trimmed in LATENCY_TIERS) return { ok: true, value: LATENCY_TIERS[trimmed as LatencyTier] };
  const m = QUANTITY.exec(trimmed);
  if (!m) {
    const tiers = kind === 'latency' ? ` or a tier (${Object.keys(LATENCY_TIERS).join(', ')})` : '';
    return { ok: false, code: 'invalid-value', message: `expected ${WHAT[kind]} such as \`${EXAMPLE[kind]}\`${tiers}, found \`${trimmed}\`` };
  }
  const [, digits, unit] = m;
  if (unit === '') {
    return { ok: false, code: 'missing-unit', message: `${WHAT[kind]} needs a unit: write \`${digits}${unitOf(kind)}\`` };
  }
  const factor = UNITS[kind][unit];
  if (factor === undefined) {
    const allowed = Object.keys(UNITS[kind]).map((u) => `\`${u}\``).join(' or ');
    return { ok: false, code: 'wrong-unit', message: `\`${unit}\` is not a unit of ${WHAT[kind]}: use ${allowed}` };
  }
  const value = kind === 'percent' ? Number(digits) / 100 : Number(digits) * factor;
  return { ok: true, value };
}

function unitOf(kind: QuantityKind): string {
  return Object.keys(UNITS[kind])[0];
}

/** Inverse of parseQuantity for canonical values: 0.8 → `80%`, 70 → `70ms`, 200 → `200rps`. */
export function formatQuantity(value: number, kind: QuantityKind): string {
  switch (kind) {
    case 'latency':
      return `${trimFloat(value)}ms`;
    case 'duration':
      return value >= 1000 && value % 1000 === 0 ? `${value / 1000}s` : `${trimFloat(value)}ms`;
    case 'rate':
      return `${trimFloat(value)}rps`;
    case 'percent':
      return `${trimFloat(value * 100)}%`;
  }
}

/** Shortest decimal that reads back as the same number (kills 80.00000000000001). */
function trimFloat(x: number): string {
  for (let digits = 0; digits <= 12; digits++) {
    const s = x.toFixed(digits);
    if (Math.abs(Number(s) - x) <= Math.abs(x) * 1e-12) return String(Number(s));
  }
  return String(x);
}
