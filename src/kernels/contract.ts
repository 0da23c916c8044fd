/**
 * The kernel contract: the forward computations every backend implements, named and typed.
 *
 * Ops (src/tensor/ops) own shapes, validation and gradients; backends only fill Float32Arrays.
 * A kernel must not keep or mutate its inputs, and returns a fresh (or pooled, caller-owned) array.
 * Gradients are written once, in the ops, out of these same kernels — never per backend (as tfjs).
 *
 * Shape conventions: arrays are row-major. Axis-wise kernels see a tensor as (outer, n, inner) and
 * work along the middle dimension.
 */

export type UnaryOp =
  | "neg"
  | "exp"
  | "log"
  | "tanh"
  | "sigmoid"
  | "relu"
  | "sqrt"
  | "abs"
  | "sign"
  | "square"
  | "reciprocal"
  /** The error function erf(x) = 2/√π ∫₀ˣ e^(−t²) dt (for the exact GELU). */
  | "erf";

export type BinaryOp = "add" | "sub" | "mul" | "div" | "pow" | "maximum" | "minimum" | "eq" | "gt" | "ge";

export type ReduceOp = "sum" | "max" | "min";

/** Batched matrix product C[b] = op(A[b]) · op(B[b]), op = transpose when the flag is set. */
export interface MatmulParams {
  /** Number of matrix products. */
  batch: number;
  m: number;
  k: number;
  n: number;
  /** A[b] is stored (k, m) rather than (m, k). */
  transA: boolean;
  /** B[b] is stored (n, k) rather than (k, n). */
  transB: boolean;
  /** Element offset of A[b] for each b (length `batch`), which allows broadcast batch dimensions. */
  aOffsets: Int32Array;
  bOffsets: Int32Array;
}

/**
 * Fused scaled-dot-product attention (optional: a backend may leave it out). Inputs are row-major
 * q (bh, t, d), k (bh, s, d), v (bh, s, dv) with bh = batch·heads; scores are
 *   s_ij = scale · q_i·k_j + bias_ij,  −∞ where `causal` and j > i (top-left aligned).
 */
export interface FusedAttentionParams {
  /** Batch·heads, query length, key length, head dim, value head dim. */
  bh: number;
  t: number;
  s: number;
  d: number;
  dv: number;
  scale: number;
  causal: boolean;
  /**
   * Optional additive bias (−∞ = not allowed). Entry (h, i, j) is
   * `data[offsets[h] + i·strides[0] + j·strides[1]]`: per-slice offsets (as MatmulParams) allow any
   * broadcast over the leading dims; a stride of 0 broadcasts over queries or keys.
   */
  bias?: { data: Float32Array; offsets: Int32Array; strides: [number, number] };
}

/**
 * Fused LSTM cell (optional): the element-wise part of one step, in one kernel. From pre-activation
 * gates (B, 4H) in PyTorch's order i, f, g, o and the previous cell c (B, H):
 *   c' = σ(f) ⊙ c + σ(i) ⊙ tanh(g),   h' = σ(o) ⊙ tanh(c')
 * `hc` is (B, 2, H) = [h'; c'] per batch row, `act` (B, 5H) = [σ(i), σ(f), tanh(g), σ(o), tanh(c')]
 * (kept for the backward).
 */
export interface LstmCellResult {
  hc: Float32Array;
  act: Float32Array;
}

/** Gradients of the fused LSTM cell: pre-activation gates (B, 4H) and previous cell (B, H). */
export interface LstmCellGrads {
  dGates: Float32Array;
  dc: Float32Array;
}

/** Gradients of fused attention with respect to q, k and v (shapes as the inputs). */
export interface AttentionGrads {
  dq: Float32Array;
  dk: Float32Array;
  dv: Float32Array;
}

/**
 * What a backend can do, declared by the backend itself: code chooses paths by capability, never by
 * a backend's name.
 */
export interface BackendCapabilities {
  /** Has both fused attention kernels (`attentionForward`, `attentionBackward`). */
  readonly fusedAttention: boolean;
  /**
   * Its fused attention is the fast path, so `scaledDotProductAttention` takes it by default. False for
   * an oracle (the reference backend's fused kernels are what the fast ones are tested against; there
   * the three readable steps stay the default).
   */
  readonly preferFusedAttention: boolean;
  /** Runs kernels on more than one thread (`setNumThreads` applies). */
  readonly threads: boolean;
}

/**
 * A kernel backend: the arrays-in, arrays-out kernels every op dispatches to (reference, wasm,
 * native), and the `capabilities` code chooses paths by.
 */
export interface Backend {
  readonly name: string;
  readonly capabilities: BackendCapabilities;
  /** An element-wise function of one array. */
  unary(op: UnaryOp, x: Float32Array): Float32Array;
  /** Broadcasting element-wise op; `outShape` is the broadcast of `aShape` and `bShape`. */
  binary(
    op: BinaryOp,
    a: Float32Array,
    aShape: readonly number[],
    b: Float32Array,
    bShape: readonly number[],
    outShape: readonly number[],
  ): Float32Array;
  /** Batched matrix products C = op(A) op(B) with the offsets and transposes in `p`. */
  matmul(a: Float32Array, b: Float32Array, p: MatmulParams): Float32Array;
  /** Reduces along the middle axis of (outer, n, inner) → (outer, inner). */
  reduce(op: ReduceOp, x: Float32Array, outer: number, n: number, inner: number): Float32Array;
  /**
   * Softmax (or log-softmax) along the middle axis, max-subtracted. A lane whose values are all -∞
   * (every key masked) yields zeros for softmax and -∞ for log-softmax — never NaN.
   */
  softmax(x: Float32Array, outer: number, n: number, inner: number, log: boolean): Float32Array;
  /** Index of the maximum along the middle axis (first one on ties). */
  argmax(x: Float32Array, outer: number, n: number, inner: number): Int32Array;
  /** Transposes axes: out[perm-indexed] = x. */
  permute(x: Float32Array, shape: readonly number[], perm: readonly number[]): Float32Array;
  /** out(outer, indices.length, inner) = x(outer, indices[j], inner). */
  indexSelect(x: Float32Array, outer: number, n: number, inner: number, indices: Int32Array): Float32Array;
  /** Adds g(outer, indices.length, inner) into zeros(outer, n, inner) at indices (gather's adjoint). */
  indexAdd(g: Float32Array, outer: number, n: number, inner: number, indices: Int32Array): Float32Array;
  /** Concatenates parts of shape (outer, sizes[i], inner) along the middle axis. */
  concat(parts: Float32Array[], outer: number, sizes: readonly number[], inner: number): Float32Array;
  /**
   * Optional fused attention forward (FlashAttention): output (bh, t, dv) and the log-sum-exp of each
   * query's scores (bh, t), without materialising the (t, s) scores. A query whose keys are all
   * masked gets a zero output and lse = −∞.
   */
  attentionForward?(
    q: Float32Array,
    k: Float32Array,
    v: Float32Array,
    p: FusedAttentionParams,
  ): { output: Float32Array; lse: Float32Array };
  /**
   * Optional fused attention backward (FlashAttention-2): from the forward's output and lse and the
   * output gradient, recomputing the weights exp(s − lse) block by block. Fully masked queries get
   * zero gradients. A backend has both fused kernels or neither.
   */
  attentionBackward?(
    q: Float32Array,
    k: Float32Array,
    v: Float32Array,
    output: Float32Array,
    lse: Float32Array,
    dOutput: Float32Array,
    p: FusedAttentionParams,
  ): AttentionGrads;
  /** Optional fused LSTM cell forward (see LstmCellResult); a backend has both LSTM kernels or neither. */
  lstmCell?(gates: Float32Array, c: Float32Array, batch: number, hidden: number): LstmCellResult;
  /** Optional fused LSTM cell backward: from the forward's `act`, c and the gradient of `hc`. */
  lstmCellBackward?(
    act: Float32Array,
    c: Float32Array,
    dhc: Float32Array,
    batch: number,
    hidden: number,
  ): LstmCellGrads;
}
