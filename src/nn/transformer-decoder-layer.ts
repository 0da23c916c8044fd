/**
 * TransformerDecoderLayer (Vaswani et al. 2017, §3.1), as `torch.nn.TransformerDecoderLayer` (1.13):
 * masked self-attention over the target, cross-attention from the target to the encoder's memory
 * ("encoder–decoder attention", §3.2.3: queries from the decoder, keys and values from the memory),
 * and the feed-forward network, each with a residual connection, layer norm and dropout:
 *   post-norm (normFirst = false):  x = LN₁(x + dropout₁(SelfAttn(x)))
 *                                   x = LN₂(x + dropout₂(CrossAttn(x, memory)))
 *                                   x = LN₃(x + dropout₃(FFN(x)))
 *   pre-norm  (normFirst = true):   x = x + dropout₁(SelfAttn(LN₁(x)))
 *                                   x = x + dropout₂(CrossAttn(LN₂(x), memory))
 *                                   x = x + dropout₃(FFN(LN₃(x)))
 * State-dict names as PyTorch: self_attn.*, multihead_attn.*, linear1.*, linear2.*, norm1/2/3.*.
 *
 * Incremental decoding: with a `cache` (`createCache()`), `tgt` holds only the new positions; the
 * self-attention appends their keys and values to the cache (causal implied: position P + i sees
 * positions ≤ P + i) and the cross-attention projects the memory's keys and values on the first call
 * and reuses them. The outputs equal the matching rows of the full causal forward.
 *
 * Shapes: tgt (T, B, E), memory (S, B, E); (B, T, E), (B, S, E) with `batchFirst`; or unbatched.
 */
import { KVCache } from "../attention/kv-cache.js";
import type { AttentionMask } from "../attention/masks.js";
import { add, type Tensor } from "../tensor/index.js";
import { Dropout } from "./dropout.js";
import { LayerNorm } from "./layer-norm.js";
import { Linear } from "./linear.js";
import { Module } from "./module.js";
import { MultiheadAttention } from "./multihead-attention.js";
import {
  checkModelInput,
  feedForward,
  type ResolvedTransformerLayerConfig,
  resolveLayerConfig,
  selfAttentionConfig,
  type TransformerLayerConfig,
} from "./transformer-encoder-layer.js";

/** One decoder layer's incremental state: its self-attention keys/values and the memory's. */
export interface TransformerDecoderLayerCache {
  self: KVCache;
  cross: KVCache;
}

/** Options of `TransformerDecoderLayer.forward` (masks). */
export interface TransformerDecoderLayerOptions {
  /** Which target positions each target position may attend to (e.g. causalMask().and(paddingMask(…))). */
  tgtMask?: AttentionMask | null;
  /** Which memory positions the target may attend to (e.g. paddingMask(srcLengths)). */
  memoryMask?: AttentionMask | null;
  /**
   * The cross-attention's values (same shape as `memory`; default the memory itself): keys come from
   * `memory`, values from this tensor, through the same W^V (e.g. the source embeddings). Not read when
   * the cache already holds the memory's keys and values.
   */
  memoryValues?: Tensor | null;
  /** Incremental decoding state (then `tgt` holds only the new positions and `tgtMask` is implied). */
  cache?: TransformerDecoderLayerCache | null;
  /** Also return the cross-attention weights per head, (B, H, T, S). */
  needWeights?: boolean;
  /**
   * Also return the masked self-attention weights per head, (B, H, T, P + T) with P cached positions:
   * row i is how target position P + i attends over the target positions so far (Q, K and V all from
   * the target: intra-attention, causal).
   */
  needSelfWeights?: boolean;
}

/** What `TransformerDecoderLayer.forwardWithWeights` returns. */
export interface TransformerDecoderLayerResult {
  output: Tensor;
  /** Cross-attention weights (B, H, T, S) when asked for, else null. */
  crossWeights: Tensor | null;
  /** Self-attention weights (B, H, T, P + T) with `needSelfWeights`, else null. */
  selfWeights: Tensor | null;
}

/**
 * Masked self-attention, cross-attention over the memory and a feed-forward network with residuals
 * and layer norms, as `torch.nn.TransformerDecoderLayer`.
 */
export class TransformerDecoderLayer extends Module {
  readonly config: ResolvedTransformerLayerConfig;
  readonly selfAttn: MultiheadAttention;
  readonly multiheadAttn: MultiheadAttention;
  readonly linear1: Linear;
  readonly dropout: Dropout;
  readonly linear2: Linear;
  readonly norm1: LayerNorm;
  readonly norm2: LayerNorm;
  readonly norm3: LayerNorm;
  readonly dropout1: Dropout;
  readonly dropout2: Dropout;
  readonly dropout3: Dropout;

  constructor(config: TransformerLayerConfig) {
    super();
    const c = resolveLayerConfig("TransformerDecoderLayer", config);
    this.config = c;
    // Self-attention: positions and window (causal); cross-attention: kvHeads only.
    this.selfAttn = this.registerModule("self_attn", new MultiheadAttention(selfAttentionConfig(c)));
    this.multiheadAttn = this.registerModule(
      "multihead_attn",
      new MultiheadAttention({
        embedDim: c.dModel,
        numHeads: c.nhead,
        dropout: c.dropout,
        batchFirst: c.batchFirst,
        kvHeads: c.kvHeads,
      }),
    );
    this.linear1 = this.registerModule("linear1", new Linear(c.dModel, c.dimFeedforward));
    this.dropout = this.registerModule("dropout", new Dropout(c.dropout));
    this.linear2 = this.registerModule("linear2", new Linear(c.dimFeedforward, c.dModel));
    const ln = () => new LayerNorm(c.dModel, { eps: c.layerNormEps });
    this.norm1 = this.registerModule("norm1", ln());
    this.norm2 = this.registerModule("norm2", ln());
    this.norm3 = this.registerModule("norm3", ln());
    this.dropout1 = this.registerModule("dropout1", new Dropout(c.dropout));
    this.dropout2 = this.registerModule("dropout2", new Dropout(c.dropout));
    this.dropout3 = this.registerModule("dropout3", new Dropout(c.dropout));
  }

  /** An empty incremental-decoding state for this layer. */
  createCache(): TransformerDecoderLayerCache {
    return { self: new KVCache("self"), cross: new KVCache("static") };
  }

  /** tgt (T, B, E), memory (S, B, E) (or batch first) → (T, B, E). */
  forward(tgt: Tensor, memory: Tensor, opts: TransformerDecoderLayerOptions = {}): Tensor {
    return this.forwardWithWeights(tgt, memory, opts).output;
  }

  /**
   * As `forward`, also returning the cross-attention weights per head when `needWeights` and the
   * self-attention weights per head when `needSelfWeights`.
   */
  forwardWithWeights(
    tgt: Tensor,
    memory: Tensor,
    {
      tgtMask = null,
      memoryMask = null,
      memoryValues = null,
      cache = null,
      needWeights = false,
      needSelfWeights = false,
    }: TransformerDecoderLayerOptions = {},
  ): TransformerDecoderLayerResult {
    const op = "TransformerDecoderLayer.forward";
    const E = this.config.dModel;
    checkModelInput(op, "tgt", tgt, E);
    checkModelInput(op, "memory", memory, E);
    if (memoryValues) {
      checkModelInput(op, "memoryValues", memoryValues, E);
      if (memoryValues.shape.join(",") !== memory.shape.join(",")) {
        throw new Error(
          `${op}: memoryValues must have the memory's shape [${memory.shape.join(", ")}], got [${memoryValues.shape.join(", ")}]`,
        );
      }
    }
    if (cache && tgtMask) {
      throw new Error(
        `${op}: with a cache the target mask is implied (causal over the cached positions); pass no tgtMask`,
      );
    }
    let crossWeights: Tensor | null = null;
    let selfWeights: Tensor | null = null;
    const sa = (x: Tensor) => {
      const r = this.selfAttn.forward(x, x, x, {
        attnMask: tgtMask,
        isCausal: cache !== null,
        needWeights: needSelfWeights,
        averageWeights: false,
        cache: cache?.self,
      });
      selfWeights = r.weights;
      return this.dropout1.forward(r.output);
    };
    const ca = (x: Tensor) => {
      const r = this.multiheadAttn.forward(x, memory, memoryValues ?? memory, {
        attnMask: memoryMask,
        needWeights,
        averageWeights: false,
        cache: cache?.cross,
      });
      crossWeights = r.weights;
      return this.dropout2.forward(r.output);
    };
    const ff = (x: Tensor) => this.dropout3.forward(feedForward(x, this));
    let x = tgt;
    if (this.config.normFirst) {
      x = add(x, sa(this.norm1.forward(x)));
      x = add(x, ca(this.norm2.forward(x)));
      x = add(x, ff(this.norm3.forward(x)));
    } else {
      x = this.norm1.forward(add(x, sa(x)));
      x = this.norm2.forward(add(x, ca(x)));
      x = this.norm3.forward(add(x, ff(x)));
    }
    return { output: x, crossWeights, selfWeights };
  }
}
