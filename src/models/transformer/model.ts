/**
 * The Transformer translation model (Vaswani et al. 2017, §3 and Figure 1), on the `Transformer`
 * layers of src/nn:
 *   x = dropout(√d_model · E_src[src] + PE),   memory = Encoder(x, paddingMask(srcLengths))
 *   y = dropout(√d_model · E_tgt[tgtIn] + PE), h = Decoder(y, memory, causal, paddingMask(srcLengths))
 *   p(y_t | y_<t, x) = softmax(W_out h_t + b),  W_out = E_tgt when tied (§3.4; Press & Wolf 2017).
 * Embeddings start at N(0, 1/d_model) (so √d_model · E has unit scale) with row 0 (padding) at zero;
 * positions are sinusoidal (§3.5) or learned, added to the embeddings, or act inside each
 * self-attention (config.positions "rope" / "alibi": nothing is added, `positions` is the identity).
 * kvHeads (grouped-query attention) and window (sliding-window self-attention) go to every layer; the
 * KV cache then holds kvHeads heads, and a cached step builds its RoPE rotation, ALiBi bias and window
 * at its absolute position, so incremental decoding gives the full forward's numbers.
 *
 * Cross-attention values (`crossAttentionValues`): with "memory" (default) each decoder layer's
 * cross-attention takes keys and values from the memory M, as in the paper. With "embeddings" the keys
 * stay M but the values are the source embeddings X_src = √d_model · E_src[src] (the encoder's input
 * lookup and scale, without positions or the encoder; dropout as on the encoder input), through the
 * layer's own W^V:  head_h = softmax(Q W^Q_h (M W^K_h)ᵀ / √d_k) (X_src W^V_h). `encode` puts X_src in
 * the state (`memoryValues`), the KV cache projects it once (`memoryCache(memory, values)`), and
 * `decodeAll` takes it as `memoryValues` (or finds the one `encode` made for that memory).
 *
 * It has the interface of models/seq2seq, so training, `greedyDecode` and `beamSearch` use either:
 * `forward(src, srcLengths, tgtIn, B, S, T)` (teacher forcing, all target positions at once under the
 * causal mask), and the step decoder `encode` / `step` / `selectRows`. Each step feeds only the newest
 * token; the decoder's KV cache holds the earlier positions' keys and values and the memory's, so a step
 * costs O(t) instead of recomputing the prefix; `selectRows` reorders (or expands) the cache with the
 * beams. A step's `weights` (N, S) are the last decoder layer's cross-attention averaged over heads
 * (what greedyDecode/beamSearch keep as the alignment); `layerWeights` has every layer's per head.
 *
 * Latent alignment layer (`latentAlignment`, config.ts): after the decoder, one single-head attention
 * over the memory mixes per-position predictions from the source embeddings; the logits are then
 * log p(y_t) (normalised), and `weights` are that layer's attention (the decoder layers' stay in
 * `layerWeights`).
 *
 * Shapes: B batch, S source length, T target length, d = dModel, H heads, V target vocabulary;
 * ids are row-major (B·S, B·T) with 0 = padding; N = rows of a decoding state (batch · beams).
 */

import { attend } from "../../attention/attend.js";
import { mixPositions } from "../../attention/latent-alignment.js";
import { type AttentionMask, causalMask, paddingMask } from "../../attention/masks.js";
import { scaledDot } from "../../attention/scores.js";
import { Dropout } from "../../nn/dropout.js";
import { Embedding } from "../../nn/embedding.js";
import { normal } from "../../nn/init.js";
import { LearnedPositionalEncoding } from "../../nn/learned-positional-encoding.js";
import { Linear } from "../../nn/linear.js";
import { Module } from "../../nn/module.js";
import { SinusoidalPositionalEncoding } from "../../nn/sinusoidal-positional-encoding.js";
import { Transformer } from "../../nn/transformer.js";
import type { TransformerDecoderCache } from "../../nn/transformer-decoder.js";
import {
  add,
  indexSelect,
  linear,
  mean,
  mul,
  noGrad,
  slice,
  squeeze,
  Tensor,
  tanh,
  unsqueeze,
} from "../../tensor/index.js";
import {
  type ResolvedTransformerModelConfig,
  resolveTransformerConfig,
  type TransformerModelConfig,
} from "./config.js";
import {
  cacheForStep,
  embedStep,
  type FusedDecoderCache,
  fusedEncoderWeights,
  fusedWeights,
  linearRows,
  normRows,
  runFusedEncoder,
  runFusedLayers,
  startFusedCache,
  withFusedCache,
} from "./fused-step.js";

/** What the decoder carries from step to step (rows = batch · beams). */
export interface TransformerState {
  /** Encoder output (N, S, d). */
  memory: Tensor;
  /**
   * With crossAttentionValues "embeddings": the cross-attention values √d · E_src[src] (N, S, d)
   * (absent with "memory": the values are the memory).
   */
  memoryValues?: Tensor;
  srcLengths: number[];
  /** Self-attention keys/values of the positions decoded so far, and the memory's, per layer. */
  cache: TransformerDecoderCache;
  /** How many target positions have been fed (the next one's position). */
  position: number;
  /** With `encode(…, { needWeights: true })`: each encoder layer's self-attention per head (B, H, S, S). */
  encoderWeights?: Tensor[];
  /**
   * The memory's padding mask, when it is not to be made from `srcLengths` (an exported step graph
   * makes it from its lengths input, src/models/transformer/graphs.ts).
   */
  memoryMask?: AttentionMask;
  /**
   * The KV cache of the fused decoder step (fused-step.ts), when the steps so far took it; `cache`
   * then stays empty.
   */
  fused?: FusedDecoderCache;
}

/** One decoder step of `TransformerModel.step`: logits and the new state. */
export interface TransformerStepResult {
  /** Unnormalised scores over the target vocabulary (N, V) (log-probabilities with latentAlignment). */
  logits: Tensor;
  state: TransformerState;
  /**
   * Last decoder layer's cross-attention over the source, averaged over heads (N, S); with
   * latentAlignment the alignment layer's attention.
   */
  weights: Tensor;
  /** latentAlignment: each source position's prediction p(y | x_j, h_t) (N, S, V); else absent. */
  positionProbs?: Tensor;
  /** Every decoder layer's cross-attention per head, each (N, H, S). */
  layerWeights: Tensor[];
}

/** What `TransformerModel.forward` returns. */
export interface TransformerForwardResult {
  /** (B, T, V). */
  logits: Tensor;
  /**
   * Last decoder layer's cross-attention averaged over heads (B, T, S), when asked for; with
   * latentAlignment the alignment layer's attention.
   */
  weights: Tensor | null;
  /** latentAlignment, when weights are asked for: each position's prediction (B, T, S, V). */
  positionProbs?: Tensor;
  /** Every decoder layer's cross-attention per head, each (B, H, T, S) (empty unless asked for). */
  layerWeights: Tensor[];
  /**
   * With `needSelfWeights` (and `needWeights`): every decoder layer's masked self-attention per head,
   * each (B, H, T, T) — target positions over the target prefix (causal).
   */
  selfWeights?: Tensor[];
}

/**
 * Positions that act inside the self-attention (RoPE, ALiBi): nothing is added to the embeddings, so
 * the embedding step's positional encoding is the identity (no parameters, nothing in the state dict).
 */
export class InAttentionPositions {
  /** Returns `x` unchanged (the positions act in the attention). */
  forward(x: Tensor, _offset = 0): Tensor {
    return x;
  }
}

/**
 * The Transformer translation model: embeddings, positions, the `Transformer` layers and the output
 * projection (tied to the target embedding by default); `forward(src, srcLengths, tgtIn, B, S, T)` gives logits.
 */
export class TransformerModel extends Module {
  readonly config: ResolvedTransformerModelConfig;
  readonly srcEmbed: Embedding;
  readonly tgtEmbed: Embedding;
  readonly positions: SinusoidalPositionalEncoding | LearnedPositionalEncoding | InAttentionPositions;
  readonly transformer: Transformer;
  readonly out: Linear;
  readonly drop: Dropout;
  /** The latent alignment layer's W_q, W_k and W_c (null without latentAlignment). */
  readonly alignQ: Linear | null;
  readonly alignK: Linear | null;
  readonly alignCombine: Linear | null;
  /**
   * Whether `step` may take the fused decoder step where it applies (fused-step.ts; default true);
   * false runs the layers one by one (the two agree to float rounding).
   */
  useFusedStep = true;
  /** The cross-attention values `encode` made for each memory it returned ("embeddings" mode). */
  private readonly valuesOfMemory = new WeakMap<Tensor, Tensor>();

  constructor(config: TransformerModelConfig) {
    super();
    const c = resolveTransformerConfig(config);
    this.config = c;
    const d = c.dModel;
    const embed = (V: number) => {
      const e = new Embedding(V, d, { paddingIdx: 0 });
      noGrad(() => {
        normal(e.weight, 0, 1 / Math.sqrt(d));
        e.weight.data.fill(0, 0, d);
      });
      return e;
    };
    this.srcEmbed = this.registerModule("src_embed", embed(c.srcVocabSize));
    this.tgtEmbed = this.registerModule("tgt_embed", embed(c.tgtVocabSize));
    this.positions =
      c.positions === "rope" || c.positions === "alibi"
        ? new InAttentionPositions()
        : this.registerModule(
            "pos_embed",
            c.positions === "learned"
              ? new LearnedPositionalEncoding(c.maxLength, d, { batchFirst: true })
              : new SinusoidalPositionalEncoding(d, { batchFirst: true }),
          );
    this.transformer = this.registerModule(
      "transformer",
      new Transformer({
        dModel: d,
        nhead: c.nhead,
        numEncoderLayers: c.numEncoderLayers,
        numDecoderLayers: c.numDecoderLayers,
        dimFeedforward: c.dimFeedforward,
        dropout: c.dropout,
        activation: c.activation,
        normFirst: c.normFirst,
        layerNormEps: c.layerNormEps,
        batchFirst: true,
        kvHeads: c.kvHeads,
        rotary: c.positions === "rope",
        alibi: c.positions === "alibi",
        window: c.window,
      }),
    );
    this.out = this.registerModule("out", new Linear(d, c.tgtVocabSize));
    if (c.tieOutput) this.out.weight = this.tgtEmbed.weight;
    this.drop = this.registerModule("dropout", new Dropout(c.dropout));
    const lat = c.latentAlignment;
    this.alignQ = lat ? this.registerModule("align_q", new Linear(d, d, { bias: false })) : null;
    this.alignK = lat ? this.registerModule("align_k", new Linear(d, d, { bias: false })) : null;
    this.alignCombine = lat
      ? this.registerModule("align_combine", new Linear(2 * d, d, { bias: false }))
      : null;
  }

  /**
   * The latent alignment layer over decoder outputs h (B, T, d): its attention a (B, T, S) over the
   * memory, each position's prediction P (B, T, S, V) from the source embeddings `words` (B, S, d),
   * and log Σ_j a_tj P_tj (B, T, V).
   */
  private latent(
    h: Tensor,
    memory: Tensor,
    words: Tensor,
    mask: AttentionMask,
  ): { logits: Tensor; weights: Tensor; positionProbs: Tensor } {
    const d = h.shape[2];
    const { weights } = attend(this.alignQ!.forward(h), this.alignK!.forward(memory), words, {
      score: scaledDot(),
      mask,
    });
    // W_c [x_j; h_t] = W_x x_j + W_h h_t with W_c = [W_x | W_h]: each half projects its own rows once,
    // (B, S, d) and (B, T, d), and one broadcast add makes (B, T, S, d) — never the (B, T, S, 2d)
    // concatenation and its (B·T·S, 2d) product (the same sum, split in two; float rounding aside).
    const wc = this.alignCombine!.weight; // (d, 2d)
    const xw = linear(words, slice(wc, 1, 0, d)); // (B, S, d)
    const hw = linear(h, slice(wc, 1, d, 2 * d)); // (B, T, d)
    const hj = this.drop.forward(tanh(add(unsqueeze(xw, 1), unsqueeze(hw, 2)))); // (B, T, S, d)
    // The logits are made for this call: their array may take the probabilities.
    const mixed = mixPositions(weights, this.out.forward(hj), { overwriteLogits: true });
    return { ...mixed, weights }; // (B, T, V), (B, T, S, V)
  }

  /** The source embeddings the latent alignment layer predicts from (made by `encode` for this memory). */
  private wordsFor(memory: Tensor, values?: Tensor | null): Tensor {
    const v = values ?? this.valuesOfMemory.get(memory);
    if (!v) {
      throw new Error(
        "TransformerModel: latentAlignment needs the source embeddings of this memory (pass the state's memoryValues)",
      );
    }
    return v;
  }

  /** dropout(√d · E[ids] + PE(offset …)) for ids (B·L, or a (B, L) tensor of them) → (B, L, d). */
  private embed(
    table: Embedding,
    ids: Int32Array | number[] | Tensor,
    B: number,
    L: number,
    offset: number,
  ): Tensor {
    const e = mul(table.forward(ids, [B, L]), Math.sqrt(this.config.dModel));
    return this.drop.forward(this.positions.forward(e, offset));
  }

  /**
   * Encodes a padded batch `src` (B·S ids) → the decoder's initial state; with `needWeights`, the
   * state also holds every encoder layer's self-attention weights per head (`encoderWeights`). Ids
   * and lengths may be tensors (an exported graph's inputs, src/models/transformer/graphs.ts).
   */
  encode(
    src: Int32Array | number[] | Tensor,
    B: number,
    S: number,
    srcLengths: number[] | Tensor,
    { needWeights = false }: { needWeights?: boolean } = {},
  ): TransformerState {
    const nIds = src instanceof Tensor ? src.size : src.length;
    const nLengths = srcLengths instanceof Tensor ? srcLengths.size : srcLengths.length;
    if (nIds !== B * S || nLengths !== B) {
      throw new Error(
        `TransformerModel.encode: src has ${nIds} ids for B=${B}, S=${S} and ${nLengths} lengths`,
      );
    }
    const scaled = mul(this.srcEmbed.forward(src, [B, S]), Math.sqrt(this.config.dModel));
    const x = this.drop.forward(this.positions.forward(scaled, 0));
    const mask = paddingMask(srcLengths);
    const fusedEncoder = !needWeights && this.useFusedStep ? fusedEncoderWeights(this) : null;
    const lengths = Int32Array.from(srcLengths instanceof Tensor ? srcLengths.data : srcLengths);
    const enc =
      fusedEncoder && lengths.every((n) => n >= 1 && n <= S)
        ? {
            output: new Tensor(
              runFusedEncoder(this, fusedEncoder, Float32Array.from(x.data), B, S, lengths),
              [B, S, this.config.dModel],
            ),
            weights: undefined,
          }
        : needWeights
          ? this.transformer.encoder.forwardWithWeights(x, { mask })
          : { output: this.transformer.encoder.forward(x, { mask }), weights: undefined };
    // "embeddings": the cross-attention values, √d · E_src[src] without positions (own dropout mask).
    // latentAlignment: the same source embeddings are what its positions predict from.
    const memoryValues =
      this.config.crossAttentionValues === "embeddings" || this.config.latentAlignment
        ? this.drop.forward(scaled)
        : null;
    if (memoryValues) this.valuesOfMemory.set(enc.output, memoryValues);
    return {
      memory: enc.output,
      ...(memoryValues ? { memoryValues } : {}),
      srcLengths: Array.from(srcLengths instanceof Tensor ? srcLengths.data : srcLengths),
      cache: this.transformer.decoder.createCache(),
      position: 0,
      ...(enc.weights ? { encoderWeights: enc.weights } : {}),
    };
  }

  /** One decoder step for the previous tokens `prev` (N ids): only the newest position is computed. */
  step(state: TransformerState, prev: Int32Array | number[] | Tensor): TransformerStepResult {
    const N = state.memory.shape[0];
    const nPrev = prev instanceof Tensor ? prev.size : prev.length;
    if (nPrev !== N) {
      throw new Error(`TransformerModel.step: ${nPrev} previous tokens for a state of ${N} rows`);
    }
    const fused = this.fusedStep(state, prev);
    if (fused) return fused;
    const y = this.embed(this.tgtEmbed, prev, N, 1, state.position);
    if (state.fused)
      state = { ...state, cache: state.fused.toDecoderCache(state.position), fused: undefined };
    const cache = state.cache.clone(); // the step appends to its own cache; `state` stays valid
    const r = this.transformer.decoder.forwardWithWeights(y, state.memory, {
      memoryMask: state.memoryMask ?? paddingMask(state.srcLengths),
      memoryValues: cache.layers[0]?.cross.key ? null : this.valuesFor(state.memory, state.memoryValues),
      cache,
    });
    const layerWeights = r.crossWeights.map((w) => squeeze(w, 2)); // (N, H, S)
    const next = { ...state, cache, position: state.position + 1 };
    if (this.config.latentAlignment) {
      const memoryMask = state.memoryMask ?? paddingMask(state.srcLengths);
      const lat = this.latent(
        r.output,
        state.memory,
        this.wordsFor(state.memory, state.memoryValues),
        memoryMask,
      );
      return {
        logits: squeeze(lat.logits, 1),
        state: next,
        weights: squeeze(lat.weights, 1),
        layerWeights,
        positionProbs: squeeze(lat.positionProbs, 1),
      };
    }
    const logits = this.out.forward(squeeze(r.output, 1)); // (N, V)
    const weights = mean(layerWeights[layerWeights.length - 1], 1); // (N, S)
    return { logits, state: next, weights, layerWeights };
  }

  /** A state's fields other than its caches, at the next position (spreading a state would build its `cache`). */
  private stateFields(state: TransformerState) {
    return {
      memory: state.memory,
      ...(state.memoryValues ? { memoryValues: state.memoryValues } : {}),
      srcLengths: state.srcLengths,
      position: state.position + 1,
      ...(state.encoderWeights ? { encoderWeights: state.encoderWeights } : {}),
      ...(state.memoryMask ? { memoryMask: state.memoryMask } : {}),
    };
  }

  /**
   * The step on the fused path (fused-step.ts: one kernel call per decoder layer, the KV cache
   * preallocated), or null where that path does not apply (then `step` runs the layers).
   */
  private fusedStep(
    state: TransformerState,
    prev: Int32Array | number[] | Tensor,
  ): TransformerStepResult | null {
    const weights = this.useFusedStep ? fusedWeights(this) : null;
    if (!weights) return null;
    if (!state.fused && (state.cache.length > 0 || state.cache.layers[0]?.cross.key || state.memoryMask)) {
      return null; // a cache of the unfused layers (or an exported graph's): stay on that path
    }
    const x = embedStep(this, prev instanceof Tensor ? prev.data : prev, state.position);
    if (!x) return null;
    const N = state.memory.shape[0];
    const d = this.config.dModel;
    const cache = cacheForStep(
      state.fused ?? startFusedCache(this, weights, state.memory, state.srcLengths),
      state.position,
    );
    const probs = runFusedLayers(this, weights, cache, x, state.position);
    const norm = weights.norm;
    const h = norm ? normRows(x, N, d, norm.weight, norm.bias, this.config.layerNormEps) : x;
    const { nhead: H } = this.config;
    const S = cache.srcLength;
    const layerWeights = probs.map((p) => new Tensor(p, [N, H, S]));
    const next: TransformerState = withFusedCache(this.stateFields(state), cache, state.position + 1);
    if (this.config.latentAlignment) {
      const lat = this.latent(
        new Tensor(h, [N, 1, d]),
        state.memory,
        this.wordsFor(state.memory, state.memoryValues),
        paddingMask(state.srcLengths),
      );
      return {
        logits: squeeze(lat.logits, 1),
        state: next,
        weights: squeeze(lat.weights, 1),
        layerWeights,
        positionProbs: squeeze(lat.positionProbs, 1),
      };
    }
    const V = this.config.tgtVocabSize;
    const logits = new Tensor(linearRows(h, N, d, weights.out.weight, V, weights.out.bias), [N, V]);
    // The last layer's cross-attention averaged over heads (as `mean(…, 1)` of the unfused step).
    const last = probs[probs.length - 1];
    const avg = new Float32Array(N * S);
    for (let n = 0; n < N; n++) {
      for (let j = 0; j < S; j++) {
        let sum = 0;
        for (let hh = 0; hh < H; hh++) sum += last[(n * H + hh) * S + j];
        avg[n * S + j] = sum / H;
      }
    }
    return { logits, state: next, weights: new Tensor(avg, [N, S]), layerWeights };
  }

  /**
   * A decoder cache whose memory keys and values are already projected from `memory` (B, S, d), by
   * each layer's own cross-attention (what the first `step` would do; its self-attention caches stay
   * empty). An exported encoder returns these so that its step graph never reprojects the memory.
   * With crossAttentionValues "embeddings" the values are projected from `values` (the state's
   * `memoryValues`, or the ones `encode` made for this memory).
   */
  memoryCache(memory: Tensor, values?: Tensor | null): TransformerDecoderCache {
    const cache = this.transformer.decoder.createCache();
    const query = slice(memory, 1, 0, 1); // any (B, 1, d): only the keys and values are kept
    const v = this.valuesFor(memory, values) ?? memory;
    [...this.transformer.decoder.layers].forEach((layer, l) => {
      layer.multiheadAttn.forward(query, memory, v, {
        cache: cache.layers[l].cross,
        needWeights: false,
      });
    });
    return cache;
  }

  /** Keeps rows `index` of the state (beam search reordering / expansion), cache included. */
  selectRows(state: TransformerState, index: ArrayLike<number>): TransformerState {
    const idx = Array.from(index);
    const fields = {
      memory: indexSelect(state.memory, 0, idx),
      ...(state.memoryValues ? { memoryValues: indexSelect(state.memoryValues, 0, idx) } : {}),
      srcLengths: idx.map((i) => state.srcLengths[i]),
      position: state.position,
    };
    if (state.fused) {
      return withFusedCache(fields, state.fused.select(idx, state.position), state.position);
    }
    const cache = state.cache.clone();
    cache.reorder(idx);
    return { ...fields, cache };
  }

  /**
   * Teacher forcing over a padded batch: `tgtIn` (B·T ids starting with SOS), all positions at once
   * under the causal mask. Logits (B, T, V), and the cross-attention weights with `needWeights`
   * (training leaves them out: on the fused path they would be recomputed for nothing).
   */
  forward(
    src: Int32Array | number[],
    srcLengths: number[],
    tgtIn: Int32Array | number[],
    B: number,
    S: number,
    T: number,
    { needWeights = false }: { needWeights?: boolean } = {},
  ): TransformerForwardResult {
    const { memory, memoryValues } = this.encode(src, B, S, srcLengths);
    return this.decodeAll(memory, srcLengths, tgtIn, T, { needWeights, memoryValues });
  }

  /**
   * The cross-attention values for `memory`: null with crossAttentionValues "memory" (the memory is
   * its own values); with "embeddings" `values`, else those `encode` made for this memory, else an error.
   */
  private valuesFor(memory: Tensor, values?: Tensor | null): Tensor | null {
    if (this.config.crossAttentionValues !== "embeddings") return null;
    const v = values ?? this.valuesOfMemory.get(memory);
    if (!v) {
      throw new Error(
        'TransformerModel: crossAttentionValues is "embeddings" but no source embeddings were given for this memory (pass the state\'s memoryValues)',
      );
    }
    return v;
  }

  /**
   * The decoder over whole target prefixes `tgtIn` (B·T ids, or a (B, T) tensor of them) given the
   * encoder's `memory` (B, S, d), without a cache: what `forward` does after encoding (and decoding
   * without the KV cache: every step recomputes the prefix). With `needWeights` and `needSelfWeights`,
   * also every decoder layer's self-attention per head (`selfWeights`). With `lastOnly`, only the last
   * position is projected and returned — logits (B, 1, V), weights (B, 1, S), each layer's (B, H, 1, ·)
   * — what a search step needs from a prefix (the exported decoder graph). With crossAttentionValues
   * "embeddings", `memoryValues` are the cross-attention values (`encode`'s state's; found from the
   * memory when it came from `encode`).
   */
  decodeAll(
    memory: Tensor,
    srcLengths: number[] | Tensor,
    tgtIn: Int32Array | number[] | Tensor,
    T: number,
    {
      needWeights = false,
      needSelfWeights = false,
      lastOnly = false,
      memoryValues = null,
    }: {
      needWeights?: boolean;
      needSelfWeights?: boolean;
      lastOnly?: boolean;
      memoryValues?: Tensor | null;
    } = {},
  ): TransformerForwardResult {
    const B = memory.shape[0];
    const nIds = tgtIn instanceof Tensor ? tgtIn.size : tgtIn.length;
    if (nIds !== B * T || T < 1) {
      throw new Error(`TransformerModel.forward: tgtIn has ${nIds} ids for B=${B}, T=${T} (T ≥ 1)`);
    }
    const y = this.embed(this.tgtEmbed, tgtIn, B, T, 0);
    // Padded target positions come after the real ones, so the causal mask alone keeps every real
    // position from seeing them (their own rows are ignored by the loss).
    const opts = {
      tgtMask: causalMask(),
      memoryMask: paddingMask(srcLengths),
      memoryValues: this.valuesFor(memory, memoryValues),
    };
    const decoder = this.transformer.decoder;
    // (…, T, ·) → (…, 1, ·) at the last position when `lastOnly`, along the target axis `axis`.
    const last = (t: Tensor, axis: number) => (lastOnly ? slice(t, axis, T - 1, T) : t);
    if (this.config.latentAlignment) {
      const words = this.wordsFor(memory, memoryValues);
      if (!needWeights) {
        const h = last(decoder.forward(y, memory, opts), 1);
        return {
          logits: this.latent(h, memory, words, opts.memoryMask).logits,
          weights: null,
          layerWeights: [],
        };
      }
      const r = decoder.forwardWithWeights(y, memory, { ...opts, needSelfWeights });
      const lat = this.latent(last(r.output, 1), memory, words, opts.memoryMask);
      const layerWeights = r.crossWeights.map((w) => last(w, 2));
      const out = {
        logits: lat.logits,
        weights: lat.weights,
        layerWeights,
        positionProbs: lat.positionProbs,
      };
      return r.selfWeights ? { ...out, selfWeights: r.selfWeights.map((w) => last(w, 2)) } : out;
    }
    if (!needWeights) {
      const h = last(decoder.forward(y, memory, opts), 1);
      return { logits: this.out.forward(h), weights: null, layerWeights: [] };
    }
    const r = decoder.forwardWithWeights(y, memory, { ...opts, needSelfWeights });
    const layerWeights = r.crossWeights.map((w) => last(w, 2));
    const weights = mean(layerWeights[layerWeights.length - 1], 1);
    const logits = this.out.forward(last(r.output, 1));
    return r.selfWeights
      ? { logits, weights, layerWeights, selfWeights: r.selfWeights.map((w) => last(w, 2)) }
      : { logits, weights, layerWeights };
  }
}
