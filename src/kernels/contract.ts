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
 * `hc` is (2, B, H): h' (B, H), then c' (B, H); `act` (B, 5H) = [σ(i), σ(f), tanh(g), σ(o), tanh(c')]
 * (kept for the backward). The backward's `dhc` has hc's layout.
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
  /**
   * Optional: into += op(A) op(B) in place (`into` holds batch · m · n values): a gradient summed
   * over time steps without a temporary product per step.
   */
  matmulAccumulate?(a: Float32Array, b: Float32Array, p: MatmulParams, into: Float32Array): void;
  /** Reduces along the middle axis of (outer, n, inner) → (outer, inner). */
  reduce(op: ReduceOp, x: Float32Array, outer: number, n: number, inner: number): Float32Array;
  /**
   * Softmax (or log-softmax) along the middle axis, max-subtracted. A lane whose values are all -∞
   * (every key masked) yields zeros for softmax and -∞ for log-softmax — never NaN. With `out`
   * (x.length floats, which may be x itself: in place) the result is written there and `out` returned.
   */
  softmax(
    x: Float32Array,
    outer: number,
    n: number,
    inner: number,
    log: boolean,
    out?: Float32Array,
  ): Float32Array;
  /**
   * Optional: the gradient of softmax (log false: dx = y ⊙ (g − Σ g ⊙ y)) or log-softmax (log true:
   * dx = g − exp(y) ⊙ Σ g) along the middle axis, from the forward's output y and the gradient g.
   */
  softmaxBackward?(
    y: Float32Array,
    g: Float32Array,
    outer: number,
    n: number,
    inner: number,
    log: boolean,
  ): Float32Array;
  /**
   * Optional: the latent alignment's mixture backward (src/attention/latent-alignment.ts). For
   * logits log(Σ_j a_j P_j + floor), P_j = softmax(z_j) over v entries, and u = g / (Σ_j a_j P_j + floor):
   * da_j = P_j · u and dz_j = P_j ⊙ (a_j u − a_j da_j), for P (n, s, v), u (n, v), a (n, s).
   */
  mixtureBackward?(
    p: Float32Array,
    u: Float32Array,
    a: Float32Array,
    n: number,
    s: number,
    v: number,
  ): { dz: Float32Array; da: Float32Array };
  /** Index of the maximum along the middle axis (first one on ties). */
  argmax(x: Float32Array, outer: number, n: number, inner: number): Int32Array;
  /** Transposes axes: out[perm-indexed] = x. */
  permute(x: Float32Array, shape: readonly number[], perm: readonly number[]): Float32Array;
  /** out(outer, indices.length, inner) = x(outer, indices[j], inner). */
  indexSelect(x: Float32Array, outer: number, n: number, inner: number, indices: Int32Array): Float32Array;
  /**
   * Adds g(outer, indices.length, inner) into zeros(outer, n, inner) at indices (gather's adjoint) and
   * returns it; a backend may instead add into `into` (outer·n·inner floats, a gradient sum) and return
   * `into` itself — callers check which array came back.
   */
  indexAdd(
    g: Float32Array,
    outer: number,
    n: number,
    inner: number,
    indices: Int32Array,
    into?: Float32Array,
  ): Float32Array;
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
  /**
   * Optional: out (rows × outFeatures) = x (rows × inFeatures) · weightᵀ + bias, the weight as a Linear
   * stores it (outFeatures × inFeatures), read in place (nothing packed or kept between calls).
   */
  linearRows?(
    x: Float32Array,
    rows: number,
    inFeatures: number,
    weight: Float32Array,
    outFeatures: number,
    bias: Float32Array | null,
    out: Float32Array,
  ): void;
  /**
   * Optional fused Transformer decoder layer for one new position (see DecoderLayerStepParams), in
   * place on x (rows × dModel); writes this position's self-attention key and value into the cache.
   */
  decoderLayerStep?(x: Float32Array, p: DecoderLayerStepParams): void;
  /** Optional fused Transformer encoder layer (see EncoderLayerParams), in place on x (rows × S × dModel). */
  encoderLayer?(x: Float32Array, p: EncoderLayerParams): void;
  /**
   * Optional: into += from in place, `from` repeated along `into` (its length divides into's: a
   * bias added to every row; equal lengths: a gradient sum). Where absent, or for short arrays,
   * callers add with a loop of their own.
   */
  addInto?(into: Float32Array, from: Float32Array): void;
  /**
   * Optional: one Adam update in place over a parameter w, its gradient g and moments m, v, in single
   * precision as torch.optim.Adam: m = β₁m + (1−β₁)g; v = β₂v + (1−β₂)g²;
   * w += −stepSize · m / (√v / bc2 + ε).
   */
  adamStep?(
    w: Float32Array,
    g: Float32Array,
    m: Float32Array,
    v: Float32Array,
    stepSize: number,
    beta1: number,
    beta2: number,
    bc2: number,
    eps: number,
  ): void;
  /**
   * Optional: a dropout mask from mulberry32 state `state` (the global generator's, tensor/random.ts):
   * out[i] = 0 where the i-th draw u < threshold (u a uint32, threshold = p·2³²), else keep; returns
   * the generator's new state. The same draws as the generator's own loop.
   */
  dropoutMask?(out: Float32Array, state: number, threshold: number, keep: number): number;
  /**
   * Optional: x · coef into `out` (default a new array; x itself scales in place), each product in
   * double rounded once to float32 (what a JavaScript loop over a Float32Array gives: gradient-norm
   * clipping's scale, bit for bit). Returns `out`.
   */
  scale?(x: Float32Array, coef: number, out?: Float32Array): Float32Array;
  /** Optional: Σ x², summed in double (gradient-norm clipping). */
  sumOfSquares?(x: Float32Array): number;
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

/**
 * The weights of one Transformer decoder layer (nn/transformer-decoder-layer.ts) as its modules hold
 * them (the tensors' own arrays, never copies): self-attention in_proj (3d × d, 3d) and out_proj,
 * the cross-attention's in_proj (only its first d rows, W_q, are read: the memory's keys and values
 * come projected) and out_proj, linear1 (ff × d), linear2 (d × ff), norm1–3 (γ, β).
 */
export interface DecoderLayerWeights {
  selfIn: Float32Array;
  selfInBias: Float32Array;
  selfOut: Float32Array;
  selfOutBias: Float32Array;
  crossIn: Float32Array;
  crossInBias: Float32Array;
  crossOut: Float32Array;
  crossOutBias: Float32Array;
  linear1: Float32Array;
  linear1Bias: Float32Array;
  linear2: Float32Array;
  linear2Bias: Float32Array;
  norm1: Float32Array;
  norm1Bias: Float32Array;
  norm2: Float32Array;
  norm2Bias: Float32Array;
  norm3: Float32Array;
  norm3Bias: Float32Array;
}

/**
 * One decoder layer's step for a new target position `position` of `rows` rows:
 *   pre-norm:  x += SelfAttn(LN₁ x);  x += CrossAttn(LN₂ x, memory);  x += FFN(LN₃ x)
 *   post-norm: x = LN₁(x + SelfAttn x); x = LN₂(x + CrossAttn(x, memory)); x = LN₃(x + FFN x)
 * SelfAttn attends over the cached positions 0 … position (this one's key and value are written at
 * `position` first); CrossAttn over the memory keys j < srcLengths[row]. Layouts: selfKey/selfValue
 * (R, heads, capacity, dModel/heads), memoryKey/memoryValue (R, heads, srcLength, dModel/heads) with
 * row n at rowMap[n] < R,
 * crossProbs (rows, heads, srcLength) (zero at masked keys) or null.
 */
export interface DecoderLayerStepParams {
  rows: number;
  dModel: number;
  heads: number;
  dimFeedforward: number;
  /** S: the memory's (padded) length. */
  srcLength: number;
  capacity: number;
  position: number;
  normFirst: boolean;
  activation: "relu" | "gelu";
  eps: number;
  selfKey: Float32Array;
  selfValue: Float32Array;
  memoryKey: Float32Array;
  memoryValue: Float32Array;
  srcLengths: Int32Array;
  /** Row n's row in selfKey, selfValue, memoryKey and memoryValue (whose first axis may be longer). */
  rowMap: Int32Array;
  crossProbs: Float32Array | null;
  weights: DecoderLayerWeights;
}

/** The weights of one Transformer encoder layer (nn/transformer-encoder-layer.ts), as its modules hold them. */
export interface EncoderLayerWeights {
  selfIn: Float32Array;
  selfInBias: Float32Array;
  selfOut: Float32Array;
  selfOutBias: Float32Array;
  linear1: Float32Array;
  linear1Bias: Float32Array;
  linear2: Float32Array;
  linear2Bias: Float32Array;
  norm1: Float32Array;
  norm1Bias: Float32Array;
  norm2: Float32Array;
  norm2Bias: Float32Array;
}

/**
 * One encoder layer over `rows` rows of `srcLength` positions:
 *   pre-norm:  x += SelfAttn(LN₁ x);  x += FFN(LN₂ x)
 *   post-norm: x = LN₁(x + SelfAttn x); x = LN₂(x + FFN x)
 * each position of row r attending over the keys j < srcLengths[r] (the padding mask).
 */
export interface EncoderLayerParams {
  rows: number;
  srcLength: number;
  dModel: number;
  heads: number;
  dimFeedforward: number;
  normFirst: boolean;
  activation: "relu" | "gelu";
  eps: number;
  srcLengths: Int32Array;
  weights: EncoderLayerWeights;
}
