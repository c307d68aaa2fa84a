/**
 * A PostgreSQL for the queue benchmark: the one in GLOBE_BENCH_PG if set (its
 * URL is never printed), else a throwaway cluster on 127.0.0.1 (throwaway-postgres.ts).
 */
import { startCluster } from './throwaway-postgres.js';

export interface Database {
  url: string;
  stop(): void;
}

export async function benchDatabase(): Promise<Database> {
  const given = process.env.GLOBE_BENCH_PG;
  if (given) return { url: given, stop: () => undefined };
  return startCluster();
}
