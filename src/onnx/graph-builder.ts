/**
 * The ONNX graph, built from the traces: graph inputs (int64 where an op reads ids or lengths),
 * initializers (parameters under their state-dict names, constants), nodes, and outputs. `ref(t)`
 * gives the graph value of a tensor, emitting its producer first (through the lowering table,
 * lowering.ts); integers an op recorded become graph values through the size solver (`attrInt`,
 * `intValue`: a constant, or computed from `Shape` of the inputs), and constants that follow the
 * input sizes are built from them (`ConstantOfShape`, a computed number). Names are unique
 * (`fresh`), and equal constants and expressions are emitted once.
 */
import type { GradNode, OpName, Tensor } from "../tensor/index.js";
import { fmt } from "../tensor/shape.js";
import type { InputSlot } from "./inputs.js";
import { indexTensors, lower } from "./lowering.js";
import {
  type AttrValue,
  type Dim,
  type DTypeName,
  floatTensor,
  type GraphMsg,
  intTensor,
  type NodeMsg,
  node,
  type OnnxOp,
  type TensorMsg,
  valueInfo,
} from "./proto.js";
import { collectNumbers, type IntExpr, type SizeSolver } from "./sizes.js";
import type { Exportable, Trace } from "./tracing.js";

const NEG_INF = Number.NEGATIVE_INFINITY;
const INT64_MAX = 9223372036854775807n;

export interface Value {
  name: string;
  type: DTypeName;
}

/** Where a tensor is read: input p of op #i, or graph output #output (to find it in every trace). */
export type Site = { i: number; p: number } | { output: number };

export class GraphBuilder {
  readonly nodes: NodeMsg[] = [];
  readonly initializers: TensorMsg[] = [];
  private readonly values = new Map<Tensor, Value>();
  /** The tensor each node produced (found from the outputs in `build`; composite ops' other outputs). */
  private readonly nodeOwners = new Map<GradNode, Tensor>();
  private readonly paramNames = new Map<Tensor, string>();
  private readonly usedNames = new Set<string>();
  private readonly exprCache = new Map<string, string>();
  private readonly indexInputs: Set<Tensor>;
  private counter = 0;
  readonly base: Trace;

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

  fresh(hint: string): string {
    let name = hint.replace(/[^\w.]/g, "_");
    while (this.usedNames.has(name)) name = `${hint}_${++this.counter}`;
    this.usedNames.add(name);
    return name;
  }

  /** Appends an ONNX node `op` with `nOut` fresh outputs (named after `hint`, else the op). */
  emit(
    op: OnnxOp,
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

  /** `emit` with one output. */
  one(op: OnnxOp, inputs: string[], attrs: Record<string, AttrValue> = {}, hint?: string): string {
    return this.emit(op, inputs, attrs, 1, hint)[0];
  }

  /** An int64 (or int32) initializer, one per distinct value and shape. */
  constInts(
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

  /** A float scalar initializer, one per value. */
  constFloat(v: number): string {
    const key = `f:${v}`;
    const hit = this.exprCache.get(key);
    if (hit) return hit;
    const name = this.fresh("const_f");
    this.initializers.push(floatTensor(name, [], new Float32Array([v])));
    this.exprCache.set(key, name);
    return name;
  }

  /** A 1-D int64 [1] tensor holding the integer `e`. */
  intValue(e: IntExpr): string {
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
  shapeValue(exprs: IntExpr[], allowMinusOne: boolean): string {
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
  attrInt(i: number, path: string, op: OpName): IntExpr {
    const vals = this.traces.map((t) => {
      const m = new Map<string, number>();
      collectNumbers(t.nodes[i].attrs, "", m);
      const v = m.get(path);
      if (v === undefined) throw new Error(`exportOnnx: op #${i} (${op}) lacks attribute ${path} in a trace`);
      return v;
    });
    return this.solver.solve(vals, () => `op #${i} (${op}) attribute ${path.slice(1)}`);
  }

  /** `attrInt` for each entry of the array attribute `key` of node #i. */
  attrInts(i: number, key: string, op: OpName): IntExpr[] {
    const attrs = this.base.nodes[i].attrs as Readonly<Record<string, unknown>> | undefined;
    const arr = attrs?.[key] as ArrayLike<number>;
    return Array.from({ length: arr.length }, (_, j) => this.attrInt(i, `.${key}[${j}]`, op));
  }

  /** Every number of node #i's attributes must be the same in all traces (e.g. gather indices). */
  checkStatic(i: number, op: OpName): void {
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

  /** Parent `k` of node #i (`n`) as a graph value of `type`. */
  input(n: GradNode, i: number, k: number, type: DTypeName = "float"): string {
    return this.ref(n.parents[k], type, { i, p: k });
  }

  /** The state-dict name of a parameter or buffer of the module, if `t` is one. */
  paramName(t: Tensor): string | undefined {
    return this.paramNames.get(t);
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
    const outs = lower(this, t.node, i);
    const call = compositeCall(t.node);
    if (call) {
      // Every output of a composite op gets its value at once.
      for (const n of this.base.nodes) {
        if (compositeCall(n) === call) {
          const owner = this.findTensorOf(n);
          if (owner) this.values.set(owner, outs[compositeOutput(n)]);
        }
      }
    }
    const v = outs[compositeOutput(t.node)];
    this.values.set(t, v);
    return v;
  }

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

  /** One float output. */
  f(out: string): Value[] {
    return [{ name: out, type: "float" }];
  }

  /** The int64 [1] initializer 2⁶³ − 1 (a slice to the end). */
  int64Max(): string {
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

  /** A [1] value as a scalar. */
  scalarOf(v1d: string): string {
    return this.one("Squeeze", [v1d, this.constInts([0])]);
  }

  /** −∞ where `masked`, else 0. */
  whereBias(masked: string): string {
    return this.one("Where", [masked, this.constFloat(NEG_INF), this.constFloat(0)]);
  }

  /** The graph: inputs, every node the outputs need (emitted on demand by `ref`), outputs. */
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

/** The `call` object shared by the outputs of one composite op (undefined for other ops). */
function compositeCall(n: GradNode): object | undefined {
  return n.attrs && "call" in n.attrs ? n.attrs.call : undefined;
}

/** Which output of its op node `n` produces (0 unless a composite op says otherwise). */
function compositeOutput(n: GradNode): number {
  return n.attrs && "output" in n.attrs ? n.attrs.output : 0;
}
