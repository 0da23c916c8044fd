/**
 * The lexical translation table t(f | e) that IBM Model 1, Model 2 and fast_align share: compressed
 * sparse rows over the co-occurring (source form, target form) pairs, row 0 the NULL word, stored as
 * float32 (what a serialised model holds, so a reloaded model aligns exactly alike); a pair never seen
 * together gets `FLOOR_PROB`. Its JSON form is delta-coded rows (`TranslationTableJSON`).
 *
 * Browser-safe: no Node built-ins.
 */
/** t(f | e) of a word pair never seen together in training (as fast_align's `safe_prob`). */
export const FLOOR_PROB = 1e-9;

/** The three directional models. */
export type LexicalModelName = "ibm1" | "ibm2" | "fast";

/** The serialised table: compressed rows, 0 = NULL then one per source form. */
export interface TranslationTableJSON {
  /** Number of entries of each row (length = source forms + 1; row 0 is NULL). */
  rows: number[];
  /** Target ids of the entries, ascending within a row, delta-coded (each row's first is absolute). */
  cols: number[];
  /** t(f | e) of the entries, float32 values written with the fewest digits that read back exactly. */
  p: number[];
}

/** The shortest decimal that reads back as the float32 `v`. */
export function float32Decimal(v: number): number {
  for (let d = 6; d <= 9; d++) {
    const x = Number(v.toPrecision(d));
    if (Math.fround(x) === v) return x;
  }
  return v;
}

/**
 * The lexical translation table t(f | e) over co-occurring pairs, compressed sparse rows: row 0 is NULL,
 * row r ≥ 1 is the source form `eWords[r − 1]`; `cols[rowStart[r] … rowStart[r + 1])` are target ids
 * (indices of `fWords`), ascending, with probabilities `prob`.
 */
export class TranslationTable {
  readonly eWords: readonly string[];
  readonly fWords: readonly string[];
  readonly rowStart: Int32Array;
  readonly cols: Int32Array;
  /** float64 while training, float32 once finished. */
  prob: Float64Array | Float32Array;
  private eIndex: Map<string, number> | undefined;
  private fIndex: Map<string, number> | undefined;

  constructor(
    eWords: readonly string[],
    fWords: readonly string[],
    rowStart: Int32Array,
    cols: Int32Array,
    prob: Float64Array | Float32Array,
  ) {
    this.eWords = eWords;
    this.fWords = fWords;
    this.rowStart = rowStart;
    this.cols = cols;
    this.prob = prob;
  }

  /** The row of a source form (1 + its id), or −1 when it is not in the table's vocabulary. */
  eRow(form: string): number {
    if (this.eIndex === undefined) this.eIndex = new Map(this.eWords.map((w, i) => [w, i + 1]));
    return this.eIndex.get(form) ?? -1;
  }

  /** The id of a target form, or −1 when it is not in the table's vocabulary. */
  fId(form: string): number {
    if (this.fIndex === undefined) this.fIndex = new Map(this.fWords.map((w, i) => [w, i]));
    return this.fIndex.get(form) ?? -1;
  }

  /** The slot of (row, f) in `cols`/`prob`, or −1 when the pair is not in the table. */
  slot(row: number, f: number): number {
    let lo = this.rowStart[row];
    let hi = this.rowStart[row + 1] - 1;
    const cols = this.cols;
    while (lo <= hi) {
      const mid = (lo + hi) >>> 1;
      const c = cols[mid];
      if (c < f) lo = mid + 1;
      else if (c > f) hi = mid - 1;
      else return mid;
    }
    return -1;
  }

  /** t(f | e) for a row and a target id (−1 allowed for either): `FLOOR_PROB` when not in the table. */
  get(row: number, f: number): number {
    if (row < 0 || f < 0) return FLOOR_PROB;
    const k = this.slot(row, f);
    return k < 0 ? FLOOR_PROB : this.prob[k];
  }

  /** Stores the probabilities as float32 (done when training ends). */
  freeze(): void {
    if (!(this.prob instanceof Float32Array)) this.prob = Float32Array.from(this.prob);
  }

  /** Number of (e, f) entries. */
  get size(): number {
    return this.cols.length;
  }

  /** The serialised table; entries with t < `minProb` are left out (they read back as the floor). */
  toJSON(minProb = 0): TranslationTableJSON {
    const rows: number[] = [];
    const cols: number[] = [];
    const p: number[] = [];
    const nRows = this.rowStart.length - 1;
    for (let r = 0; r < nRows; r++) {
      let n = 0;
      let prev = 0;
      for (let k = this.rowStart[r]; k < this.rowStart[r + 1]; k++) {
        const v = Math.fround(this.prob[k]);
        if (v < minProb) continue;
        cols.push(n === 0 ? this.cols[k] : this.cols[k] - prev);
        prev = this.cols[k];
        p.push(float32Decimal(v));
        n++;
      }
      rows.push(n);
    }
    return { rows, cols, p };
  }

  /** Reads a serialised table back, validating it; errors name `path` (e.g. "…: forward.table"). */
  static fromJSON(
    json: unknown,
    eWords: readonly string[],
    fWords: readonly string[],
    path: string,
  ): TranslationTable {
    if (json === null || typeof json !== "object") throw new Error(`${path} must be an object`);
    const { rows, cols, p } = json as Record<string, unknown>;
    const nRows = eWords.length + 1;
    if (!Array.isArray(rows) || rows.length !== nRows) {
      throw new Error(
        `${path}.rows must be an array of ${nRows} counts (NULL + ${eWords.length} source forms)`,
      );
    }
    if (!Array.isArray(cols)) throw new Error(`${path}.cols must be an array`);
    if (!Array.isArray(p)) throw new Error(`${path}.p must be an array`);
    if (cols.length !== p.length) {
      throw new Error(`${path}: cols has ${cols.length} entries, p has ${p.length}`);
    }
    const rowStart = new Int32Array(nRows + 1);
    for (let r = 0; r < nRows; r++) {
      const n = rows[r];
      if (typeof n !== "number" || !Number.isInteger(n) || n < 0) {
        throw new Error(`${path}.rows[${r}] must be a non-negative integer, got ${JSON.stringify(n)}`);
      }
      rowStart[r + 1] = rowStart[r] + n;
      if (rowStart[r + 1] > cols.length) {
        throw new Error(`${path}.rows add up to more than the ${cols.length} entries of cols`);
      }
    }
    if (rowStart[nRows] !== cols.length) {
      throw new Error(`${path}.rows add up to ${rowStart[nRows]}, but cols has ${cols.length} entries`);
    }
    const outCols = new Int32Array(cols.length);
    const prob = new Float32Array(p.length);
    for (let r = 0; r < nRows; r++) {
      let prev = -1;
      for (let k = rowStart[r]; k < rowStart[r + 1]; k++) {
        const d = cols[k];
        if (typeof d !== "number" || !Number.isInteger(d) || d < (prev < 0 ? 0 : 1)) {
          throw new Error(
            `${path}.cols[${k}] must be ${prev < 0 ? "a target id" : "a positive delta"}, got ${JSON.stringify(d)}`,
          );
        }
        const f = prev < 0 ? d : prev + d;
        if (f >= fWords.length) {
          throw new Error(`${path}.cols[${k}]: target id ${f} is outside the ${fWords.length} target forms`);
        }
        outCols[k] = f;
        prev = f;
        const v = p[k];
        if (typeof v !== "number" || !(v >= 0 && v <= 1)) {
          throw new Error(`${path}.p[${k}] must be a probability in [0, 1], got ${JSON.stringify(v)}`);
        }
        prob[k] = v;
      }
    }
    return new TranslationTable(eWords, fWords, rowStart, outCols, prob);
  }
}
