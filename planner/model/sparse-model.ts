/**
 * A growing sparse MIP: columns with bounds, costs and integrality, rows
 * built from (column, coefficient) pairs, packed into the CSR arrays HiGHS
 * takes. Columns are only numbered here; what a column means is kept by the
 * caller's index maps, so no per-variable name string sits on the hot path.
 */
export class SparseModel {
  private colLower: number[] = [];
  private colUpper: number[] = [];
  private integer: number[] = [];
  private rowLower: number[] = [];
  private rowUpper: number[] = [];
  private starts: number[] = [0];
  private indices: number[] = [];
  private values: number[] = [];
  /** Objective stages: name → sparse coefficients (column → coefficient). */
  readonly objectives = new Map<string, Map<number, number>>();

  get numCols(): number {
    return this.colLower.length;
  }

  get numRows(): number {
    return this.rowLower.length;
  }

  addCol(lower: number, upper: number, integer = false): number {
    this.colLower.push(lower);
    this.colUpper.push(upper);
    this.integer.push(integer ? 1 : 0);
    return this.colLower.length - 1;
  }

  lower(col: number): number {
    return this.colLower[col];
  }

  upper(col: number): number {
    return this.colUpper[col];
  }

  /** Add a row `lower ≤ Σ coef·x ≤ upper`; duplicate columns in one row are summed. */
  addRow(lower: number, upper: number, cols: number[], coefs: number[]): number {
    const merged = new Map<number, number>();
    for (let i = 0; i < cols.length; i++) merged.set(cols[i], (merged.get(cols[i]) ?? 0) + coefs[i]);
    for (const [c, v] of [...merged].sort((a, b) => a[0] - b[0])) {
      if (v === 0) continue;
      this.indices.push(c);
      this.values.push(v);
    }
    this.starts.push(this.indices.length);
    this.rowLower.push(lower);
    this.rowUpper.push(upper);
    return this.rowLower.length - 1;
  }

  addObjective(stage: string, col: number, coef: number): void {
    if (coef === 0) return;
    let o = this.objectives.get(stage);
    if (!o) this.objectives.set(stage, (o = new Map()));
    o.set(col, (o.get(col) ?? 0) + coef);
  }

  objectiveVector(stage: string): Float64Array {
    const v = new Float64Array(this.numCols);
    for (const [c, x] of this.objectives.get(stage) ?? []) v[c] = x;
    return v;
  }

  /** The model as plain transferable arrays (what the solver worker receives). */
  pack(): PackedModel {
    return {
      numCols: this.numCols,
      numRows: this.numRows,
      colLower: Float64Array.from(this.colLower),
      colUpper: Float64Array.from(this.colUpper),
      integrality: Int32Array.from(this.integer),
      rowLower: Float64Array.from(this.rowLower),
      rowUpper: Float64Array.from(this.rowUpper),
      starts: Int32Array.from(this.starts),
      indices: Int32Array.from(this.indices),
      values: Float64Array.from(this.values),
    };
  }

  get nonzeros(): number {
    return this.indices.length;
  }

  get integers(): number {
    return this.integer.reduce((a, b) => a + b, 0);
  }
}

export interface PackedModel {
  numCols: number;
  numRows: number;
  colLower: Float64Array;
  colUpper: Float64Array;
  integrality: Int32Array;
  rowLower: Float64Array;
  rowUpper: Float64Array;
  /** CSR: row i occupies starts[i]..starts[i+1] of indices/values. */
  starts: Int32Array;
  indices: Int32Array;
  values: Float64Array;
}
