/**
 * Multi-head attention (Vaswani et al. 2017, §3.2.2):
 *   MultiHead(Q, K, V) = Concat(head_1, …, head_h) W^O,  head_i = Attention(Q W_i^Q, K W_i^K, V W_i^V)
 * with the semantics, parameter names and initialisation of `torch.nn.MultiheadAttention`, so state
 * dicts move both ways (`in_proj_weight`, `in_proj_bias`, `out_proj.weight`, `out_proj.bias`, or
 * `q_proj_weight`/`k_proj_weight`/`v_proj_weight` when kdim/vdim differ from embedDim).
 *
 * Shapes (declared once): B batch, T target (query) length, S source (key) length, E embedDim,
 * H numHeads, dH = E/H head size. Inputs are (T, B, E) by default, (B, T, E) with `batchFirst`,
 * or unbatched (T, E). Weights are (B, T, S) averaged over heads, or (B, H, T, S) per head.
 */
import {
  linear,
  mean,
  noGrad,
  permute,
  reshape,
  slice,
  squeeze,
  type Tensor,
  transpose,
  uniformParam,
  unsqueeze,
  xavierUniform,
  zeros,
} from "../tensor/index.js";
import { fmt } from "../tensor/shape.js";
import { type AttentionMask, combineMasks } from "./masks.js";
import { scaledDotProductAttention } from "./scaled-dot-product.js";

export interface MultiHeadAttentionConfig {
  embedDim: number;
  numHeads: number;
  /** Key feature size (default embedDim). */
  kdim?: number;
  /** Value feature size (default embedDim). */
  vdim?: number;
  /** Biases on the input and output projections (default true). */
  bias?: boolean;
  /** Inputs and outputs are (B, T, E) instead of (T, B, E) (default false, as PyTorch). */
  batchFirst?: boolean;
  /** Dropout on the attention weights in training mode (default 0). */
  dropout?: number;
}

export interface MultiHeadForwardOptions {
  /** Which keys are padding (e.g. `paddingMask(lengths)` or `fromTorchKeyPaddingMask(m)`). */
  keyPaddingMask?: AttentionMask | null;
  /** A (T, S) or (B·H, T, S) mask (e.g. `causalMask()` or `fromTorchAttnMask(m, "bool")`). */
  attnMask?: AttentionMask | null;
  /** Adds a causal mask. */
  isCausal?: boolean;
  /** Return the attention weights (default true). */
  needWeights?: boolean;
  /** Average the weights over heads (default true) or return them per head. */
  averageWeights?: boolean;
}

export interface MultiHeadResult {
  output: Tensor;
  /** (B, T, S) averaged, (B, H, T, S) per head, or null when `needWeights` is false. */
  weights: Tensor | null;
}

export class MultiHeadAttention {
  readonly embedDim: number;
  readonly numHeads: number;
  readonly headDim: number;
  readonly kdim: number;
  readonly vdim: number;
  readonly batchFirst: boolean;
  readonly dropout: number;
  /** Dropout is active only in training mode. */
  training = true;
  private readonly params = new Map<string, Tensor>();

  constructor(config: MultiHeadAttentionConfig) {
    const { embedDim: E, numHeads: H } = config;
    if (!Number.isInteger(E) || !Number.isInteger(H) || E <= 0 || H <= 0 || E % H !== 0) {
      throw new Error(`MultiHeadAttention: embedDim (${E}) must be a positive multiple of numHeads (${H})`);
    }
    this.embedDim = E;
    this.numHeads = H;
    this.headDim = E / H;
    this.kdim = config.kdim ?? E;
    this.vdim = config.vdim ?? E;
    this.batchFirst = config.batchFirst ?? false;
    this.dropout = config.dropout ?? 0;
    const bias = config.bias ?? true;
    // PyTorch's _reset_parameters: xavier_uniform_ on the (3E, E) or separate projection weights,
    // zero input bias; out_proj is a Linear (U(±1/√E)) whose bias is then zeroed.
    if (this.sameEmbedDim) {
      this.params.set("in_proj_weight", xavierUniform([3 * E, E]));
    } else {
      this.params.set("q_proj_weight", xavierUniform([E, E]));
      this.params.set("k_proj_weight", xavierUniform([E, this.kdim]));
      this.params.set("v_proj_weight", xavierUniform([E, this.vdim]));
    }
    if (bias) this.params.set("in_proj_bias", zeros([3 * E], { requiresGrad: true }));
    this.params.set("out_proj.weight", uniformParam([E, E], 1 / Math.sqrt(E)));
    if (bias) this.params.set("out_proj.bias", zeros([E], { requiresGrad: true }));
  }

  private get sameEmbedDim(): boolean {
    return this.kdim === this.embedDim && this.vdim === this.embedDim;
  }

  /** Training mode (dropout on) or evaluation mode (off). */
  train(on = true): this {
    this.training = on;
    return this;
  }

  eval(): this {
    return this.train(false);
  }

  /** Parameters by PyTorch name. */
  namedParameters(): [string, Tensor][] {
    return [...this.params.entries()];
  }

  parameters(): Tensor[] {
    return [...this.params.values()];
  }

  /** The parameters as a PyTorch-compatible state dict (the tensors themselves, not copies). */
  stateDict(): Record<string, Tensor> {
    return Object.fromEntries(this.params);
  }

  /** Copies values from a state dict; names and shapes must match (unknown or missing names are errors when strict). */
  loadStateDict(dict: Record<string, Tensor>, { strict = true } = {}): void {
    for (const [name, src] of Object.entries(dict)) {
      const dst = this.params.get(name);
      if (!dst) {
        if (strict) throw new Error(`MultiHeadAttention.loadStateDict: unexpected key "${name}"`);
        continue;
      }
      if (src.shape.length !== dst.shape.length || src.shape.some((d, i) => d !== dst.shape[i])) {
        throw new Error(
          `MultiHeadAttention.loadStateDict: "${name}" has shape ${fmt(src.shape)}, expected ${fmt(dst.shape)}`,
        );
      }
      dst.data.set(src.data);
    }
    if (strict) {
      const missing = [...this.params.keys()].filter((k) => !(k in dict));
      if (missing.length)
        throw new Error(`MultiHeadAttention.loadStateDict: missing keys ${missing.join(", ")}`);
    }
  }

  private projections(): [Tensor, Tensor, Tensor, Tensor | null, Tensor | null, Tensor | null] {
    const E = this.embedDim;
    const b = this.params.get("in_proj_bias");
    const bq = b ? slice(b, 0, 0, E) : null;
    const bk = b ? slice(b, 0, E, 2 * E) : null;
    const bv = b ? slice(b, 0, 2 * E) : null;
    if (this.sameEmbedDim) {
      const w = this.params.get("in_proj_weight")!;
      return [slice(w, 0, 0, E), slice(w, 0, E, 2 * E), slice(w, 0, 2 * E), bq, bk, bv];
    }
    return [
      this.params.get("q_proj_weight")!,
      this.params.get("k_proj_weight")!,
      this.params.get("v_proj_weight")!,
      bq,
      bk,
      bv,
    ];
  }

  /** `forward(query, key, value, opts)` → `{ output, weights }` (PyTorch semantics). */
  forward(query: Tensor, key: Tensor, value: Tensor, opts: MultiHeadForwardOptions = {}): MultiHeadResult {
    const E = this.embedDim;
    const H = this.numHeads;
    const dH = this.headDim;
    const shapes = `query ${fmt(query.shape)}, key ${fmt(key.shape)}, value ${fmt(value.shape)}`;
    const unbatched = query.rank === 2;
    const rank = unbatched ? 2 : 3;
    if (query.rank !== rank || key.rank !== rank || value.rank !== rank) {
      throw new Error(
        `MultiHeadAttention.forward: query, key and value must all be rank 2 or all rank 3, got ${shapes}`,
      );
    }
    if (
      query.shape[rank - 1] !== E ||
      key.shape[rank - 1] !== this.kdim ||
      value.shape[rank - 1] !== this.vdim
    ) {
      throw new Error(
        `MultiHeadAttention.forward: feature sizes must be E=${E}, kdim=${this.kdim}, vdim=${this.vdim}; got ${shapes}`,
      );
    }
    // To (B, T, E) / (B, S, ·).
    const toBatchFirst = (x: Tensor) =>
      unbatched ? unsqueeze(x, 0) : this.batchFirst ? x : transpose(x, 0, 1);
    const q0 = toBatchFirst(query);
    const k0 = toBatchFirst(key);
    const v0 = toBatchFirst(value);
    const [B, T] = q0.shape;
    const S = k0.shape[1];
    if (k0.shape[0] !== B || v0.shape[0] !== B || v0.shape[1] !== S) {
      throw new Error(`MultiHeadAttention.forward: batch sizes or key/value lengths disagree: ${shapes}`);
    }
    const [wq, wk, wv, bq, bk, bv] = this.projections();
    // (B, L, E) → (B, L, H, dH) → (B, H, L, dH)
    const heads = (x: Tensor, L: number) => permute(reshape(x, [B, L, H, dH]), [0, 2, 1, 3]);
    const q = heads(linear(q0, wq, bq), T);
    const k = heads(linear(k0, wk, bk), S);
    const v = heads(linear(v0, wv, bv), S);
    const mask = combineMasks(opts.keyPaddingMask, opts.attnMask);
    const r = scaledDotProductAttention(q, k, v, {
      mask,
      causal: opts.isCausal,
      dropout: this.dropout,
      training: this.training,
    });
    // (B, H, T, dH) → (B, T, H, dH) → (B, T, E)
    const merged = reshape(permute(r.output, [0, 2, 1, 3]), [B, T, E]);
    let output = linear(merged, this.params.get("out_proj.weight")!, this.params.get("out_proj.bias"));
    output = unbatched ? squeeze(output, 0) : this.batchFirst ? output : transpose(output, 0, 1);
    let weights: Tensor | null = null;
    if (opts.needWeights ?? true) {
      weights = (opts.averageWeights ?? true) ? mean(r.weights, 1) : r.weights;
      if (unbatched) weights = squeeze(weights, 0);
    }
    return { output, weights };
  }

  /** Number of scalar parameters. */
  get numParameters(): number {
    return noGrad(() => this.parameters().reduce((p, t) => p + t.size, 0));
  }
}
