// A stand-in for planner/solve/highs-worker.js that dies on a model without
// rows and answers every other model with zeros: the solver pool must fail the
// one job and carry on with a fresh worker.
import { parentPort } from 'node:worker_threads';

parentPort.on('message', (job) => {
  if (job.model.numRows === 0) process.exit(3);
  const colValue = new Float64Array(job.model.numCols);
  parentPort.postMessage({ type: 'result', id: job.id, ok: true, status: 'optimal', colValue, stages: [], lpBound: 0, seconds: 0 }, [colValue.buffer]);
});
