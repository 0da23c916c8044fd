/**
 * TransformerDecoder (Vaswani et al. 2017, §3.1), as `torch.nn.TransformerDecoder`: N
 * `TransformerDecoderLayer`s, each attending to the same encoder memory, then an optional LayerNorm:
 *   y⁽⁰⁾ = tgt,  y⁽ˡ⁾ = Layer_l(y⁽ˡ⁻¹⁾, memory, tgtMask, memoryMask),  out = LN(y⁽ᴺ⁾).
 * State-dict names: layers.0.…, norm.{weight, bias}.
 *
 * Incremental decoding (KV cache): `createCache()` gives each layer a self-attention cache and a
 * memory cache; `forward(tgtStep, memory, { memoryMask, cache })` takes only the new positions
 * (B, t, E), appends their keys and values in every layer and projects the memory once. The rows it
 * returns equal the matching rows of the full causal forward (`tgtMask = causalMask()`), so decoding
 * T tokens costs O(T) projections instead of O(T²). `cache.reorder(index)` follows beam search.
 */
import type { AttentionMask } from "../attention/masks.js";
import type { Tensor } from "../tensor/index.js";
import { ModuleList } from "./container.js";
import { LayerNorm } from "./layer-norm.js";
import { Module } from "./module.js";
import { TransformerDecoderLayer, type TransformerDecoderLayerCache } from "./transformer-decoder-layer.js";
import { checkNumLayers, type TransformerStackConfig } from "./transformer-encoder.js";
import { type ResolvedTransformerLayerConfig, resolveLayerConfig } from "./transformer-encoder-layer.js";

/** The decoder's incremental state: one cache per layer, and how many positions it holds. */
export class TransformerDecoderCache {
  constructor(readonly layers: readonly TransformerDecoderLayerCache[]) {}

  /** The number of target positions decoded so far. */
  get length(): number {
    return this.layers[0]?.self.length ?? 0;
  }

  /** A new cache over the same tensors: decoding on it leaves this one as it is. */
  clone(): TransformerDecoderCache {
    return new TransformerDecoderCache(
      this.layers.map((l) => ({ self: l.self.clone(), cross: l.cross.clone() })),
    );
  }

  /** Keeps batch rows `index` of every cache (beam search: survivors, or 1 row → k beams). */
  reorder(index: ArrayLike<number>): void {
    for (const l of this.layers) {
      l.self.reorder(index);
      l.cross.reorder(index);
    }
  }
}

/** Options of `TransformerDecoder.forward` (masks). */
export interface TransformerDecoderOptions {
  /** Which target positions each may attend to; implied (causal) with a cache. */
  tgtMask?: AttentionMask | null;
  /** Which memory positions may be attended to (e.g. paddingMask(srcLengths)). */
  memoryMask?: AttentionMask | null;
  /** Every layer's cross-attention values (shape of `memory`; default the memory): see the layer. */
  memoryValues?: Tensor | null;
  /** Incremental decoding state from `createCache()`. */
  cache?: TransformerDecoderCache | null;
  /** `forwardWithWeights` also returns every layer's masked self-attention weights (`selfWeights`). */
  needSelfWeights?: boolean;
}

/** What `TransformerDecoder.forwardWithWeights` returns. */
export interface TransformerDecoderResult {
  output: Tensor;
  /** Cross-attention weights per layer, each (B, H, T, S): the alignments. */
  crossWeights: Tensor[];
  /**
   * With `needSelfWeights`: self-attention weights per layer, each (B, H, T, P + T) (P cached
   * positions; causal, so row i is zero after column P + i). Absent otherwise.
   */
  selfWeights?: Tensor[];
}

/**
 * A stack of `TransformerDecoderLayer`s and an optional final LayerNorm, as `torch.nn.TransformerDecoder`.
 */
export class TransformerDecoder extends Module {
  readonly config: ResolvedTransformerLayerConfig;
  readonly layers: ModuleList<TransformerDecoderLayer>;
  readonly norm: LayerNorm | null;

  constructor(config: TransformerStackConfig) {
    super();
    this.config = resolveLayerConfig("TransformerDecoder", config);
    checkNumLayers("TransformerDecoder", "numLayers", config.numLayers);
    this.layers = this.registerModule(
      "layers",
      new ModuleList(Array.from({ length: config.numLayers }, () => new TransformerDecoderLayer(config))),
    );
    this.norm = config.norm
      ? this.registerModule("norm", new LayerNorm(this.config.dModel, { eps: this.config.layerNormEps }))
      : null;
  }

  /** An empty cache for incremental decoding. */
  createCache(): TransformerDecoderCache {
    return new TransformerDecoderCache([...this.layers].map((l) => l.createCache()));
  }

  /** tgt (T, B, E), memory (S, B, E) (or batch first) → (T, B, E). */
  forward(tgt: Tensor, memory: Tensor, opts: TransformerDecoderOptions = {}): Tensor {
    return this.run(tgt, memory, opts, false).output;
  }

  /**
   * As `forward`, also returning every layer's cross-attention weights per head (and, with
   * `needSelfWeights`, its self-attention weights per head).
   */
  forwardWithWeights(
    tgt: Tensor,
    memory: Tensor,
    opts: TransformerDecoderOptions = {},
  ): TransformerDecoderResult {
    return this.run(tgt, memory, opts, true);
  }

  private run(
    tgt: Tensor,
    memory: Tensor,
    opts: TransformerDecoderOptions,
    needWeights: boolean,
  ): TransformerDecoderResult {
    const { cache = null, needSelfWeights = false } = opts;
    if (cache && cache.layers.length !== this.layers.length) {
      throw new Error(
        `TransformerDecoder.forward: the cache has ${cache.layers.length} layers, the decoder ${this.layers.length} (use decoder.createCache())`,
      );
    }
    let x = tgt;
    const crossWeights: Tensor[] = [];
    const selfWeights: Tensor[] = [];
    const withSelf = needWeights && needSelfWeights;
    [...this.layers].forEach((layer, i) => {
      // The masks and memoryValues as given (the layer reads them the same way).
      const r = layer.forwardWithWeights(x, memory, {
        ...opts,
        cache: cache ? cache.layers[i] : null,
        needWeights,
        needSelfWeights: withSelf,
      });
      x = r.output;
      if (r.crossWeights) crossWeights.push(r.crossWeights);
      if (r.selfWeights) selfWeights.push(r.selfWeights);
    });
    const output = this.norm ? this.norm.forward(x) : x;
    return withSelf ? { output, crossWeights, selfWeights } : { output, crossWeights };
  }
}
