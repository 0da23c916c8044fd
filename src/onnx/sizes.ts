/**
 * Sizes as functions of the symbols. Each dynamic axis of an input is a symbol (`assignSymbols`); the
 * forward is traced at the example sizes and once more per symbol grown by one, and every integer an
 * op recorded is solved across those traces (`SizeSolver.solve`) as
 *
 *   c              (the same in every trace)
 *   c · ∏ s_k      (a product of sizes: a reshape's B·T)
 *   s_k + k0       (a size plus a constant: a slice's end −1 from the end)
 *
 * which the graph computes from `Shape` of the inputs (GraphBuilder.intValue). Anything else is an
 * error naming the op. `collectNumbers` flattens an op's attributes to the numbers at their paths.
 */
import type { Tensor } from "../tensor/index.js";
import { fmt } from "../tensor/shape.js";
import type { InputSlot } from "./inputs.js";
import type { Dim } from "./proto.js";

/** Dynamic axes by input name and axis, with their symbols' names; `false`: every axis static. */
export type DynamicAxes = Record<string, Record<number, string>> | false;

/** An integer as the graph computes it: c, c·∏ symbols, or symbol + k. */
export type IntExpr =
  | { kind: "const"; v: number }
  | { kind: "mono"; c: number; syms: number[] }
  | { kind: "affine"; sym: number; k: number };

export interface SizeSymbol {
  name: string;
  value: number;
  /** Where the graph reads it: an input and axis. */
  input: string;
  axis: number;
}

export class SizeSolver {
  constructor(readonly symbols: SizeSymbol[]) {}

  /** `values[0]` at the example sizes, `values[k + 1]` with symbol k grown by one. */
  solve(values: number[], where: () => string): IntExpr {
    const v0 = values[0];
    const deps = this.symbols.map((_, k) => k).filter((k) => values[k + 1] !== v0);
    if (deps.length === 0) return { kind: "const", v: v0 };
    const sizes = (k: number) => this.symbols.map((s, j) => s.value + (j === k ? 1 : 0));
    const prod = (vals: number[]) => deps.reduce((p, j) => p * vals[j], 1);
    const base = this.symbols.map((s) => s.value);
    const c = v0 / prod(base);
    if (Number.isInteger(c) && c !== 0) {
      if (this.symbols.every((_, k) => values[k + 1] === c * prod(sizes(k))))
        return { kind: "mono", c, syms: deps };
    }
    if (deps.length === 1) {
      const k0 = v0 - base[deps[0]];
      if (this.symbols.every((_, k) => values[k + 1] === sizes(k)[deps[0]] + k0)) {
        return { kind: "affine", sym: deps[0], k: k0 };
      }
    }
    const seen = values
      .map((v, i) => (i === 0 ? `${v}` : `${v} with ${this.symbols[i - 1].name}+1`))
      .join(", ");
    throw new Error(
      `exportOnnx: ${where()} changes with the input sizes in a way the graph cannot compute (${seen}); ` +
        "write it from the inputs' sizes as a product of sizes or a size plus a constant",
    );
  }

  /** The symbolic name of a dimension (for value infos), or null when it is a computed size. */
  dimName(e: IntExpr): Dim {
    if (e.kind === "const") return e.v;
    if (e.kind === "mono" && e.c === 1 && e.syms.length === 1) return this.symbols[e.syms[0]].name;
    return null;
  }
}

/** The numbers in an op's attributes by path (`.shape[0]`, `.indices.length`); a composite's `call` is skipped. */
export function collectNumbers(v: unknown, path: string, out: Map<string, number>): void {
  if (typeof v === "number") out.set(path, v);
  else if (Array.isArray(v))
    v.forEach((x, i) => {
      collectNumbers(x, `${path}[${i}]`, out);
    });
  else if (ArrayBuffer.isView(v) && !(v instanceof DataView)) {
    const arr = v as unknown as ArrayLike<number>;
    out.set(`${path}.length`, arr.length);
    for (let i = 0; i < arr.length; i++) out.set(`${path}[${i}]`, arr[i]);
  } else if (v && typeof v === "object" && Object.getPrototypeOf(v) === Object.prototype) {
    for (const [k, x] of Object.entries(v)) if (k !== "call") collectNumbers(x, `${path}.${k}`, out);
  }
}

/**
 * Symbols for the dynamic axes: as given in `dynamicAxes` (shared by name), else every axis but the
 * last (features) of a float input, and every axis of ids and lengths; an axis left to the default
 * shares the symbol of an earlier axis of equal size.
 */
export function assignSymbols(
  slots: InputSlot[],
  baseInputs: Tensor[],
  isIndex: (i: number) => boolean,
  dynamicAxes: DynamicAxes | undefined,
): { symbols: SizeSymbol[]; axisSym: (number | null)[][] } {
  const symbols: SizeSymbol[] = [];
  const axisSym: (number | null)[][] = baseInputs.map((t) => t.shape.map(() => null));
  slots.forEach((s, i) => {
    const t = baseInputs[i];
    const given = dynamicAxes === false ? {} : dynamicAxes?.[s.name];
    const axes = given
      ? Object.keys(given).map(Number)
      : dynamicAxes === false
        ? []
        : t.rank === 1 || isIndex(i)
          ? [...t.shape.keys()]
          : [...Array(Math.max(t.rank - 1, 0)).keys()];
    for (const a of axes) {
      if (!(a >= 0 && a < t.rank))
        throw new Error(`exportOnnx: dynamicAxes names axis ${a} of "${s.name}" ${fmt(t.shape)}`);
      const size = t.shape[a];
      const wanted = given?.[a];
      let k = symbols.findIndex((y) => (wanted ? y.name === wanted : y.value === size));
      if (k >= 0 && symbols[k].value !== size) {
        throw new Error(
          `exportOnnx: axis "${wanted}" has sizes ${symbols[k].value} and ${size} in the example inputs`,
        );
      }
      if (k < 0) {
        k = symbols.length;
        symbols.push({ name: wanted ?? `${s.name}_${a}`, value: size, input: s.name, axis: a });
      }
      if (axisSym[i].includes(k)) {
        throw new Error(
          `exportOnnx: "${s.name}" ${fmt(t.shape)} has two dynamic axes of the same size ${size}; trace with distinct sizes or give dynamicAxes`,
        );
      }
      axisSym[i][a] = k;
    }
  });
  return { symbols, axisSym };
}
