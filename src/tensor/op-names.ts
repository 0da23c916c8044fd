/**
 * Op identity: every op that records a `GradNode` is named here, with the attributes it records —
 * its non-tensor arguments (axes, shapes, flags), which exporters read (src/onnx/lowering.ts). As
 * tfjs's kernel_names.ts: a name is a type, not a free string, so `record(out, "sofmax", …)`, a
 * misspelt lowering key, or a `softmax` node recorded without its `axis` is a type error.
 *
 *   OpAttrs[op]     the attributes `record`/`composite` take for `op` (undefined: none)
 *   NodeAttrs<op>   what the node holds: OpAttrs[op], plus for a composite op (linear, slice, lstm)
 *                   its output index and the shared `call` object of its outputs
 *   GradNodeOf<op>  a node of that op; `GradNode` is the union over every op
 */
import type { Tensor } from "./tensor.js";

/** The module an "lstm" composite records (structurally nn/LSTM; the tensor layer cannot import nn/). */
export interface LstmModuleLike {
  readonly numLayers: number;
  readonly hiddenSize: number;
  readonly bidirectional: boolean;
  readonly batchFirst: boolean;
  readonly bias: boolean;
  /** The parameter registered under `name`. */
  param(name: string): Tensor;
}

/** Reduction attributes: the reduced axes (normalised, sorted) and whether they are kept. */
export interface ReduceAttrs {
  axes: number[];
  keepDims: boolean;
}

/** The attributes of each op (undefined: the op records none; `| undefined`: it may record none). */
export interface OpAttrs {
  add: undefined;
  /** base + x Wᵀ (tensor/ops/matmul.ts `addLinear`; never recorded while tracing: composed then). */
  addLinear: undefined;
  sub: undefined;
  mul: undefined;
  div: undefined;
  maximum: undefined;
  minimum: undefined;
  pow: { p: number };
  neg: undefined;
  exp: undefined;
  log: undefined;
  tanh: undefined;
  sigmoid: undefined;
  relu: undefined;
  sqrt: undefined;
  abs: undefined;
  erf: undefined;
  square: undefined;
  /** The exact form records nothing; a node written for the tanh form says so. */
  gelu: { approximate: "none" | "tanh" } | undefined;
  sum: ReduceAttrs;
  max: ReduceAttrs;
  min: ReduceAttrs;
  softmax: { axis: number };
  logSoftmax: { axis: number };
  softmaxFromLse: undefined;
  fusedAttention: undefined;
  matmul: { transA: boolean; transB: boolean };
  linear: Record<never, never>;
  reshape: { shape: number[] };
  permute: { perm: number[] };
  broadcastTo: { shape: number[] };
  indexSelect: { axis: number; indices: Int32Array };
  /** Bounds as given (negative from the end; end null = to the end). */
  slice: { axis: number; start: number; end: number | null };
  concat: { axis: number };
  /** The hub over x records none; row `index` does. */
  unbind: { index: number } | undefined;
  /** `ids` null when the ids are a tensor input (parent 1), else the ids themselves. */
  embedding: { idsShape: number[]; ids: Int32Array | null };
  lengthMask: { shape: number[] };
  causalMask: { shape: [number, number]; diagonal: number };
  sinusoidalEncoding: { shape: [number, number]; offset: number };
  lstm: { lstm: LstmModuleLike; state: boolean; lengths: boolean };
  lstmCell: undefined;
  /**
   * log Σ_j a_j softmax(z_j) with its fused backward (attention/latent-alignment.ts `mixPositions`;
   * never recorded while tracing: composed then).
   */
  mixPositions: undefined;
}

/** Every op name (a union: a misspelling is a type error). */
export type OpName = keyof OpAttrs;

/** Ops traced whole by `composite` (their nodes carry `output` and `call`). */
export type CompositeOpName = "linear" | "slice" | "lstm";

/** What a composite op's nodes hold besides its attributes: one `call` object shared by its outputs. */
export interface CompositeFields<A> {
  outputs: number;
  /** Which output of the call this node produces. */
  output: number;
  call: A & { outputs: number };
}

/** The attributes a node of `O` holds. */
export type NodeAttrs<O extends OpName> = O extends CompositeOpName
  ? OpAttrs[O] & CompositeFields<OpAttrs[O]>
  : OpAttrs[O];

/** The attribute argument of `record`/`composite` for attributes `A`: optional where `A` may be undefined. */
export type AttrArgs<A> = undefined extends A ? [attrs?: A] : [attrs: A];

/** What an op records for the backward pass (and, while tracing, for export). */
export type GradNodeOf<O extends OpName> = {
  op: O;
  parents: Tensor[];
  /** Maps dL/d(output) to dL/d(parent) for each parent (null where no gradient flows). */
  /**
   * The parents' gradients from this output's. `sums[i]`, when given, is a gradient sum of parent i
   * that autograd owns (nothing else holds it): the op may add parent i's gradient into it in place
   * and return null there instead of a new tensor.
   */
  backward: (grad: Tensor, sums?: readonly (Tensor | null)[]) => (Tensor | null)[];
} & NodeAttrsField<O>;

/** The op's arguments other than its tensor inputs (axes, shapes, flags), read by exporters: present
 * on every node of an op that records them. */
type NodeAttrsField<O extends OpName> = undefined extends OpAttrs[O]
  ? { attrs?: Readonly<NodeAttrs<O>> }
  : { attrs: Readonly<NodeAttrs<O>> };

/** A recorded node of any op. */
export type GradNode = { [O in OpName]: GradNodeOf<O> }[OpName];
