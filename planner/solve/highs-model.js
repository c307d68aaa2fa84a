// A packed model (planner/model/sparse-model.ts, PackedModel) handed to HiGHS: the planner's solver
// worker and the benchmark's monolithic baseline build their HiGHS models with this one function.
// Plain JavaScript, like the workers that import it (the same file runs from the sources and dist/).

/** Bounds at or beyond this magnitude (the planner's INF, or ±Infinity) are HiGHS's own infinity. */
const INF = 1e30;

/** `highs.createModel` of a packed model; column costs default to 0 (the staged solver sets them per stage). */
export function createHighsModel(highs, model, colCost = new Float64Array(model.numCols)) {
  const inf = (x) => (x >= INF ? highs.infinity : x <= -INF ? -highs.infinity : x);
  return highs.createModel({
    numCols: model.numCols,
    numRows: model.numRows,
    colCost,
    colLower: model.colLower.map(inf),
    colUpper: model.colUpper.map(inf),
    rowLower: model.rowLower.map(inf),
    rowUpper: model.rowUpper.map(inf),
    matrix: { format: 'csr', numRows: model.numRows, numCols: model.numCols, starts: model.starts, indices: model.indices, values: model.values },
    integrality: model.integrality,
  });
}
