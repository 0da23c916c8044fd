/**
 * Lowering: each recorded op (src/tensor/op-names.ts) as ONNX nodes, one table keyed by the typed op
 * names (as tfjs's kernel registry is by kernel_names.ts). An entry receives the node with its
 * attributes typed for that op; `null` says the op has no ONNX form (trace it inside a composite, or
 * add a lowering here). A new op name is a type error until it has an entry.
 *
 *   add, sub, mul, div, maximum, minimum → Add, Sub, Mul, Div, Max, Min
 *   neg, exp, log, tanh, sigmoid, relu, sqrt, abs → Neg, Exp, …, Abs;  square → Mul(x, x);  pow → Pow
 *   gelu           ½ x (1 + erf(x / √2)), or ½ x (1 + tanh(√(2/π) (x + 0.044715 x³)))
 *   sum, max, min  → ReduceSum (axes an input), ReduceMax, ReduceMin (axes an attribute)
 *   softmax, logSoftmax, softmaxFromLse → Softmax, LogSoftmax, Softmax (the lse is recomputed)
 *   matmul → MatMul (transposed operands through Transpose);  linear → MatMul(x, Wᵀ) + b
 *   reshape, broadcastTo → Reshape, Expand of a shape solved from the traces;  permute → Transpose
 *   concat → Concat;  indexSelect, embedding, unbind rows → Gather;  slice → Slice (bounds solved)
 *   lengthMask, causalMask, sinusoidalEncoding → computed in the graph for its sizes (lower-masks.ts)
 *   lstm → one ONNX LSTM per layer (lower-lstm.ts)
 *   erf, fusedAttention, lstmCell → none: an error naming the op (models record gelu, the three-step
 *   attention on the reference backend, and the lstm composite instead)
 */
import type { GradNode, GradNodeOf, OpName, Tensor } from "../tensor/index.js";
import type { GraphBuilder, Value } from "./graph-builder.js";
import { lowerLstm } from "./lower-lstm.js";
import { lowerCausalMask, lowerLengthMask, lowerSinusoidalEncoding } from "./lower-masks.js";
import type { OnnxOp } from "./proto.js";

/** Emits node #i (`n`) of op `O`; returns its output values. */
export type Lowering<O extends OpName> = (g: GraphBuilder, n: GradNodeOf<O>, i: number) => Value[];

/** A lowering that reads no attributes, for any op. */
type AnyLowering = (g: GraphBuilder, n: GradNode, i: number) => Value[];

/** One entry per op name: its lowering, or null where ONNX has no form of it. */
export type LoweringTable = { readonly [O in OpName]: Lowering<O> | null };

const binary =
  (op: OnnxOp): AnyLowering =>
  (g, n, i) =>
    g.f(g.one(op, [g.input(n, i, 0), g.input(n, i, 1)]));

const unary =
  (op: OnnxOp): AnyLowering =>
  (g, n, i) =>
    g.f(g.one(op, [g.input(n, i, 0)]));

const square: Lowering<"square"> = (g, n, i) => {
  const x = g.input(n, i, 0);
  return g.f(g.one("Mul", [x, x]));
};

const pow: Lowering<"pow"> = (g, n, i) => {
  g.checkStatic(i, n.op);
  return g.f(g.one("Pow", [g.input(n, i, 0), g.constFloat(n.attrs.p)]));
};

const gelu: Lowering<"gelu"> = (g, n, i) => {
  const x = g.input(n, i, 0);
  if (n.attrs?.approximate === "tanh") {
    // 0.5 x (1 + tanh(√(2/π) (x + 0.044715 x³)))
    const x3 = g.one("Mul", [g.one("Mul", [x, x]), x]);
    const inner = g.one("Add", [x, g.one("Mul", [x3, g.constFloat(0.044715)])]);
    const t = g.one("Tanh", [g.one("Mul", [inner, g.constFloat(Math.sqrt(2 / Math.PI))])]);
    return g.f(g.one("Mul", [g.one("Mul", [x, g.constFloat(0.5)]), g.one("Add", [t, g.constFloat(1)])]));
  }
  // 0.5 x (1 + erf(x / √2))
  const erf = g.one("Erf", [g.one("Div", [x, g.constFloat(Math.SQRT2)])]);
  return g.f(g.one("Mul", [g.one("Mul", [x, g.constFloat(0.5)]), g.one("Add", [erf, g.constFloat(1)])]));
};

const reduceSum: Lowering<"sum"> = (g, n, i) => {
  g.checkStatic(i, n.op);
  const keepdims = n.attrs.keepDims ? 1 : 0;
  return g.f(g.one("ReduceSum", [g.input(n, i, 0), g.constInts(n.attrs.axes)], { keepdims }));
};

function reduceExtreme(
  g: GraphBuilder,
  n: GradNodeOf<"max"> | GradNodeOf<"min">,
  i: number,
  op: "ReduceMax" | "ReduceMin",
): Value[] {
  g.checkStatic(i, n.op);
  const keepdims = n.attrs.keepDims ? 1 : 0;
  return g.f(g.one(op, [g.input(n, i, 0)], { axes: n.attrs.axes, keepdims }));
}

function softmax(
  g: GraphBuilder,
  n: GradNodeOf<"softmax"> | GradNodeOf<"logSoftmax">,
  i: number,
  op: "Softmax" | "LogSoftmax",
): Value[] {
  return g.f(g.one(op, [g.input(n, i, 0)], { axis: n.attrs.axis }));
}

const matmul: Lowering<"matmul"> = (g, n, i) => {
  const operand = (k: number, trans: boolean) => {
    const x = g.input(n, i, k);
    if (!trans) return x;
    const r = n.parents[k].rank;
    const perm = [...Array(r).keys()];
    [perm[r - 2], perm[r - 1]] = [perm[r - 1], perm[r - 2]];
    return g.one("Transpose", [x], { perm });
  };
  return g.f(g.one("MatMul", [operand(0, n.attrs.transA === true), operand(1, n.attrs.transB === true)]));
};

const linear: Lowering<"linear"> = (g, n, i) => {
  const w = g.one("Transpose", [g.input(n, i, 1)], { perm: [1, 0] });
  const y = g.one("MatMul", [g.input(n, i, 0), w]);
  return g.f(n.parents.length > 2 ? g.one("Add", [y, g.input(n, i, 2)]) : y);
};

const reshape: Lowering<"reshape"> = (g, n, i) =>
  g.f(g.one("Reshape", [g.input(n, i, 0), g.shapeValue(g.attrInts(i, "shape", n.op), true)]));

const broadcastTo: Lowering<"broadcastTo"> = (g, n, i) =>
  g.f(g.one("Expand", [g.input(n, i, 0), g.shapeValue(g.attrInts(i, "shape", n.op), false)]));

const permute: Lowering<"permute"> = (g, n, i) =>
  g.f(g.one("Transpose", [g.input(n, i, 0)], { perm: [...n.attrs.perm] }));

const concat: Lowering<"concat"> = (g, n, i) =>
  g.f(
    g.one(
      "Concat",
      n.parents.map((_, k) => g.input(n, i, k)),
      { axis: n.attrs.axis },
    ),
  );

const indexSelect: Lowering<"indexSelect"> = (g, n, i) => {
  g.checkStatic(i, n.op);
  const idx = n.attrs.indices;
  return g.f(g.one("Gather", [g.input(n, i, 0), g.constInts(Array.from(idx))], { axis: n.attrs.axis }));
};

const slice: Lowering<"slice"> = (g, n, i) => {
  const start = g.attrInt(i, ".start", n.op);
  const end = n.attrs.end === null ? null : g.attrInt(i, ".end", n.op);
  const ends = end === null ? g.int64Max() : g.intValue(end);
  return g.f(g.one("Slice", [g.input(n, i, 0), g.intValue(start), ends, g.constInts([n.attrs.axis])]));
};

/** The hub passes its input through; row k is Gather(k) on axis 0. */
const unbind: Lowering<"unbind"> = (g, n, i) => {
  if (n.attrs?.index === undefined) return g.f(g.input(n, i, 0));
  return g.f(g.one("Gather", [g.input(n, i, 0), g.constInts([n.attrs.index], [])], { axis: 0 }));
};

const embedding: Lowering<"embedding"> = (g, n, i) => {
  let ids: string;
  if (n.parents.length > 1) {
    ids = g.input(n, i, 1, "int64");
    const idsShape = g.attrInts(i, "idsShape", n.op);
    const same =
      idsShape.length === n.parents[1].rank &&
      g.traces.every((t) => {
        const node = t.nodes[i] as GradNodeOf<"embedding">;
        const want = node.attrs?.idsShape ?? [];
        const have = node.parents[1].shape;
        return want.length === have.length && want.every((d, j) => d === have[j]);
      });
    if (!same) ids = g.one("Reshape", [ids, g.shapeValue(idsShape, true)]);
  } else {
    g.checkStatic(i, n.op); // ids given as data: the same in every trace
    const idx = n.attrs.ids as Int32Array;
    ids = g.constInts(Array.from(idx), n.attrs.idsShape);
  }
  return g.f(g.one("Gather", [g.input(n, i, 0), ids], { axis: 0 }));
};

/** The lowering of every op (see the file comment). */
export const LOWERINGS: LoweringTable = {
  add: binary("Add"),
  sub: binary("Sub"),
  mul: binary("Mul"),
  div: binary("Div"),
  maximum: binary("Max"),
  minimum: binary("Min"),
  neg: unary("Neg"),
  exp: unary("Exp"),
  log: unary("Log"),
  tanh: unary("Tanh"),
  sigmoid: unary("Sigmoid"),
  relu: unary("Relu"),
  sqrt: unary("Sqrt"),
  abs: unary("Abs"),
  erf: null,
  square,
  pow,
  gelu,
  sum: reduceSum,
  max: (g, n, i) => reduceExtreme(g, n, i, "ReduceMax"),
  min: (g, n, i) => reduceExtreme(g, n, i, "ReduceMin"),
  softmax: (g, n, i) => softmax(g, n, i, "Softmax"),
  logSoftmax: (g, n, i) => softmax(g, n, i, "LogSoftmax"),
  softmaxFromLse: (g, n, i) => g.f(g.one("Softmax", [g.input(n, i, 0)], { axis: -1 })),
  fusedAttention: null,
  matmul,
  linear,
  reshape,
  broadcastTo,
  permute,
  concat,
  indexSelect,
  slice,
  unbind,
  embedding,
  lengthMask: (g, n, i) => g.f(lowerLengthMask(g, i, g.input(n, i, 0, "int64"))),
  causalMask: (g, _n, i) => g.f(lowerCausalMask(g, i)),
  sinusoidalEncoding: (g, n, i) => g.f(lowerSinusoidalEncoding(g, n, i)),
  lstm: lowerLstm,
  lstmCell: null,
  addLinear: null, // never traced: `addLinear` composes add and matmul while tracing
  mixPositions: null, // never traced: `mixPositions` composes softmax, matmul, add and log while tracing
};

/** Emits node #i through its lowering; an op without one is an error naming it. */
export function lower(g: GraphBuilder, n: GradNode, i: number): Value[] {
  const f = LOWERINGS[n.op] as AnyLowering | null | undefined;
  if (!f) {
    throw new Error(
      `exportOnnx: no ONNX mapping for op "${n.op}" (op #${i}); add one in src/onnx/lowering.ts or trace it as a composite`,
    );
  }
  return f(g, n, i);
}

/** Inputs read as ids or lengths (int64 in the graph). */
export function indexTensors(nodes: GradNode[]): Set<Tensor> {
  const out = new Set<Tensor>();
  for (const n of nodes) {
    if (n.op === "embedding" && n.parents[1]) out.add(n.parents[1]);
    if (n.op === "lengthMask") out.add(n.parents[0]);
    if (n.op === "lstm" && n.attrs.lengths) out.add(n.parents[n.parents.length - 1]);
  }
  return out;
}
