/**
 * Shared input handling for the renderers: validation of a weights matrix and its labels (with error
 * messages that name the calling function and print the shapes), and mapping values to [0, 1].
 */

/** How values map to colour positions t ∈ [0, 1]. */
export type Normalize =
  /** Scale by the global max, anchored at zero: domain [min(0, min), max]. The default. */
  | "max"
  /** Stretch the global [min, max] to [0, 1]. */
  | "minmax"
  /** Use values as they are (domain [0, 1]), clamping anything outside. */
  | "none";

/** Options shared by every heatmap renderer for mapping values to colours. */
export interface ScaleOptions {
  /** How to normalise values (default "max"). Ignored when `domain` is given. */
  normalize?: Normalize;
  /** Explicit [lo, hi] mapped to [0, 1]; values outside are clamped. */
  domain?: [number, number];
}

/** The shape of a validated matrix. */
export interface MatrixShape {
  rows: number;
  cols: number;
}

/**
 * Checks that `weights` is a non-empty rectangular matrix of finite numbers and that the labels (when
 * given) match its shape. Throws an Error whose message starts with `fn` and prints the shapes, e.g.
 * `heatmapSvg: rowLabels has 3 labels but weights has 4 rows (weights 4×5)`.
 */
export function validateMatrix(
  fn: string,
  weights: readonly (readonly number[])[],
  rowLabels?: readonly string[],
  colLabels?: readonly string[],
): MatrixShape {
  if (!Array.isArray(weights)) {
    throw new Error(`${fn}: weights must be an array of rows (number[][]), got ${typeof weights}`);
  }
  if (weights.length === 0) throw new Error(`${fn}: weights has no rows (weights 0×0)`);
  const rows = weights.length;
  const first = weights[0];
  if (!Array.isArray(first)) {
    throw new Error(
      `${fn}: weights[0] must be an array of numbers, got ${typeof first} (weights has ${rows} rows)`,
    );
  }
  const cols = first.length;
  if (cols === 0) throw new Error(`${fn}: weights has no columns (weights ${rows}×0)`);
  for (let i = 0; i < rows; i++) {
    const row = weights[i];
    if (!Array.isArray(row)) {
      throw new Error(
        `${fn}: weights[${i}] must be an array of numbers, got ${typeof row} (weights ${rows}×${cols})`,
      );
    }
    if (row.length !== cols) {
      throw new Error(
        `${fn}: weights is ragged: row ${i} has ${row.length} values but row 0 has ${cols} (weights has ${rows} rows)`,
      );
    }
    for (let j = 0; j < cols; j++) {
      const v = row[j];
      if (typeof v !== "number" || !Number.isFinite(v)) {
        throw new Error(
          `${fn}: weights[${i}][${j}] is ${typeof v === "number" ? String(v) : typeof v}; all values must be finite numbers (weights ${rows}×${cols})`,
        );
      }
    }
  }
  checkLabels(fn, "rowLabels", rowLabels, rows, "rows", rows, cols);
  checkLabels(fn, "colLabels", colLabels, cols, "columns", rows, cols);
  return { rows, cols };
}

function checkLabels(
  fn: string,
  name: string,
  labels: readonly string[] | undefined,
  expected: number,
  what: string,
  rows: number,
  cols: number,
): void {
  if (labels === undefined) return;
  if (!Array.isArray(labels)) {
    throw new Error(
      `${fn}: ${name} must be an array of strings, got ${typeof labels} (weights ${rows}×${cols})`,
    );
  }
  if (labels.length !== expected) {
    throw new Error(
      `${fn}: ${name} has ${labels.length} labels but weights has ${expected} ${what} (weights ${rows}×${cols})`,
    );
  }
  for (let i = 0; i < labels.length; i++) {
    if (typeof labels[i] !== "string") {
      throw new Error(
        `${fn}: ${name}[${i}] must be a string, got ${typeof labels[i]} (weights ${rows}×${cols})`,
      );
    }
  }
}

/** Labels as given, or "0", "1", … when absent. */
export function labelsOrIndices(labels: readonly string[] | undefined, n: number): string[] {
  return labels ? [...labels] : Array.from({ length: n }, (_, i) => String(i));
}

/** A value → t ∈ [0, 1] mapping together with the domain it uses (for legends). */
export interface Scale {
  lo: number;
  hi: number;
  /** Position of `v` in [0, 1], clamped. */
  t(v: number): number;
}

/** Builds the value → [0, 1] mapping for a validated matrix (see {@link Normalize}). */
export function makeScale(
  fn: string,
  weights: readonly (readonly number[])[],
  options: ScaleOptions = {},
): Scale {
  let lo: number;
  let hi: number;
  if (options.domain !== undefined) {
    const d = options.domain;
    if (
      !Array.isArray(d) ||
      d.length !== 2 ||
      !Number.isFinite(d[0]) ||
      !Number.isFinite(d[1]) ||
      !(d[0] < d[1])
    ) {
      throw new Error(`${fn}: domain must be [lo, hi] with finite lo < hi, got ${JSON.stringify(d)}`);
    }
    [lo, hi] = d;
  } else {
    let min = Number.POSITIVE_INFINITY;
    let max = Number.NEGATIVE_INFINITY;
    for (const row of weights) {
      for (const v of row) {
        if (v < min) min = v;
        if (v > max) max = v;
      }
    }
    const mode = options.normalize ?? "max";
    if (mode === "max") {
      lo = Math.min(0, min);
      hi = max;
    } else if (mode === "minmax") {
      lo = min;
      hi = max;
    } else if (mode === "none") {
      lo = 0;
      hi = 1;
    } else {
      throw new Error(`${fn}: normalize must be "max", "minmax" or "none", got ${JSON.stringify(mode)}`);
    }
  }
  const span = hi - lo;
  return {
    lo,
    hi,
    t(v: number): number {
      // A degenerate domain (a constant matrix): positive values are full colour, the rest empty.
      if (!(span > 0)) return v > 0 ? 1 : 0;
      return Math.min(1, Math.max(0, (v - lo) / span));
    },
  };
}

/** Compact number formatting for cells and legends: 2 decimals, or exponent form for extreme magnitudes. */
export function formatValue(v: number, digits = 2): string {
  if (v === 0) return (0).toFixed(digits);
  const a = Math.abs(v);
  if (a >= 1e5 || a < 10 ** -digits / 2) return v.toExponential(Math.max(0, digits - 1));
  return v.toFixed(digits);
}

/**
 * The value `v` as text of at most `width` characters: `formatValue`, then without the leading zero
 * ("0.52" → ".52"), then with fewer decimals; "#" when nothing fits.
 */
export function fitValue(v: number, width: number, digits = 2): string {
  for (let d = digits; d >= 0; d--) {
    const s = formatValue(v, d);
    if (s.length <= width) return s;
    const short = s.replace(/^(-?)0\./, "$1.");
    if (short.length <= width) return short;
  }
  return "#".repeat(Math.max(0, Math.min(1, width)));
}
