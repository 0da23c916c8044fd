/**
 * MultiheadAttention, the layer (Vaswani et al. 2017, §3.2.2):
 *   MultiHead(Q, K, V) = Concat(head_1, …, head_h) W^O,  head_i = Attention(Q W_i^Q, K W_i^K, V W_i^V)
 * with the semantics, parameter names and initialisation of `torch.nn.MultiheadAttention`, so state
 * dicts move both ways: `in_proj_weight` (3E, E) — or `q_proj_weight` (E, E), `k_proj_weight` (E, kdim),
 * `v_proj_weight` (E, vdim) when kdim/vdim differ from E — `in_proj_bias` (3E), and the submodule
 * `out_proj` (`out_proj.weight`, `out_proj.bias`). The computation is the functional core
 * `multiHeadAttentionForward` (src/attention/multi-head.ts), given this module's tensors where used
 * (never copies). `MultiHeadAttention` is the same class under a second name.
 *
 * With a `cache` (KVCache, src/attention/kv-cache.ts) the layer decodes incrementally: a "self" cache
 * receives this call's projected keys and values appended to the earlier ones (causal implied by
 * `isCausal`), a "static" cache holds the projected keys and values of a fixed memory, computed on the
 * first call and reused.
 *
 * Grouped-query attention (`kvHeads` = Hk dividing H; 1 = multi-query): the key and value projections
 * have Hk·dH rows, so `in_proj_weight` is ((H + 2Hk)·dH, E) (W^Q, W^K, W^V stacked, as with Hk = H) and a
 * cache holds (B, Hk, L, dH). `alibi` and `window` are position masks built at the queries' absolute
 * positions on every call (multi-head.ts), so a cached step sees what the full forward's row sees.
 *
 * Shapes: B batch, T target (query) length, S source (key) length, E embedDim, H numHeads, dH = E/H.
 * Inputs (T, B, E) by default, (B, T, E) with `batchFirst`, or unbatched (T, E). Weights (B, T, S)
 * averaged over heads, or (B, H, T, S) per head.
 */
import type { KVCache } from "../attention/kv-cache.js";
import {
  type MultiHeadForwardOptions,
  type MultiHeadResult,
  multiHeadAttentionForward,
} from "../attention/multi-head.js";
import type { RotaryEmbedding } from "../attention/rotary.js";
import { type Tensor, uniformParam, xavierUniform, zeros } from "../tensor/index.js";
import { Linear } from "./linear.js";
import { Module } from "./module.js";
import { checkOptions } from "./options.js";

/** The configuration of `MultiheadAttention` (PyTorch's arguments, in camelCase). */
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
  /** Rotary position embedding on every head's queries and keys (RoPE; default none). */
  rotary?: RotaryEmbedding | null;
  /** Key/value heads Hk (grouped-query attention; a divisor of numHeads; default numHeads). */
  kvHeads?: number;
  /** ALiBi position biases on the scores (default false). */
  alibi?: boolean;
  /** Sliding-window attention: each query sees keys within `window` positions (default null: all). */
  window?: number | null;
  /** The window is causal (default true: i − window < j ≤ i) or a symmetric band (|i − j| < window). */
  windowCausal?: boolean;
}

/** Options of `MultiheadAttention.forward`. */
export interface MultiheadForwardOptions extends MultiHeadForwardOptions {
  /** Incremental decoding: keys and values of earlier calls ("self") or of a fixed memory ("static"). */
  cache?: KVCache | null;
}

const FORWARD_OPTIONS = {
  supported: ["keyPaddingMask", "attnMask", "isCausal", "needWeights", "averageWeights", "cache"],
  renamed: { averageAttnWeights: "averageWeights" },
};

/**
 * Multi-head attention, as `torch.nn.MultiheadAttention` (names, semantics and initialisation):
 * `forward(query, key, value, opts)` returns `{ output, weights }`; `weights` is null with
 * `needWeights: false`. `MultiHeadAttention` is the same class.
 */
export class MultiheadAttention extends Module {
  readonly embedDim: number;
  readonly numHeads: number;
  readonly headDim: number;
  readonly kdim: number;
  readonly vdim: number;
  readonly batchFirst: boolean;
  readonly dropout: number;
  readonly rotary: RotaryEmbedding | null;
  readonly kvHeads: number;
  readonly alibi: boolean;
  readonly window: number | null;
  readonly windowCausal: boolean;
  readonly outProj: Linear;

  constructor(config: MultiHeadAttentionConfig) {
    super();
    // PyTorch's add_bias_kv and add_zero_attn are refused rather than ignored.
    checkOptions("MultiheadAttention", config, {
      supported: [
        "embedDim",
        "numHeads",
        "kdim",
        "vdim",
        "bias",
        "batchFirst",
        "dropout",
        "rotary",
        "kvHeads",
        "alibi",
        "window",
        "windowCausal",
      ],
      unsupported: { addBiasKv: false, addZeroAttn: false },
    });
    const { embedDim: E, numHeads: H } = config;
    if (!Number.isInteger(E) || !Number.isInteger(H) || E <= 0 || H <= 0 || E % H !== 0) {
      throw new Error(`MultiheadAttention: embedDim (${E}) must be a positive multiple of numHeads (${H})`);
    }
    this.embedDim = E;
    this.numHeads = H;
    this.headDim = E / H;
    this.kdim = config.kdim ?? E;
    this.vdim = config.vdim ?? E;
    this.batchFirst = config.batchFirst ?? false;
    this.dropout = config.dropout ?? 0;
    this.rotary = config.rotary ?? null;
    if (this.rotary && this.rotary.dim !== this.headDim) {
      throw new Error(
        `MultiheadAttention: rotary.dim (${this.rotary.dim}) must equal the head size ${this.headDim}`,
      );
    }
    const Hk = config.kvHeads ?? H;
    if (!Number.isInteger(Hk) || Hk <= 0 || H % Hk !== 0) {
      throw new Error(`MultiheadAttention: kvHeads (${Hk}) must be a positive divisor of numHeads (${H})`);
    }
    this.kvHeads = Hk;
    this.alibi = config.alibi ?? false;
    this.window = config.window ?? null;
    this.windowCausal = config.windowCausal ?? true;
    if (this.window !== null && (!Number.isInteger(this.window) || this.window < 1)) {
      throw new Error(`MultiheadAttention: window must be an integer ≥ 1 or null, got ${this.window}`);
    }
    const Ek = Hk * this.headDim;
    const bias = config.bias ?? true;
    // PyTorch's _reset_parameters: xavier_uniform_ on the (3E, E) or separate projection weights,
    // zero input bias; out_proj is a Linear (U(±1/√E)) whose bias is then zeroed.
    if (this.sameEmbedDim) {
      this.registerParameter("in_proj_weight", xavierUniform([E + 2 * Ek, E]));
    } else {
      this.registerParameter("q_proj_weight", xavierUniform([E, E]));
      this.registerParameter("k_proj_weight", xavierUniform([Ek, this.kdim]));
      this.registerParameter("v_proj_weight", xavierUniform([Ek, this.vdim]));
    }
    if (bias) this.registerParameter("in_proj_bias", zeros([E + 2 * Ek]));
    this.outProj = this.registerModule(
      "out_proj",
      Linear.fromTensors(
        uniformParam([E, E], 1 / Math.sqrt(E)),
        bias ? zeros([E], { requiresGrad: true }) : null,
      ),
    );
  }

  private get sameEmbedDim(): boolean {
    return this.kdim === this.embedDim && this.vdim === this.embedDim;
  }

  /**
   * `forward(query, key, value, opts)` → `{ output, weights }` (PyTorch semantics). With a "static"
   * cache that is already filled, `key` and `value` are not read (they may be null).
   */
  forward(
    query: Tensor,
    key: Tensor | null,
    value: Tensor | null,
    opts: MultiheadForwardOptions = {},
  ): MultiHeadResult {
    checkOptions("MultiheadAttention.forward", opts, FORWARD_OPTIONS);
    const cache = opts.cache ?? null;
    const reuse = cache?.kind === "static" && cache.key !== null;
    const r = multiHeadAttentionForward(query, key, value, {
      ...opts,
      numHeads: this.numHeads,
      batchFirst: this.batchFirst,
      dropout: this.dropout,
      training: this.training,
      rotary: this.rotary,
      numKvHeads: this.kvHeads,
      alibi: this.alibi,
      window: this.window,
      windowCausal: this.windowCausal,
      inProjWeight: this.maybeParam("in_proj_weight") ?? null,
      qProjWeight: this.maybeParam("q_proj_weight") ?? null,
      kProjWeight: this.maybeParam("k_proj_weight") ?? null,
      vProjWeight: this.maybeParam("v_proj_weight") ?? null,
      inProjBias: this.maybeParam("in_proj_bias") ?? null,
      outProjWeight: this.outProj.weight,
      outProjBias: this.outProj.bias,
      pastKey: cache?.kind === "self" ? cache.key : null,
      pastValue: cache?.kind === "self" ? cache.value : null,
      staticKey: reuse ? cache.key : null,
      staticValue: reuse ? cache.value : null,
    });
    if (cache) {
      cache.key = r.key;
      cache.value = r.value;
    }
    return { output: r.output, weights: r.weights };
  }
}

/**
 * The same class as `MultiheadAttention` (PyTorch's spelling), under the paper's spelling; kept so
 * that code written for the earlier attention-layer class keeps working. One implementation.
 */
export const MultiHeadAttention = MultiheadAttention;
export type MultiHeadAttention = MultiheadAttention;
