/**
 * ONNX export by tracing: `exportOnnx(module, exampleInputs)` runs `module.forward(...exampleInputs)`
 * inside `trace()` (src/tensor/tensor.ts), which records a node — op name, input tensors, attributes —
 * for every op, and writes one ONNX node (or a few) per recorded op: an ONNX ModelProto, opset 17.
 *
 * Names. Graph inputs are named after the forward's parameters, in order (a tensor inside an options
 * object or a mask is `param.key`); outputs after the returned object's keys ("output" for a single
 * tensor). Parameters become initializers under their state-dict names; other constant tensors too.
 *
 * Dynamic sizes (batch and sequence axes by default: every axis but the last of an input, axis 0 of a
 * rank-1 input; equal example sizes are one symbol). The forward is traced once at the example sizes
 * and once more per symbol with that size grown by one; every integer an op recorded (a reshape's
 * target, a slice's end, a mask's size) is compared across the traces and written as a function of
 * the symbols — c·∏ sizes, or size + k — computed in the graph from `Shape` of the inputs. Anything
 * that changes in another way (different ops at another length, a constant built from input values)
 * is an error that names the op, not a silently fixed-size graph.
 *
 * Ids and lengths (what embeddings, `paddingMask(tensor)` and LSTM `lengths` read) are int64 inputs.
 * Tracing runs in evaluation mode (dropout off), without gradients, on the reference backend.
 */
import { referenceBackend, withBackend } from "../kernels/index.js";
import { type GradNode, noGrad, Tensor, trace } from "../tensor/index.js";
import { fmt } from "../tensor/shape.js";
import {
  type AttrValue,
  type Dim,
  type DTypeName,
  encodeModel,
  floatTensor,
  type GraphMsg,
  intTensor,
  type NodeMsg,
  node,
  type TensorMsg,
  valueInfo,
} from "./proto.js";

/** What can be exported: anything with a `forward` over tensors (a Module, or a graph wrapper). */
export interface Exportable {
  // biome-ignore lint/suspicious/noExplicitAny: forwards take any arguments
  forward(...args: any[]): unknown;
  namedParameters?(): [string, Tensor][];
  namedBuffers?(): [string, Tensor][];
  training?: boolean;
  train?(on?: boolean): unknown;
}

export interface ExportOnnxOptions {
  /** Graph input names in order (default: the forward's parameter names). */
  inputNames?: string[];
  /** Graph output names in order (default: the keys of the returned object, or "output"). */
  outputNames?: string[];
  /**
   * Which axes of which inputs are dynamic, with their symbolic names: `{ query: { 0: "T", 1: "B" } }`.
   * Inputs not listed get the default (all axes but the last; every axis of ids, lengths and rank-1
   * inputs), sharing the symbol of an earlier axis of the same example size; `false` makes every
   * axis static. Symbols are named `input_axis` unless named here.
   */
  dynamicAxes?: Record<string, Record<number, string>> | false;
  /** Inputs (by name) to bake into the graph as constants instead (e.g. a fixed mask). */
  constants?: string[];
  /** Stored as the model's doc_string. */
  docString?: string;
}

const NEG_INF = Number.NEGATIVE_INFINITY;
const INT64_MAX = 9223372036854775807n;

// ---------------------------------------------------------------------------------------------
// Inputs and outputs of the forward
// ---------------------------------------------------------------------------------------------

/** The forward's parameter names, from its source (`input${i}` where it has no plain name). */
export function parameterNames(fn: (...args: never[]) => unknown): string[] {
  const src = Function.prototype.toString.call(fn);
  const open = src.indexOf("(");
  if (open < 0) return [];
  let depth = 0;
  let cur = "";
  const parts: string[] = [];
  for (let i = open + 1; i < src.length; i++) {
    const ch = src[i];
    if (ch === "(" || ch === "{" || ch === "[") depth++;
    if (ch === ")" || ch === "}" || ch === "]") {
      if (depth === 0) {
        parts.push(cur);
        break;
      }
      depth--;
    }
    if (ch === "," && depth === 0) {
      parts.push(cur);
      cur = "";
    } else cur += ch;
  }
  return parts
    .map((p) => p.trim())
    .filter((p) => p.length > 0)
    .map((p, i) => {
      const m = /^(?:\.\.\.)?([A-Za-z_$][\w$]*)/.exec(p);
      return m ? m[1] : `input${i}`;
    });
}

interface InputSlot {
  name: string;
  /** Where the tensor sits in the arguments: argument index, then keys. */
  path: (number | string)[];
}

/** Tensors among the arguments: top-level, in plain objects, and inside attention masks. */
function findInputs(args: unknown[], names: string[]): InputSlot[] {
  const out: InputSlot[] = [];
  const visit = (v: unknown, name: string, path: (number | string)[]) => {
    if (v instanceof Tensor) {
      out.push({ name, path });
    } else if (isMask(v)) {
      v.parts.forEach((p, i) => {
        const t = "bias" in p ? p.bias : "lengths" in p && p.lengths instanceof Tensor ? p.lengths : null;
        if (t) out.push({ name: v.parts.length > 1 ? `${name}.${i}` : name, path: [...path, "parts", i] });
      });
    } else if (v && typeof v === "object" && Object.getPrototypeOf(v) === Object.prototype) {
      for (const [k, x] of Object.entries(v)) visit(x, `${name}.${k}`, [...path, k]);
    }
  };
  args.forEach((a, i) => {
    visit(a, names[i] ?? `input${i}`, [i]);
  });
  return out;
}

interface MaskLike {
  parts: readonly ({ bias: Tensor } | { lengths: unknown } | object)[];
}

function isMask(v: unknown): v is MaskLike {
  return !!v && typeof v === "object" && v.constructor?.name === "AttentionMask" && "parts" in v;
}

function getAt(args: unknown[], path: (number | string)[]): Tensor {
  let v: unknown = args;
  for (const k of path) v = (v as Record<string | number, unknown>)[k];
  if (isMaskPart(v)) return v.bias ?? (v.lengths as Tensor);
  return v as Tensor;
}

function isMaskPart(v: unknown): v is { bias?: Tensor; lengths?: unknown } {
  return !!v && typeof v === "object" && "kind" in v && !(v instanceof Tensor);
}

/** A copy of `args` with the tensors at `slots` replaced. */
function withTensors(args: unknown[], slots: InputSlot[], tensors: Tensor[]): unknown[] {
  const clone = (v: unknown): unknown => {
    if (Array.isArray(v)) return v.map(clone);
    if (isMask(v)) {
      const m = Object.create(Object.getPrototypeOf(v));
      Object.assign(m, v, { parts: v.parts.map((p) => ({ ...p })) });
      return m;
    }
    if (v && typeof v === "object" && Object.getPrototypeOf(v) === Object.prototype) {
      return Object.fromEntries(Object.entries(v).map(([k, x]) => [k, clone(x)]));
    }
    return v;
  };
  const out = clone(args) as unknown[];
  slots.forEach((s, i) => {
    let parent: unknown = out;
    for (const k of s.path.slice(0, -1)) parent = (parent as Record<string | number, unknown>)[k];
    const last = s.path[s.path.length - 1];
    const holder = parent as Record<string | number, unknown>;
    const cur = holder[last];
    if (isMaskPart(cur)) {
      if ("bias" in cur) holder[last] = { ...cur, bias: tensors[i] };
      else holder[last] = { ...cur, lengths: tensors[i] };
    } else holder[last] = tensors[i];
  });
  return out;
}

/** The returned tensors with their names. */
function namedOutputs(result: unknown, names?: string[]): [string, Tensor][] {
  let list: [string, Tensor][];
  if (result instanceof Tensor) list = [["output", result]];
  else if (Array.isArray(result)) list = result.map((t, i) => [`output${i}`, t as Tensor]);
  else if (result && typeof result === "object")
    list = Object.entries(result).filter((e): e is [string, Tensor] => e[1] instanceof Tensor);
  else
    throw new Error("exportOnnx: forward must return a tensor, an array of tensors or an object of tensors");
  if (names) {
    if (names.length !== list.length) {
      throw new Error(`exportOnnx: outputNames has ${names.length} names for ${list.length} outputs`);
    }
    list = list.map(([, t], i) => [names[i], t]);
  }
  return list;
}

/** Grows `t` by one along `axis`, repeating its last slice (ids and lengths stay valid). */
function grow(t: Tensor, axis: number): Tensor {
  const shape = [...t.shape];
  const n = shape[axis];
  const inner = shape.slice(axis + 1).reduce((p, d) => p * d, 1);
  const outer = shape.slice(0, axis).reduce((p, d) => p * d, 1);
  shape[axis] = n + 1;
  const out = new Float32Array(outer * (n + 1) * inner);
  for (let o = 0; o < outer; o++) {
    out.set(t.data.subarray(o * n * inner, (o + 1) * n * inner), o * (n + 1) * inner);
    const last = t.data.subarray(o * n * inner + (n - 1) * inner, o * n * inner + n * inner);
    out.set(last, o * (n + 1) * inner + n * inner);
  }
  return new Tensor(out, shape);
}

// ---------------------------------------------------------------------------------------------
// Tracing and sizes as functions of the symbols
// ---------------------------------------------------------------------------------------------

interface Trace {
  nodes: GradNode[];
  index: Map<GradNode, number>;
  inputs: Tensor[];
  outputs: [string, Tensor][];
}

function runTrace(module: Exportable, args: unknown[], slots: InputSlot[], outputNames?: string[]): Trace {
  const nodes: GradNode[] = [];
  const result = withBackend(referenceBackend, () =>
    noGrad(() =>
      trace(
        () => module.forward(...args),
        (n) => nodes.push(n),
      ),
    ),
  );
  const index = new Map(nodes.map((n, i) => [n, i]));
  return {
    nodes,
    index,
    inputs: slots.map((s) => getAt(args, s.path)),
    outputs: namedOutputs(result, outputNames),
  };
}

/** An integer as the graph computes it: c, c·∏ symbols, or symbol + k. */
type IntExpr =
  | { kind: "const"; v: number }
  | { kind: "mono"; c: number; syms: number[] }
  | { kind: "affine"; sym: number; k: number };

interface SizeSymbol {
  name: string;
  value: number;
  /** Where the graph reads it: an input and axis. */
  input: string;
  axis: number;
}

class SizeSolver {
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

/** Compares two attribute values of corresponding nodes; numbers that differ are collected by path. */
function collectNumbers(v: unknown, path: string, out: Map<string, number>): void {
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

// ---------------------------------------------------------------------------------------------
// The exporter
// ---------------------------------------------------------------------------------------------

/**
 * Exports `module.forward(...exampleInputs)` as an ONNX model (opset 17).
 *
 * @example
 * const mha = new MultiheadAttention({ embedDim: 16, numHeads: 4 });
 * const bytes = await exportOnnx(mha, [q, k, v]);        // inputs query, key, value; outputs output, weights
 * writeFileSync("mha.onnx", bytes);
 */
export async function exportOnnx(
  module: Exportable,
  exampleInputs: readonly unknown[],
  options: ExportOnnxOptions = {},
): Promise<Uint8Array> {
  return exportOnnxSync(module, exampleInputs, options);
}

/** `exportOnnx`, synchronously. */
export function exportOnnxSync(
  module: Exportable,
  exampleInputs: readonly unknown[],
  options: ExportOnnxOptions = {},
): Uint8Array {
  if (typeof module?.forward !== "function") throw new Error("exportOnnx: module has no forward method");
  let args = [...exampleInputs];
  const names = options.inputNames ?? parameterNames(module.forward);
  const allSlots = findInputs(args, names);
  const constantNames = new Set(options.constants ?? []);
  for (const c of constantNames) {
    if (!allSlots.some((s) => s.name === c)) {
      throw new Error(
        `exportOnnx: constants names "${c}", which is not an input (${allSlots.map((s) => s.name).join(", ")})`,
      );
    }
  }
  const slots = allSlots.filter((s) => !constantNames.has(s.name));
  if (options.inputNames && options.inputNames.length !== args.length) {
    throw new Error(
      `exportOnnx: inputNames has ${options.inputNames.length} names for ${args.length} arguments`,
    );
  }
  // One tensor passed as several arguments (self-attention x, x, x) becomes several inputs.
  const baseInputs = slots.map((s) => getAt(args, s.path)).map((t) => new Tensor(t.data, t.shape));
  args = withTensors(args, slots, baseInputs);

  const wasTraining = module.training;
  module.train?.(false);
  try {
    const base = runTrace(module, args, slots, options.outputNames);
    const ids = indexTensors(base.nodes);
    const { symbols, axisSym } = assignSymbols(slots, baseInputs, (i) => ids.has(base.inputs[i]), options);
    const traces = [base];
    symbols.forEach((sym, k) => {
      const grown = baseInputs.map((t, i) => {
        let g = t;
        axisSym[i].forEach((s, a) => {
          if (s === k) g = grow(g, a);
        });
        return g;
      });
      try {
        traces.push(runTrace(module, withTensors(args, slots, grown), slots, options.outputNames));
      } catch (e) {
        throw new Error(
          `exportOnnx: the forward fails when ${sym.name} (axis ${sym.axis} of ${sym.input}) is ${sym.value + 1} instead of ${sym.value}: ` +
            `${(e as Error).message}. If that size is fixed, leave the axis out of dynamicAxes`,
        );
      }
    });
    return finish(module, traces, symbols, slots, axisSym, options);
  } finally {
    if (wasTraining !== undefined) module.train?.(wasTraining);
  }
}

/** Inputs read as ids or lengths (int64 in the graph). */
function indexTensors(nodes: GradNode[]): Set<Tensor> {
  const out = new Set<Tensor>();
  for (const n of nodes) {
    if (n.op === "embedding" && n.parents[1]) out.add(n.parents[1]);
    if (n.op === "lengthMask") out.add(n.parents[0]);
    if (n.op === "lstm" && n.attrs?.lengths) out.add(n.parents[n.parents.length - 1]);
  }
  return out;
}

/**
 * Symbols for the dynamic axes: as given in `dynamicAxes` (shared by name), else every axis but the
 * last (features) of a float input, and every axis of ids and lengths; an axis left to the default
 * shares the symbol of an earlier axis of equal size.
 */
function assignSymbols(
  slots: InputSlot[],
  baseInputs: Tensor[],
  isIndex: (i: number) => boolean,
  options: ExportOnnxOptions,
): { symbols: SizeSymbol[]; axisSym: (number | null)[][] } {
  const symbols: SizeSymbol[] = [];
  const axisSym: (number | null)[][] = baseInputs.map((t) => t.shape.map(() => null));
  slots.forEach((s, i) => {
    const t = baseInputs[i];
    const given = options.dynamicAxes === false ? {} : options.dynamicAxes?.[s.name];
    const axes = given
      ? Object.keys(given).map(Number)
      : options.dynamicAxes === false
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

function finish(
  module: Exportable,
  traces: Trace[],
  symbols: SizeSymbol[],
  slots: InputSlot[],
  axisSym: (number | null)[][],
  options: ExportOnnxOptions,
): Uint8Array {
  const base = traces[0];
  for (const [k, t] of traces.entries()) {
    if (t.nodes.length !== base.nodes.length || t.nodes.some((n, i) => n.op !== base.nodes[i].op)) {
      const i = t.nodes.findIndex((n, j) => n.op !== base.nodes[j]?.op);
      throw new Error(
        `exportOnnx: the forward runs other ops when ${symbols[k - 1]?.name} is ${symbols[k - 1]?.value + 1} ` +
          `(${base.nodes.length} vs ${t.nodes.length} ops; first difference at op #${i}: ${base.nodes[i]?.op} vs ${t.nodes[i]?.op}). ` +
          "A loop over a dynamic axis cannot be one graph: export one step (as Seq2SeqStepGraph) instead",
      );
    }
  }
  const solver = new SizeSolver(symbols);
  const builder = new GraphBuilder(module, solver, traces, slots, axisSym);
  const graph = builder.build();
  return encodeModel(graph, "0.1.0", options.docString ?? "");
}

interface Value {
  name: string;
  type: DTypeName;
}

/** Where a tensor is read: input p of op #i, or graph output #output (to find it in every trace). */
type Site = { i: number; p: number } | { output: number };

class GraphBuilder {
  readonly nodes: NodeMsg[] = [];
  readonly initializers: TensorMsg[] = [];
  private readonly values = new Map<Tensor, Value>();
  private readonly paramNames = new Map<Tensor, string>();
  private readonly usedNames = new Set<string>();
  private readonly exprCache = new Map<string, string>();
  private readonly indexInputs: Set<Tensor>;
  private counter = 0;
  private readonly base: Trace;

  constructor(
    module: Exportable,
    readonly solver: SizeSolver,
    readonly traces: Trace[],
    readonly slots: InputSlot[],
    readonly axisSym: (number | null)[][],
  ) {
    this.base = traces[0];
    for (const [name, t] of [...(module.namedParameters?.() ?? []), ...(module.namedBuffers?.() ?? [])]) {
      if (!this.paramNames.has(t)) this.paramNames.set(t, name);
    }
    this.indexInputs = indexTensors(this.base.nodes); // int64 inputs
  }

  private fresh(hint: string): string {
    let name = hint.replace(/[^\w.]/g, "_");
    while (this.usedNames.has(name)) name = `${hint}_${++this.counter}`;
    this.usedNames.add(name);
    return name;
  }

  private emit(
    op: string,
    inputs: string[],
    attrs: Record<string, AttrValue> = {},
    nOut = 1,
    hint?: string,
  ): string[] {
    const outs = Array.from({ length: nOut }, (_, i) =>
      this.fresh(`${hint ?? op}${nOut > 1 ? `_${i}` : ""}`),
    );
    this.nodes.push(node(op, inputs, outs, this.fresh(`node_${op}`), attrs));
    return outs;
  }

  private one(op: string, inputs: string[], attrs: Record<string, AttrValue> = {}, hint?: string): string {
    return this.emit(op, inputs, attrs, 1, hint)[0];
  }

  private constInts(
    values: readonly number[],
    dims: readonly number[] = [values.length],
    type: "int64" | "int32" = "int64",
  ): string {
    const key = `i:${type}:${dims.join(",")}:${values.join(",")}`;
    const hit = this.exprCache.get(key);
    if (hit) return hit;
    const name = this.fresh("const_ints");
    this.initializers.push(intTensor(name, dims, values, type));
    this.exprCache.set(key, name);
    return name;
  }

  private constFloat(v: number): string {
    const key = `f:${v}`;
    const hit = this.exprCache.get(key);
    if (hit) return hit;
    const name = this.fresh("const_f");
    this.initializers.push(floatTensor(name, [], new Float32Array([v])));
    this.exprCache.set(key, name);
    return name;
  }

  /** A 1-D int64 [1] tensor holding the integer `e`. */
  private intValue(e: IntExpr): string {
    const key = `e:${JSON.stringify(e)}`;
    const hit = this.exprCache.get(key);
    if (hit) return hit;
    let out: string;
    if (e.kind === "const") out = this.constInts([e.v]);
    else if (e.kind === "affine") out = this.one("Add", [this.symbolValue(e.sym), this.constInts([e.k])]);
    else {
      out = this.symbolValue(e.syms[0]);
      for (const s of e.syms.slice(1)) out = this.one("Mul", [out, this.symbolValue(s)]);
      if (e.c !== 1) out = this.one("Mul", [out, this.constInts([e.c])]);
    }
    this.exprCache.set(key, out);
    return out;
  }

  private symbolValue(k: number): string {
    const key = `sym:${k}`;
    const hit = this.exprCache.get(key);
    if (hit) return hit;
    const s = this.solver.symbols[k];
    const out = this.one("Shape", [s.input], { start: s.axis, end: s.axis + 1 }, `${s.name}_size`);
    this.exprCache.set(key, out);
    return out;
  }

  /** A 1-D int64 shape tensor; `allowMinusOne` writes a single computed size as −1 (Reshape). */
  private shapeValue(exprs: IntExpr[], allowMinusOne: boolean): string {
    const dynamic = exprs.filter((e) => e.kind !== "const").length;
    if (dynamic === 0) return this.constInts(exprs.map((e) => (e as { v: number }).v));
    if (dynamic === 1 && allowMinusOne && exprs.every((e) => e.kind !== "const" || e.v !== 0)) {
      return this.constInts(exprs.map((e) => (e.kind === "const" ? e.v : -1)));
    }
    return this.one(
      "Concat",
      exprs.map((e) => this.intValue(e)),
      { axis: 0 },
      "shape",
    );
  }

  /** Integers recorded by node #i (attrs path) across traces, solved. */
  private attrInt(i: number, path: string, op: string): IntExpr {
    const vals = this.traces.map((t) => {
      const m = new Map<string, number>();
      collectNumbers(t.nodes[i].attrs, "", m);
      const v = m.get(path);
      if (v === undefined) throw new Error(`exportOnnx: op #${i} (${op}) lacks attribute ${path} in a trace`);
      return v;
    });
    return this.solver.solve(vals, () => `op #${i} (${op}) attribute ${path.slice(1)}`);
  }

  private attrInts(i: number, key: string, op: string): IntExpr[] {
    const arr = this.base.nodes[i].attrs?.[key] as ArrayLike<number>;
    return Array.from({ length: arr.length }, (_, j) => this.attrInt(i, `.${key}[${j}]`, op));
  }

  /** Every number of node #i's attributes must be the same in all traces (e.g. gather indices). */
  private checkStatic(i: number, op: string): void {
    const maps = this.traces.map((t) => {
      const m = new Map<string, number>();
      collectNumbers(t.nodes[i].attrs, "", m);
      return m;
    });
    for (const [path, v] of maps[0]) {
      if (maps.some((m) => m.get(path) !== v)) {
        throw new Error(
          `exportOnnx: op #${i} (${op}) has ${path.slice(1)} that depends on the input sizes or values; ` +
            "compute it with tensor ops from the inputs (or export at fixed sizes with dynamicAxes: false)",
        );
      }
    }
  }

  /** The graph value of tensor `t` (emitting its producer first), cast to `type` when asked. */
  ref(t: Tensor, type?: DTypeName, consumer?: Site): string {
    let v = this.values.get(t);
    if (!v) v = this.define(t, consumer);
    if (type && v.type !== type) {
      const key = `cast:${v.name}:${type}`;
      let c = this.exprCache.get(key);
      if (!c) {
        c = this.one("Cast", [v.name], { to: type === "float" ? 1 : type === "int64" ? 7 : 6 });
        this.exprCache.set(key, c);
      }
      return c;
    }
    return v.name;
  }

  private define(t: Tensor, consumer?: Site): Value {
    const inputIdx = this.base.inputs.indexOf(t);
    if (inputIdx >= 0) throw new Error("exportOnnx: internal: inputs are defined up front");
    const pname = this.paramNames.get(t);
    if (pname !== undefined) {
      const name = this.fresh(pname);
      this.initializers.push(floatTensor(name, t.shape, t.data));
      const v: Value = { name, type: "float" };
      this.values.set(t, v);
      return v;
    }
    const i = t.node ? this.base.index.get(t.node) : undefined;
    // A leaf, or a tensor computed before the forward ran (its value then): a constant.
    if (t.node === null || i === undefined) return this.defineConstant(t, consumer);
    const outs = this.emitOp(i, t.node);
    const attrs = t.node.attrs;
    const call = attrs?.call as object | undefined;
    if (call) {
      // Every output of a composite op gets its value at once.
      for (const n of this.base.nodes) {
        if (n.attrs?.call === call) {
          const owner = this.findTensorOf(n);
          if (owner) this.values.set(owner, outs[n.attrs.output as number]);
        }
      }
    }
    const v = outs[(attrs?.output as number | undefined) ?? 0];
    this.values.set(t, v);
    return v;
  }

  private readonly nodeOwners = new Map<GradNode, Tensor>();

  private findTensorOf(n: GradNode): Tensor | undefined {
    return this.nodeOwners.get(n);
  }

  /** A leaf that is neither an input nor a parameter: a constant (the same in every trace), or zeros/ones of a computed shape. */
  private defineConstant(t: Tensor, consumer?: Site): Value {
    if (!consumer) throw new Error(`exportOnnx: internal: a constant ${fmt(t.shape)} without a reader`);
    const others =
      "output" in consumer
        ? this.traces.map((tr) => tr.outputs[consumer.output][1])
        : this.traces.map((tr) => tr.nodes[consumer.i].parents[consumer.p]);
    const where =
      "output" in consumer
        ? `output ${this.base.outputs[consumer.output][0]}`
        : `op #${consumer.i} (${this.base.nodes[consumer.i].op})`;
    const sameShape = others.every(
      (o) => o.shape.length === t.rank && o.shape.every((d, j) => d === t.shape[j]),
    );
    if (sameShape) {
      if (
        others.some((o) =>
          o.data.some((x, j) => !Object.is(x, t.data[j]) && !(Number.isNaN(x) && Number.isNaN(t.data[j]))),
        )
      ) {
        // One number that follows the sizes (mean's divisor n = T): computed from them in the graph.
        if (t.size === 1 && others.every((o) => Number.isInteger(o.data[0]))) {
          const e = this.solver.solve(
            others.map((o) => o.data[0]),
            () => `the number read by ${where}`,
          );
          const shaped = this.one("Reshape", [this.intValue(e), this.constInts(t.shape)]);
          const v: Value = { name: this.one("Cast", [shaped], { to: 1 }), type: "float" };
          this.values.set(t, v);
          return v;
        }
        throw new Error(
          `exportOnnx: a constant ${fmt(t.shape)} read by ${where} holds other values at other input sizes or values; ` +
            "build it from the inputs with tensor ops (or pass it as an input)",
        );
      }
      const name = this.fresh("const");
      this.initializers.push(floatTensor(name, t.shape, t.data));
      const v: Value = { name, type: "float" };
      this.values.set(t, v);
      return v;
    }
    const uniform = others.every(
      (o) => o.size > 0 && o.data.every((x) => Object.is(x, o.data[0])) && Object.is(o.data[0], t.data[0]),
    );
    if (!uniform || others.some((o) => o.rank !== t.rank)) {
      throw new Error(
        `exportOnnx: a constant ${fmt(t.shape)} read by ${where} changes shape with the input sizes and is not filled with one value; ` +
          "build it from the inputs with tensor ops",
      );
    }
    const dims = t.shape.map((_, j) =>
      this.solver.solve(
        others.map((o) => o.shape[j]),
        () => `dimension ${j} of a constant read by ${where}`,
      ),
    );
    const value = floatTensor("value", [1], new Float32Array([t.data[0]]));
    const name = this.one("ConstantOfShape", [this.shapeValue(dims, false)], { value }, "filled");
    const v: Value = { name, type: "float" };
    this.values.set(t, v);
    return v;
  }

  private f(out: string): Value[] {
    return [{ name: out, type: "float" }];
  }

  /** Emits op #i; returns its output values. */
  private emitOp(i: number, n: GradNode): Value[] {
    const p = (k: number, type: DTypeName = "float") => this.ref(n.parents[k], type, { i, p: k });
    const a = n.attrs ?? {};
    const binary: Record<string, string> = {
      add: "Add",
      sub: "Sub",
      mul: "Mul",
      div: "Div",
      maximum: "Max",
      minimum: "Min",
    };
    const unary: Record<string, string> = {
      neg: "Neg",
      exp: "Exp",
      log: "Log",
      tanh: "Tanh",
      sigmoid: "Sigmoid",
      relu: "Relu",
      sqrt: "Sqrt",
      abs: "Abs",
    };
    if (n.op in binary) return this.f(this.one(binary[n.op], [p(0), p(1)]));
    if (n.op in unary) return this.f(this.one(unary[n.op], [p(0)]));
    switch (n.op) {
      case "square": {
        const x = p(0);
        return this.f(this.one("Mul", [x, x]));
      }
      case "pow":
        this.checkStatic(i, n.op);
        return this.f(this.one("Pow", [p(0), this.constFloat(a.p as number)]));
      case "gelu": {
        const x = p(0);
        if (a.approximate === "tanh") {
          // 0.5 x (1 + tanh(√(2/π) (x + 0.044715 x³)))
          const x3 = this.one("Mul", [this.one("Mul", [x, x]), x]);
          const inner = this.one("Add", [x, this.one("Mul", [x3, this.constFloat(0.044715)])]);
          const t = this.one("Tanh", [this.one("Mul", [inner, this.constFloat(Math.sqrt(2 / Math.PI))])]);
          return this.f(
            this.one("Mul", [
              this.one("Mul", [x, this.constFloat(0.5)]),
              this.one("Add", [t, this.constFloat(1)]),
            ]),
          );
        }
        // 0.5 x (1 + erf(x / √2))
        const erf = this.one("Erf", [this.one("Div", [x, this.constFloat(Math.SQRT2)])]);
        return this.f(
          this.one("Mul", [
            this.one("Mul", [x, this.constFloat(0.5)]),
            this.one("Add", [erf, this.constFloat(1)]),
          ]),
        );
      }
      case "sum":
      case "max":
      case "min": {
        this.checkStatic(i, n.op);
        const axes = a.axes as number[];
        const keepdims = a.keepDims ? 1 : 0;
        if (n.op === "sum") return this.f(this.one("ReduceSum", [p(0), this.constInts(axes)], { keepdims }));
        return this.f(this.one(n.op === "max" ? "ReduceMax" : "ReduceMin", [p(0)], { axes, keepdims }));
      }
      case "softmax":
      case "logSoftmax":
        return this.f(
          this.one(n.op === "softmax" ? "Softmax" : "LogSoftmax", [p(0)], { axis: a.axis as number }),
        );
      case "softmaxFromLse":
        return this.f(this.one("Softmax", [p(0)], { axis: -1 }));
      case "matmul": {
        const operand = (k: number, trans: boolean) => {
          const x = p(k);
          if (!trans) return x;
          const r = n.parents[k].rank;
          const perm = [...Array(r).keys()];
          [perm[r - 2], perm[r - 1]] = [perm[r - 1], perm[r - 2]];
          return this.one("Transpose", [x], { perm });
        };
        return this.f(this.one("MatMul", [operand(0, a.transA === true), operand(1, a.transB === true)]));
      }
      case "linear": {
        const w = this.one("Transpose", [p(1)], { perm: [1, 0] });
        const y = this.one("MatMul", [p(0), w]);
        return this.f(n.parents.length > 2 ? this.one("Add", [y, p(2)]) : y);
      }
      case "reshape":
        return this.f(this.one("Reshape", [p(0), this.shapeValue(this.attrInts(i, "shape", n.op), true)]));
      case "broadcastTo":
        return this.f(this.one("Expand", [p(0), this.shapeValue(this.attrInts(i, "shape", n.op), false)]));
      case "permute":
        return this.f(this.one("Transpose", [p(0)], { perm: [...(a.perm as number[])] }));
      case "concat":
        return this.f(
          this.one(
            "Concat",
            n.parents.map((_, k) => p(k)),
            { axis: a.axis as number },
          ),
        );
      case "indexSelect": {
        this.checkStatic(i, n.op);
        const idx = a.indices as Int32Array;
        return this.f(
          this.one("Gather", [p(0), this.constInts(Array.from(idx))], { axis: a.axis as number }),
        );
      }
      case "slice": {
        const start = this.attrInt(i, ".start", n.op);
        const end = a.end === null ? null : this.attrInt(i, ".end", n.op);
        const ends = end === null ? this.int64Max() : this.intValue(end);
        return this.f(
          this.one("Slice", [p(0), this.intValue(start), ends, this.constInts([a.axis as number])]),
        );
      }
      case "unbind":
        // The hub passes its input through; row k is Gather(k) on axis 0.
        if (a.index === undefined) return this.f(p(0));
        return this.f(this.one("Gather", [p(0), this.constInts([a.index as number], [])], { axis: 0 }));
      case "embedding": {
        let ids: string;
        if (n.parents.length > 1) {
          ids = p(1, "int64");
          const idsShape = this.attrInts(i, "idsShape", n.op);
          const same =
            idsShape.length === n.parents[1].rank &&
            this.traces.every((t) => {
              const want = (t.nodes[i].attrs?.idsShape as number[]) ?? [];
              const have = t.nodes[i].parents[1].shape;
              return want.length === have.length && want.every((d, j) => d === have[j]);
            });
          if (!same) ids = this.one("Reshape", [ids, this.shapeValue(idsShape, true)]);
        } else {
          this.checkStatic(i, n.op); // ids given as data: the same in every trace
          const idx = a.ids as Int32Array;
          ids = this.constInts(Array.from(idx), a.idsShape as number[]);
        }
        return this.f(this.one("Gather", [p(0), ids], { axis: 0 }));
      }
      case "lengthMask":
        return this.f(this.lengthMask(i, p(0, "int64")));
      case "causalMask":
        return this.f(this.causalMask(i));
      case "sinusoidalEncoding":
        return this.f(this.sinusoidalEncoding(i));
      case "lstm":
        return this.lstm(i, n);
      default:
        throw new Error(
          `exportOnnx: no ONNX mapping for op "${n.op}" (op #${i}); add one in src/onnx/export.ts or trace it as a composite`,
        );
    }
  }

  private int64Max(): string {
    const key = "int64max";
    const hit = this.exprCache.get(key);
    if (hit) return hit;
    const name = this.fresh("int64_max");
    this.initializers.push({
      name,
      dims: [1],
      data_type: 7,
      raw_data: new Uint8Array(BigInt64Array.from([INT64_MAX]).buffer),
    });
    this.exprCache.set(key, name);
    return name;
  }

  private scalarOf(v1d: string): string {
    return this.one("Squeeze", [v1d, this.constInts([0])]);
  }

  private whereBias(masked: string): string {
    return this.one("Where", [masked, this.constFloat(NEG_INF), this.constFloat(0)]);
  }

  /** bias[b, 1…, j] = 0 where j < lengths[b], else −∞. */
  private lengthMask(i: number, lengths: string): string {
    const shape = this.attrInts(i, "shape", "lengthMask");
    const S = this.scalarOf(this.intValue(shape[shape.length - 1]));
    const j = this.one("Range", [this.constInts([0], []), S, this.constInts([1], [])]); // (S)
    const len = this.one("Unsqueeze", [lengths, this.constInts([1])]); // (B, 1)
    const masked = this.one("GreaterOrEqual", [j, len]); // (B, S)
    let bias = this.whereBias(masked);
    if (shape.length > 2)
      bias = this.one("Unsqueeze", [
        bias,
        this.constInts([...Array(shape.length - 2).keys()].map((k) => k + 1)),
      ]);
    return bias;
  }

  /** bias[i, j] = −∞ where j > i + diagonal, else 0. */
  private causalMask(i: number): string {
    const [T, S] = this.attrInts(i, "shape", "causalMask");
    const diagonal = this.intValue(this.attrInt(i, ".diagonal", "causalMask"));
    const rows = this.one("Range", [
      this.constInts([0], []),
      this.scalarOf(this.intValue(T)),
      this.constInts([1], []),
    ]);
    const cols = this.one("Range", [
      this.constInts([0], []),
      this.scalarOf(this.intValue(S)),
      this.constInts([1], []),
    ]);
    const limit = this.one("Unsqueeze", [this.one("Add", [rows, diagonal]), this.constInts([1])]); // (T, 1)
    return this.whereBias(this.one("Greater", [cols, limit]));
  }

  /**
   * The (T, d) sinusoidal table at positions p = offset … offset + T − 1 (Vaswani et al. 2017, §3.5),
   * computed in the graph for its own T: PE(p, 2i) = sin(p / 10000^(2i/d)), PE(p, 2i+1) = cos(…).
   */
  private sinusoidalEncoding(i: number): string {
    const op = "sinusoidalEncoding";
    const d = (this.base.nodes[i].attrs as { shape: number[] }).shape[1];
    const T = this.scalarOf(this.intValue(this.attrInt(i, ".shape[0]", op)));
    const start = this.scalarOf(this.intValue(this.attrInt(i, ".offset", op)));
    const end = this.one("Add", [start, T]);
    const pos = this.one("Range", [start, end, this.constInts([1], [])]); // (T)
    const p = this.one("Unsqueeze", [this.one("Cast", [pos], { to: 1 }), this.constInts([1])]); // (T, 1)
    const denom = new Float32Array(d);
    const even = new Float32Array(d);
    for (let k = 0; k < d; k++) {
      denom[k] = 10000 ** ((2 * Math.floor(k / 2)) / d);
      even[k] = k % 2 === 0 ? 1 : 0;
    }
    const dn = this.fresh("pe_denominator");
    const ev = this.fresh("pe_even");
    this.initializers.push(floatTensor(dn, [d], denom), floatTensor(ev, [d], even));
    const angle = this.one("Div", [p, dn]); // (T, d)
    const isEven = this.one("Cast", [ev], { to: 9 });
    return this.one("Where", [isEven, this.one("Sin", [angle]), this.one("Cos", [angle])]);
  }

  /** torch.nn.LSTM as ONNX LSTM ops, one per layer (gates reordered i,f,g,o → i,o,f,c). */
  private lstm(i: number, n: GradNode): Value[] {
    const a = n.attrs ?? {};
    const m = a.lstm as {
      numLayers: number;
      hiddenSize: number;
      bidirectional: boolean;
      batchFirst: boolean;
      bias: boolean;
      param(name: string): Tensor;
    };
    const x0 = n.parents[0];
    if (x0.rank !== 3)
      throw new Error(`exportOnnx: LSTM export needs a batched input (rank 3), got ${fmt(x0.shape)}`);
    const H = m.hiddenSize;
    const D = m.bidirectional ? 2 : 1;
    let x = this.ref(x0, "float", { i, p: 0 });
    if (m.batchFirst) x = this.one("Transpose", [x], { perm: [1, 0, 2] });
    const h0 = a.state ? this.ref(n.parents[1], "float", { i, p: 1 }) : "";
    const c0 = a.state ? this.ref(n.parents[2], "float", { i, p: 2 }) : "";
    const lengths = a.lengths
      ? this.one("Cast", [this.ref(n.parents[n.parents.length - 1], "int64")], { to: 6 })
      : "";
    const reorder = (t: Tensor): Float32Array => {
      // Blocks of H rows: PyTorch i, f, g, o → ONNX i, o, f, c.
      const rowSize = t.size / (4 * H);
      const out = new Float32Array(t.size);
      [0, 3, 1, 2].forEach((src, dst) => {
        out.set(t.data.subarray(src * H * rowSize, (src + 1) * H * rowSize), dst * H * rowSize);
      });
      return out;
    };
    const hs: string[] = [];
    const cs: string[] = [];
    for (let l = 0; l < m.numLayers; l++) {
      const sfx = (d: number) => `_l${l}${d === 1 ? "_reverse" : ""}`;
      const stackParams = (kind: string) => {
        const ts = Array.from({ length: D }, (_, d) => m.param(`${kind}${sfx(d)}`));
        const data = new Float32Array(ts.reduce((s, t) => s + t.size, 0));
        ts.forEach((t, d) => {
          data.set(reorder(t), d * t.size);
        });
        return { data, shape: [D, ...ts[0].shape] };
      };
      const addInit = (hint: string, data: Float32Array, shape: number[]) => {
        const name = this.fresh(hint);
        this.initializers.push(floatTensor(name, shape, data));
        return name;
      };
      const prefix =
        this.paramNames.get(m.param(`weight_ih${sfx(0)}`))?.replace(/weight_ih_l\d+$/, "") ?? "lstm.";
      const W = stackParams("weight_ih");
      const R = stackParams("weight_hh");
      const w = addInit(`${prefix}W_l${l}`, W.data, W.shape);
      const r = addInit(`${prefix}R_l${l}`, R.data, R.shape);
      let b = "";
      if (m.bias) {
        const bi = stackParams("bias_ih");
        const bh = stackParams("bias_hh");
        const data = new Float32Array(D * 8 * H);
        for (let d = 0; d < D; d++) {
          data.set(bi.data.subarray(d * 4 * H, (d + 1) * 4 * H), d * 8 * H);
          data.set(bh.data.subarray(d * 4 * H, (d + 1) * 4 * H), d * 8 * H + 4 * H);
        }
        b = addInit(`${prefix}B_l${l}`, data, [D, 8 * H]);
      }
      const rows = (s: string) =>
        s
          ? this.one("Slice", [
              s,
              this.constInts([l * D]),
              this.constInts([(l + 1) * D]),
              this.constInts([0]),
            ])
          : "";
      const [y, yh, yc] = this.emit(
        "LSTM",
        [x, w, r, b, lengths, rows(h0), rows(c0)],
        { hidden_size: H, direction: D === 2 ? "bidirectional" : "forward" },
        3,
        `lstm_l${l}`,
      );
      // Y (T, D, B, H) → (T, B, D·H)
      x = this.one("Reshape", [
        this.one("Transpose", [y], { perm: [0, 2, 1, 3] }),
        this.constInts([0, 0, -1]),
      ]);
      hs.push(yh);
      cs.push(yc);
    }
    const output = m.batchFirst ? this.one("Transpose", [x], { perm: [1, 0, 2] }) : x;
    const cat = (xs: string[]) => (xs.length === 1 ? xs[0] : this.one("Concat", xs, { axis: 0 }));
    return [output, cat(hs), cat(cs)].map((name) => ({ name, type: "float" as const }));
  }

  build(): GraphMsg {
    // Owners of nodes (for composite ops with several outputs): every tensor reachable from the outputs.
    const seen = new Set<Tensor>();
    const stack = this.base.outputs.map(([, t]) => t);
    while (stack.length) {
      const t = stack.pop()!;
      if (seen.has(t)) continue;
      seen.add(t);
      if (t.node) {
        this.nodeOwners.set(t.node, t);
        stack.push(...t.node.parents);
      }
    }
    const inputNames = new Set(this.slots.map((s) => s.name));
    for (const n of inputNames) this.usedNames.add(n);
    // An output named like an input (a step's h in, h out) is `name_out`.
    const outNames = this.base.outputs.map(([name]) => (inputNames.has(name) ? `${name}_out` : name));
    for (const n of outNames) {
      if (this.usedNames.has(n)) throw new Error(`exportOnnx: two inputs or outputs are named "${n}"`);
      this.usedNames.add(n);
    }
    const inputs = this.slots.map((s, i) => {
      const t = this.base.inputs[i];
      const type: DTypeName = this.indexInputs.has(t) ? "int64" : "float";
      this.values.set(t, { name: s.name, type });
      const dims: Dim[] = t.shape.map((d, a) => {
        const k = this.axisSym[i][a];
        return k === null ? d : this.solver.symbols[k].name;
      });
      return valueInfo(s.name, type, dims);
    });
    const outputs = this.base.outputs.map(([name, t], o) => {
      const v = this.ref(t, "float", { output: o });
      this.nodes.push(node("Identity", [v], [outNames[o]], this.fresh(`node_${outNames[o]}`)));
      const dims = t.shape.map((_, j) => {
        try {
          const sizes = this.traces.map((tr) => tr.outputs[o][1].shape[j]);
          return this.solver.dimName(this.solver.solve(sizes, () => `dimension ${j} of output ${name}`));
        } catch {
          return null;
        }
      });
      return valueInfo(outNames[o], "float", dims);
    });
    return { name: "qkv", node: this.nodes, initializer: this.initializers, input: inputs, output: outputs };
  }
}
