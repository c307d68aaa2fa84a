/**
 * Solve requests and outcomes as JSON for the job queue (PostgreSQL jsonb),
 * exactly: typed arrays travel as their bytes (deflated, base64), and the
 * numbers JSON cannot hold (±Infinity, NaN, −0) as strings. A plan solved on
 * another machine is then byte-identical to one solved here.
 */
import { deflateRawSync, inflateRawSync } from 'node:zlib';
import type { PackedModel } from '../model/sparse-model.js';
import type { SolveOutcome, SolveStage } from '../solve/solve.js';

/** One solve, as a worker needs it: the model, its stages and the options that change the answer. */
export interface SolveRequest {
  model: PackedModel;
  stages: SolveStage[];
  start?: { indices: Int32Array; values: Float64Array };
  timeLimitSeconds: number;
  gapLimit: number;
  absGapLimit?: number;
  lpBound?: boolean;
}

type Wire = null | boolean | string | number | Wire[] | { [k: string]: Wire };

const ARRAYS = { f64: Float64Array, i32: Int32Array } as const;

export function toWire(value: unknown): Wire {
  if (value === undefined) return null;
  if (typeof value === 'number') return Number.isFinite(value) && !Object.is(value, -0) ? value : { $n: Object.is(value, -0) ? '-0' : String(value) };
  if (value === null || typeof value === 'boolean' || typeof value === 'string') return value;
  if (value instanceof Float64Array || value instanceof Int32Array) {
    const bytes = Buffer.from(value.buffer, value.byteOffset, value.byteLength);
    return { [value instanceof Float64Array ? '$f64' : '$i32']: deflateRawSync(bytes, { level: 1 }).toString('base64') };
  }
  if (Array.isArray(value)) return value.map(toWire);
  if (typeof value === 'object') {
    const out: Record<string, Wire> = {};
    for (const [k, v] of Object.entries(value)) if (v !== undefined && typeof v !== 'function') out[k] = toWire(v);
    return out;
  }
  throw new Error(`cannot send a ${typeof value} to a solver worker`);
}

export function fromWire(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(fromWire);
  if (value === null || typeof value !== 'object') return value;
  const o = value as Record<string, unknown>;
  if (typeof o.$n === 'string') return o.$n === '-0' ? -0 : Number(o.$n);
  for (const [tag, Ctor] of Object.entries(ARRAYS)) {
    const data = o[`$${tag}`];
    // A copy into a fresh buffer: the inflated bytes may sit at an offset the typed array cannot use.
    if (typeof data === 'string') return new Ctor(new Uint8Array(inflateRawSync(Buffer.from(data, 'base64'))).buffer);
  }
  const out: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(o)) out[k] = fromWire(v);
  return out;
}

export const requestToWire = (r: SolveRequest): Wire => toWire(r);
export const requestFromWire = (w: unknown): SolveRequest => fromWire(w) as SolveRequest;
export const outcomeToWire = (o: SolveOutcome): Wire => toWire(o);
export const outcomeFromWire = (w: unknown): SolveOutcome => fromWire(w) as SolveOutcome;
