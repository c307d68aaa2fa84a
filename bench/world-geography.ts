/**
 * The geography of a synthetic world: regions scattered around a few
 * continental centres, each labelled with its nearest centre (its locality),
 * edge locations (client-only points of presence), and RTTs from great-circle
 * distance, so that latency tiers select realistic neighbourhoods: a zonal
 * (20 ms) neighbour is a few hundred kilometres away, a continental (70 ms) one
 * on the same continent, and only the global tier crosses oceans.
 */
import { sortLatency, type LatencyPair } from '../lang/spec.js';
import type { Random } from './random.js';

interface Centre {
  name: string;
  lat: number;
  lon: number;
  /** Relative share of the regions placed there. */
  share: number;
}

const CENTRES: Centre[] = [
  { name: 'na', lat: 39, lon: -95, share: 1.4 },
  { name: 'eu', lat: 50, lon: 8, share: 1.3 },
  { name: 'apac', lat: 22, lon: 112, share: 1.2 },
  { name: 'sa', lat: -18, lon: -52, share: 0.6 },
  { name: 'me', lat: 26, lon: 48, share: 0.5 },
  { name: 'oc', lat: -30, lon: 145, share: 0.4 },
  { name: 'af', lat: 2, lon: 22, share: 0.4 },
];

export interface Geography {
  /** Region names, sorted. */
  regions: string[];
  /** Locality of each region (same index). */
  locality: string[];
  /** Relative size of each region (lognormal): where demand and supply concentrate. */
  size: Float64Array;
  /** Edge location names, sorted: client locations where nothing is placed. */
  edges: string[];
  /** Regions, then edges: every client location. */
  locations: string[];
  /** RTT in ms between locations (index into `locations`), row-major; Infinity where no pair is declared. */
  rtt: Float64Array;
  /** The latency table of the Spec: every region pair and every edge–region pair. */
  latency: LatencyPair[];
  localities: string[];
}

export function generateGeography(rand: Random, regionCount: number, edgeCount: number): Geography {
  const centres = CENTRES.slice(0, regionCount < 2 ? 1 : Math.max(2, Math.min(CENTRES.length, Math.round(regionCount / 6))));
  const regionPoints = scatter(rand, centres, regionCount, 6, 12);
  const edgePoints = scatter(rand, centres, edgeCount, 9, 18);
  const regions = nameByLocality(regionPoints, '');
  const edges = nameByLocality(edgePoints, 'edge-');
  regions.sort((a, b) => (a.name < b.name ? -1 : 1));
  edges.sort((a, b) => (a.name < b.name ? -1 : 1));
  const all = [...regions, ...edges];
  const n = all.length;
  const rtt = new Float64Array(n * n).fill(Infinity);
  const latency: LatencyPair[] = [];
  for (let i = 0; i < n; i++) {
    rtt[i * n + i] = 1;
    for (let j = i + 1; j < n; j++) {
      if (i >= regions.length && j >= regions.length) continue; // edge ↔ edge: never a serving path
      const ms = rttMs(all[i], all[j]);
      rtt[i * n + j] = rtt[j * n + i] = ms;
      const [a, b] = all[i].name < all[j].name ? [all[i].name, all[j].name] : [all[j].name, all[i].name];
      latency.push({ a, b, ms });
    }
  }
  return {
    regions: regions.map((r) => r.name),
    locality: regions.map((r) => r.locality),
    size: Float64Array.from(regions.map(() => rand.lognormal(0, 0.6))),
    edges: edges.map((e) => e.name),
    locations: all.map((p) => p.name),
    rtt,
    latency: sortLatency(latency),
    localities: [...new Set(regions.map((r) => r.locality))].sort(),
  };
}

interface Point {
  lat: number;
  lon: number;
  locality: string;
  name: string;
}

/** `count` points around the centres (in proportion to their share), each labelled with its nearest centre. */
function scatter(rand: Random, centres: Centre[], count: number, latSigma: number, lonSigma: number): Point[] {
  const points: Point[] = [];
  for (let i = 0; i < count; i++) {
    // The first points go one to each centre, so every locality is present.
    const c = i < centres.length ? centres[i] : centres[rand.weighted(centres.map((x) => x.share))];
    const lat = Math.max(-55, Math.min(65, c.lat + rand.normal() * latSigma));
    const lon = ((c.lon + rand.normal() * lonSigma + 540) % 360) - 180;
    let nearest = centres[0];
    for (const x of centres) if (km({ lat, lon }, x) < km({ lat, lon }, nearest)) nearest = x;
    points.push({ lat, lon, locality: nearest.name, name: '' });
  }
  return points;
}

function nameByLocality(points: Point[], prefix: string): Point[] {
  const counters = new Map<string, number>();
  for (const p of points) {
    const i = (counters.get(p.locality) ?? 0) + 1;
    counters.set(p.locality, i);
    p.name = `${prefix}${p.locality}-${String(i).padStart(2, '0')}`;
  }
  return points;
}

function km(a: { lat: number; lon: number }, b: { lat: number; lon: number }): number {
  const rad = Math.PI / 180;
  const cos = Math.sin(a.lat * rad) * Math.sin(b.lat * rad) + Math.cos(a.lat * rad) * Math.cos(b.lat * rad) * Math.cos((a.lon - b.lon) * rad);
  return 6371 * Math.acos(Math.max(-1, Math.min(1, cos)));
}

/**
 * Light in fibre covers ~100 km of round trip per millisecond; real paths are
 * ~40% longer than the great circle. 1 ms is the floor (a location to itself).
 */
function rttMs(a: Point, b: Point): number {
  return Math.max(1, Math.round(1 + (km(a, b) * 1.4) / 100));
}
