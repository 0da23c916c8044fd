/**
 * The LSTM encoder–decoder of the lesson, with pluggable attention.
 *
 * Encoder (Sutskever et al. 2014; bidirectional as Bahdanau et al. 2014): h_j = [→h_j; ←h_j].
 * A bridge maps the final encoder states to the decoder's initial (s_0, c_0).
 *
 * Decoder, one step t (y_{t−1} the previous target token, E its embedding):
 *   none      (Cho et al. 2014; "RNNencdec" of Bahdanau et al.): ONE context vector c = s_0 for
 *             every step — the bottleneck:        s_t = LSTM([E; c], s_{t−1}),  h̃_t = tanh(W_c [c; s_t])
 *   bahdanau  (Bahdanau et al. 2014, eqs. 4–6): c_t = attend(s_{t−1}, h) with the additive score,
 *             s_t = LSTM([E; c_t], s_{t−1}),  h̃_t = tanh(W_c [c_t; s_t])
 *   luong-*   (Luong et al. 2015, eqs. 5–8 and §3.3 input feeding): s_t = LSTM([E; h̃_{t−1}], s_{t−1}),
 *             c_t = attend(s_t, h) with score dot / general / concat / location,
 *             h̃_t = tanh(W_c [c_t; s_t])
 *   p(y_t | y_<t, x) = softmax(W_s h̃_t).
 * Every attention call is `attend` over the encoder states: cross-attention, query from one sequence,
 * keys and values from the other. The key-side half of each score is computed once per sentence in
 * `encode` (general: k′ = W h, so e = s·k′; bahdanau/concat: k′ = W₂ h, e = vᵀ tanh(W₁ s + k′)),
 * which gives the same numbers as luongAttention / bahdanauAttention without redoing W h every step.
 *
 * Shapes: B batch, S source length, T target length, E embedDim, H encoder hidden per direction,
 * Dh = encoder output size (2H or H), Hd decoder hidden, V target vocabulary.
 */
import { attend } from "../../attention/attend.js";
import { type AttentionMask, paddingMask } from "../../attention/masks.js";
import { additiveProjected, dot, location, type Score } from "../../attention/scores.js";
import { Dropout } from "../../nn/dropout.js";
import { Embedding } from "../../nn/embedding.js";
import { Linear } from "../../nn/linear.js";
import { LSTM } from "../../nn/lstm.js";
import { LSTMCell } from "../../nn/lstm-cell.js";
import { Module } from "../../nn/module.js";
import {
  concat,
  indexSelect,
  linear,
  reshape,
  slice,
  squeeze,
  stack,
  Tensor,
  tanh,
  transpose,
  uniformParam,
  unsqueeze,
  zeros,
} from "../../tensor/index.js";
import { type ResolvedSeq2SeqConfig, resolveConfig, type Seq2SeqConfig } from "./config.js";

/** What the decoder carries from step to step (all rows indexed by batch·beam). */
export interface DecoderState {
  /** Encoder states h (N, S, Dh): the values of the attention. */
  memory: Tensor;
  /** The keys the score compares the query with: h, or its projection k′ (N, S, ·) computed once. */
  keys: Tensor;
  /** Valid source lengths per row. */
  srcLengths: number[];
  mask: AttentionMask;
  /** Decoder LSTM state (N, Hd). */
  h: Tensor;
  c: Tensor;
  /** The previous attentional state h̃_{t−1} (N, Hd) for input feeding, or the fixed context for "none". */
  feed: Tensor;
}

export interface StepResult {
  /** Unnormalised scores over the target vocabulary (N, V). */
  logits: Tensor;
  state: DecoderState;
  /** Attention weights over source positions (N, S), or null without attention. */
  weights: Tensor | null;
}

export class Seq2Seq extends Module {
  readonly config: ResolvedSeq2SeqConfig;
  readonly srcEmbed: Embedding;
  readonly tgtEmbed: Embedding;
  readonly encoder: LSTM;
  readonly bridgeH: Linear;
  readonly bridgeC: Linear;
  readonly cell: LSTMCell;
  /** W_c: [c; s] → h̃. */
  readonly combine: Linear;
  /** W_s: h̃ → logits. */
  readonly out: Linear;
  readonly drop: Dropout;
  private readonly score: Score | null;

  constructor(config: Seq2SeqConfig) {
    super();
    const c = resolveConfig(config);
    this.config = c;
    const Dh = (c.bidirectional ? 2 : 1) * c.hiddenSize;
    const Hd = c.decoderHiddenSize;
    this.srcEmbed = this.registerModule(
      "src_embed",
      new Embedding(c.srcVocabSize, c.embedDim, { paddingIdx: 0 }),
    );
    this.tgtEmbed = this.registerModule(
      "tgt_embed",
      new Embedding(c.tgtVocabSize, c.embedDim, { paddingIdx: 0 }),
    );
    this.encoder = this.registerModule(
      "encoder",
      new LSTM({
        inputSize: c.embedDim,
        hiddenSize: c.hiddenSize,
        numLayers: c.encoderLayers,
        bidirectional: c.bidirectional,
        batchFirst: true,
        dropout: c.encoderLayers > 1 ? c.dropout : 0,
      }),
    );
    this.bridgeH = this.registerModule("bridge_h", new Linear(Dh, Hd));
    this.bridgeC = this.registerModule("bridge_c", new Linear(Dh, Hd));
    // Decoder input: embedding plus the context (none, bahdanau) or the fed-back h̃ (luong).
    const feedSize = c.attention === "none" ? Hd : c.attention === "bahdanau" ? Dh : c.inputFeeding ? Hd : 0;
    this.cell = this.registerModule(
      "decoder",
      new LSTMCell({ inputSize: c.embedDim + feedSize, hiddenSize: Hd }),
    );
    this.combine = this.registerModule(
      "combine",
      new Linear((c.attention === "none" ? Hd : Dh) + Hd, Hd, { bias: false }),
    );
    this.out = this.registerModule("out", new Linear(Hd, c.tgtVocabSize));
    this.drop = this.registerModule("dropout", new Dropout(c.dropout));
    const A = c.attentionDim;
    switch (c.attention) {
      case "bahdanau":
        this.score = additiveProjected({
          wQuery: this.registerParameter("attn_w_query", uniformParam([A, Hd], 1 / Math.sqrt(Hd))),
          v: this.registerParameter("attn_v", uniformParam([A], 1 / Math.sqrt(A))),
        });
        this.registerParameter("attn_w_key", uniformParam([A, Dh], 1 / Math.sqrt(Dh)));
        break;
      case "luong-general":
        this.registerParameter("attn_w", uniformParam([Hd, Dh], 1 / Math.sqrt(Dh)));
        this.score = dot(); // on k′ = W h
        break;
      case "luong-concat": {
        // W [s; h] = W_s s + W_h h with W = [W_s | W_h] (A, Hd + Dh).
        const w = this.registerParameter("attn_w", uniformParam([A, Hd + Dh], 1 / Math.sqrt(Hd + Dh)));
        this.score = additiveProjected({
          wQuery: slice(w, 1, 0, Hd),
          v: this.registerParameter("attn_v", uniformParam([A], 1 / Math.sqrt(A))),
        });
        break;
      }
      case "luong-location":
        this.score = location({
          weight: this.registerParameter("attn_w", uniformParam([c.maxSourceLength, Hd], 1 / Math.sqrt(Hd))),
        });
        break;
      case "luong-dot":
        this.score = dot();
        break;
      default:
        this.score = null; // none: no score at all
    }
    if (c.attention === "luong-dot" && Hd !== Dh) {
      throw new Error(`Seq2Seq: luong-dot needs decoderHiddenSize (${Hd}) = encoder output size (${Dh})`);
    }
  }

  /**
   * Encodes a padded batch: `src` (B·S ids, row-major, 0 = padding) with per-row lengths.
   * Returns the decoder's initial state. Ids and lengths may be tensors (an exported graph's inputs).
   */
  encode(
    src: Int32Array | number[] | Tensor,
    B: number,
    S: number,
    srcLengths: number[] | Tensor,
  ): DecoderState {
    const nIds = src instanceof Tensor ? src.size : src.length;
    const nLengths = srcLengths instanceof Tensor ? srcLengths.size : srcLengths.length;
    if (nIds !== B * S || nLengths !== B) {
      throw new Error(`Seq2Seq.encode: src has ${nIds} ids for B=${B}, S=${S} and ${nLengths} lengths`);
    }
    if (this.config.attention === "luong-location" && S > this.config.maxSourceLength) {
      throw new Error(
        `Seq2Seq.encode: source length ${S} exceeds maxSourceLength ${this.config.maxSourceLength}`,
      );
    }
    const emb = this.drop.forward(this.srcEmbed.forward(src, [B, S])); // (B, S, E)
    const enc = this.encoder.forward(emb, null, { lengths: srcLengths }); // output (B, S, Dh); h (L·D, B, H)
    const L = this.config.encoderLayers;
    const D = this.config.bidirectional ? 2 : 1;
    // Final states of the top layer, both directions: (D, B, H) → (B, D·H)
    const top = (t: Tensor) =>
      reshape(transpose(slice(t, 0, (L - 1) * D, L * D), 0, 1), [B, D * this.config.hiddenSize]);
    const h = tanh(this.bridgeH.forward(top(enc.h)));
    const c = this.bridgeC.forward(top(enc.c));
    const Hd = this.config.decoderHiddenSize;
    const feed = this.config.attention === "none" ? h : zeros([B, Hd]);
    return {
      memory: enc.output,
      keys: this.projectKeys(enc.output),
      srcLengths: srcLengths instanceof Tensor ? Array.from(srcLengths.data) : srcLengths,
      mask: paddingMask(srcLengths),
      h,
      c,
      feed,
    };
  }

  /** The key-side half of the score, once per sentence: k′ = W h (general), W₂ h (bahdanau, concat), or h. */
  private projectKeys(memory: Tensor): Tensor {
    const Hd = this.config.decoderHiddenSize;
    switch (this.config.attention) {
      case "bahdanau":
        return linear(memory, this.param("attn_w_key"));
      case "luong-general":
        return linear(memory, this.param("attn_w"));
      case "luong-concat":
        return linear(memory, slice(this.param("attn_w"), 1, Hd));
      default:
        return memory;
    }
  }

  /** One decoder step for the previous tokens `prev` (N ids, or a tensor of them). */
  step(state: DecoderState, prev: Int32Array | number[] | Tensor): StepResult {
    const N = state.h.shape[0];
    const cfg = this.config;
    const e = this.drop.forward(this.tgtEmbed.forward(prev, [N])); // (N, E)
    let weights: Tensor | null = null;
    let context: Tensor;
    let s: { h: Tensor; c: Tensor };
    if (cfg.attention === "none") {
      s = this.cell.forward(concat([e, state.feed], 1), { h: state.h, c: state.c });
      context = state.feed; // the one fixed vector
    } else if (cfg.attention === "bahdanau") {
      // Bahdanau: the previous state s_{t−1} queries, then the context enters the LSTM.
      const r = attend(unsqueeze(state.h, 1), state.keys, state.memory, {
        score: this.score!,
        mask: state.mask,
      });
      context = squeeze(r.output, 1);
      weights = squeeze(r.weights, 1);
      s = this.cell.forward(concat([e, context], 1), { h: state.h, c: state.c });
    } else {
      // Luong: the LSTM runs first (with input feeding), then the new state s_t queries.
      const input = cfg.inputFeeding ? concat([e, state.feed], 1) : e;
      s = this.cell.forward(input, { h: state.h, c: state.c });
      const r = attend(unsqueeze(s.h, 1), state.keys, state.memory, { score: this.score!, mask: state.mask });
      context = squeeze(r.output, 1);
      weights = squeeze(r.weights, 1);
    }
    const hTilde = this.drop.forward(tanh(this.combine.forward(concat([context, s.h], 1)))); // (N, Hd)
    const logits = this.out.forward(hTilde);
    const feed = cfg.attention === "none" ? state.feed : hTilde;
    return { logits, state: { ...state, h: s.h, c: s.c, feed }, weights };
  }

  /** Keeps rows `index` of every per-row tensor of the state (beam search reordering / expansion). */
  selectRows(state: DecoderState, index: ArrayLike<number>): DecoderState {
    const idx = Array.from(index);
    const srcLengths = idx.map((i) => state.srcLengths[i]);
    const memory = indexSelect(state.memory, 0, idx);
    return {
      memory,
      keys: state.keys === state.memory ? memory : indexSelect(state.keys, 0, idx),
      srcLengths,
      mask: paddingMask(srcLengths),
      h: indexSelect(state.h, 0, idx),
      c: indexSelect(state.c, 0, idx),
      feed: indexSelect(state.feed, 0, idx),
    };
  }

  /**
   * Teacher forcing over a whole padded batch: `tgtIn` (B·T ids starting with SOS). Returns logits
   * (B, T, V) and, with attention, weights (B, T, S).
   */
  forward(
    src: Int32Array | number[],
    srcLengths: number[],
    tgtIn: Int32Array | number[],
    B: number,
    S: number,
    T: number,
  ): { logits: Tensor; weights: Tensor | null } {
    let state = this.encode(src, B, S, srcLengths);
    const logits: Tensor[] = [];
    const weights: Tensor[] = [];
    const prev = new Int32Array(B);
    for (let t = 0; t < T; t++) {
      for (let b = 0; b < B; b++) prev[b] = tgtIn[b * T + t];
      const r = this.step(state, prev);
      state = r.state;
      logits.push(r.logits);
      if (r.weights) weights.push(r.weights);
    }
    return { logits: stack(logits, 1), weights: weights.length ? stack(weights, 1) : null };
  }
}
