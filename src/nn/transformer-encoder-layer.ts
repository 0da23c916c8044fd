/**
 * TransformerEncoderLayer (Vaswani et al. 2017, §3.1), as `torch.nn.TransformerEncoderLayer` (1.13):
 * self-attention and a position-wise feed-forward network, each wrapped in a residual connection and
 * layer normalisation, and dropout on each sub-layer's output:
 *   FFN(x) = W₂ · dropout(act(W₁ x + b₁)) + b₂                       (§3.3; act = ReLU or exact GELU)
 *   post-norm (normFirst = false, the paper):  x = LN₁(x + dropout₁(SelfAttn(x)))
 *                                              x = LN₂(x + dropout₂(FFN(x)))
 *   pre-norm  (normFirst = true, Xiong et al. 2020):  x = x + dropout₁(SelfAttn(LN₁(x)))
 *                                                     x = x + dropout₂(FFN(LN₂(x)))
 * SelfAttn is `MultiheadAttention(x, x, x)` on the `attend` core, with the `mask` (which keys are
 * allowed: `paddingMask(lengths)`, `causalMask()`, …) and dropout on its weights.
 * State-dict names as PyTorch: self_attn.{in_proj_weight, in_proj_bias, out_proj.weight, out_proj.bias},
 * linear1.{weight, bias}, linear2.{weight, bias}, norm1.{weight, bias}, norm2.{weight, bias}.
 *
 * Shapes: x (S, B, E), or (B, S, E) with `batchFirst`, or unbatched (S, E); E = dModel.
 */
import type { AttentionMask } from "../attention/masks.js";
import { RotaryEmbedding } from "../attention/rotary.js";
import { add, gelu, relu, type Tensor } from "../tensor/index.js";
import { fmt } from "../tensor/shape.js";
import { Dropout } from "./dropout.js";
import { LayerNorm } from "./layer-norm.js";
import { Linear } from "./linear.js";
import { Module } from "./module.js";
import { type MultiHeadAttentionConfig, MultiheadAttention } from "./multihead-attention.js";
import { checkOptions } from "./options.js";

/** The options every Transformer layer takes (PyTorch's names, camel-cased, and defaults). */
export interface TransformerLayerConfig {
  /** E, the model size. */
  dModel: number;
  /** H, the number of attention heads (E must be a multiple of H). */
  nhead: number;
  /** The inner size of the feed-forward network (default 2048). */
  dimFeedforward?: number;
  /** Dropout on attention weights and every sub-layer output (default 0.1). */
  dropout?: number;
  /** The feed-forward activation (default "relu"; "gelu" is the exact erf GELU). */
  activation?: "relu" | "gelu";
  /** ε of every LayerNorm (default 1e-5). */
  layerNormEps?: number;
  /** (B, T, E) instead of (T, B, E) (default false). */
  batchFirst?: boolean;
  /** Layer norm before each sub-layer instead of after the residual (default false). */
  normFirst?: boolean;
  /**
   * Key/value heads of every attention, self and cross (grouped-query attention; a divisor of nhead;
   * default nhead, 1 = multi-query). in_proj_weight is then ((nhead + 2·kvHeads)·dH, E).
   */
  kvHeads?: number;
  /** RoPE on the self-attention's queries and keys, per head (dH = dModel/nhead even; default false). */
  rotary?: boolean;
  /** ALiBi biases on the self-attention scores (default false). */
  alibi?: boolean;
  /**
   * Sliding-window self-attention (default null: none): in a decoder layer query i sees keys
   * i − window < j ≤ i (causal, Mistral), in an encoder layer |i − j| < window (a symmetric band).
   */
  window?: number | null;
}

export type ResolvedTransformerLayerConfig = Required<TransformerLayerConfig>;

/** Fills the defaults and checks the numbers, naming the one that is wrong. */
export function resolveLayerConfig(op: string, c: TransformerLayerConfig): ResolvedTransformerLayerConfig {
  checkOptions(op, c, {
    supported: [
      "dModel",
      "nhead",
      "dimFeedforward",
      "dropout",
      "activation",
      "layerNormEps",
      "batchFirst",
      "normFirst",
      "numLayers",
      "norm",
      "numEncoderLayers",
      "numDecoderLayers",
      "kvHeads",
      "rotary",
      "alibi",
      "window",
    ],
    unsupported: { bias: true, customEncoder: null, customDecoder: null },
  });
  const r: ResolvedTransformerLayerConfig = {
    dModel: c.dModel,
    nhead: c.nhead,
    dimFeedforward: c.dimFeedforward ?? 2048,
    dropout: c.dropout ?? 0.1,
    activation: c.activation ?? "relu",
    layerNormEps: c.layerNormEps ?? 1e-5,
    batchFirst: c.batchFirst ?? false,
    normFirst: c.normFirst ?? false,
    kvHeads: c.kvHeads ?? c.nhead,
    rotary: c.rotary ?? false,
    alibi: c.alibi ?? false,
    window: c.window ?? null,
  };
  const positive = (name: string, v: number) => {
    if (!Number.isInteger(v) || v <= 0)
      throw new Error(`${op}: ${name} must be a positive integer, got ${v}`);
  };
  positive("dModel", r.dModel);
  positive("nhead", r.nhead);
  positive("dimFeedforward", r.dimFeedforward);
  if (r.dModel % r.nhead !== 0) {
    throw new Error(`${op}: dModel (${r.dModel}) must be a multiple of nhead (${r.nhead})`);
  }
  if (!(r.dropout >= 0 && r.dropout < 1))
    throw new Error(`${op}: dropout must be in [0, 1), got ${r.dropout}`);
  if (r.activation !== "relu" && r.activation !== "gelu") {
    throw new Error(`${op}: activation must be "relu" or "gelu", got "${String(r.activation)}"`);
  }
  if (!(r.layerNormEps > 0)) throw new Error(`${op}: layerNormEps must be positive, got ${r.layerNormEps}`);
  if (!Number.isInteger(r.kvHeads) || r.kvHeads <= 0 || r.nhead % r.kvHeads !== 0) {
    throw new Error(`${op}: kvHeads must be a positive divisor of nhead (${r.nhead}), got ${r.kvHeads}`);
  }
  if (r.rotary && (r.dModel / r.nhead) % 2 !== 0) {
    throw new Error(
      `${op}: rotary needs an even head size, got dModel/nhead = ${r.dModel}/${r.nhead} = ${r.dModel / r.nhead}`,
    );
  }
  if (r.window !== null && (!Number.isInteger(r.window) || r.window < 1)) {
    throw new Error(`${op}: window must be an integer ≥ 1 or null, got ${r.window}`);
  }
  return r;
}

/**
 * The self-attention of a layer of config `c`: positions (RoPE, ALiBi), window and kvHeads; a decoder's
 * cross-attention takes kvHeads only (source and target positions are not on one axis).
 */
export function selfAttentionConfig(c: ResolvedTransformerLayerConfig): MultiHeadAttentionConfig {
  return {
    embedDim: c.dModel,
    numHeads: c.nhead,
    dropout: c.dropout,
    batchFirst: c.batchFirst,
    kvHeads: c.kvHeads,
    rotary: c.rotary ? new RotaryEmbedding(c.dModel / c.nhead) : null,
    alibi: c.alibi,
    window: c.window,
  };
}

/** Checks that x is (…, dModel) of rank 2 or 3. */
export function checkModelInput(op: string, name: string, x: Tensor, dModel: number): void {
  if ((x.rank !== 2 && x.rank !== 3) || x.shape[x.rank - 1] !== dModel) {
    throw new Error(
      `${op}: ${name} must be (T, B, ${dModel}), (B, T, ${dModel}) or (T, ${dModel}), got ${fmt(x.shape)}`,
    );
  }
}

/** The position-wise feed-forward block of both layer kinds: W₂ · dropout(act(W₁ x + b₁)) + b₂. */
export function feedForward(
  x: Tensor,
  layer: { linear1: Linear; linear2: Linear; dropout: Dropout; config: { activation: "relu" | "gelu" } },
): Tensor {
  const h = layer.linear1.forward(x);
  const a = layer.config.activation === "gelu" ? gelu(h) : relu(h);
  return layer.linear2.forward(layer.dropout.forward(a));
}

/** Options of `TransformerEncoderLayer.forward` (masks). */
export interface TransformerEncoderLayerOptions {
  /** Which keys each position may attend to (padding, causal, …); null = all. */
  mask?: AttentionMask | null;
}

/**
 * Self-attention and a feed-forward network with residuals and layer norms (post- or pre-norm), as
 * `torch.nn.TransformerEncoderLayer`.
 */
export class TransformerEncoderLayer extends Module {
  readonly config: ResolvedTransformerLayerConfig;
  readonly selfAttn: MultiheadAttention;
  readonly linear1: Linear;
  readonly dropout: Dropout;
  readonly linear2: Linear;
  readonly norm1: LayerNorm;
  readonly norm2: LayerNorm;
  readonly dropout1: Dropout;
  readonly dropout2: Dropout;

  constructor(config: TransformerLayerConfig) {
    super();
    const c = resolveLayerConfig("TransformerEncoderLayer", config);
    this.config = c;
    // Registration order = PyTorch's, so namedParameters() lists the same names in the same order.
    this.selfAttn = this.registerModule(
      "self_attn",
      new MultiheadAttention({ ...selfAttentionConfig(c), windowCausal: false }),
    );
    this.linear1 = this.registerModule("linear1", new Linear(c.dModel, c.dimFeedforward));
    this.dropout = this.registerModule("dropout", new Dropout(c.dropout));
    this.linear2 = this.registerModule("linear2", new Linear(c.dimFeedforward, c.dModel));
    this.norm1 = this.registerModule("norm1", new LayerNorm(c.dModel, { eps: c.layerNormEps }));
    this.norm2 = this.registerModule("norm2", new LayerNorm(c.dModel, { eps: c.layerNormEps }));
    this.dropout1 = this.registerModule("dropout1", new Dropout(c.dropout));
    this.dropout2 = this.registerModule("dropout2", new Dropout(c.dropout));
  }

  /** src (S, B, E) / (B, S, E) / (S, E) → the same shape. */
  forward(src: Tensor, opts: TransformerEncoderLayerOptions = {}): Tensor {
    return this.run(src, opts, false).output;
  }

  /**
   * As `forward`, also returning the self-attention weights per head, (B, H, S, S) (or (H, S, S)
   * unbatched): row i is how position i of the sentence attends over every position of the same
   * sentence — Q, K and V all come from `src` (intra-attention).
   */
  forwardWithWeights(
    src: Tensor,
    opts: TransformerEncoderLayerOptions = {},
  ): { output: Tensor; weights: Tensor } {
    const r = this.run(src, opts, true);
    return { output: r.output, weights: r.weights! };
  }

  private run(
    src: Tensor,
    { mask = null }: TransformerEncoderLayerOptions,
    needWeights: boolean,
  ): { output: Tensor; weights: Tensor | null } {
    checkModelInput("TransformerEncoderLayer.forward", "src", src, this.config.dModel);
    let weights: Tensor | null = null;
    const sa = (x: Tensor) => {
      const r = this.selfAttn.forward(x, x, x, { attnMask: mask, needWeights, averageWeights: false });
      weights = r.weights;
      return this.dropout1.forward(r.output);
    };
    const ff = (x: Tensor) => this.dropout2.forward(feedForward(x, this));
    let x = src;
    if (this.config.normFirst) {
      x = add(x, sa(this.norm1.forward(x)));
      x = add(x, ff(this.norm2.forward(x)));
    } else {
      x = this.norm1.forward(add(x, sa(x)));
      x = this.norm2.forward(add(x, ff(x)));
    }
    return { output: x, weights };
  }
}
