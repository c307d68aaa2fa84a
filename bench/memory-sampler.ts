/**
 * Peak resident memory of the whole process (main thread, solver workers and
 * their WebAssembly heaps), sampled every 50 ms from a worker thread of its
 * own — so the samples keep coming while a synchronous stage (parsing,
 * building the plan) blocks the main thread's event loop.
 */
import { Worker } from 'node:worker_threads';

const SAMPLER = `
const { workerData } = require('node:worker_threads');
const peak = new BigInt64Array(workerData);
const sample = () => {
  const rss = BigInt(process.memoryUsage.rss());
  if (rss > Atomics.load(peak, 0)) Atomics.store(peak, 0, rss);
};
sample();
setInterval(sample, 50);
`;

export class MemorySampler {
  private readonly peak = new BigInt64Array(new SharedArrayBuffer(8));
  private readonly worker: Worker;

  constructor() {
    this.worker = new Worker(SAMPLER, { eval: true, workerData: this.peak.buffer });
    this.worker.unref();
  }

  /** Start a new measurement window at the current RSS. */
  reset(): void {
    Atomics.store(this.peak, 0, BigInt(process.memoryUsage.rss()));
  }

  /** Highest RSS since the last reset, in bytes. */
  peakBytes(): number {
    const now = process.memoryUsage.rss();
    return Math.max(now, Number(Atomics.load(this.peak, 0)));
  }

  async stop(): Promise<void> {
    await this.worker.terminate();
  }
}
