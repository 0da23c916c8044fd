/**
 * The LSTM encoder–decoder of the lesson, with pluggable attention.
 *
 * Encoder (Sutskever et al. 2014; bidirectional as Bahdanau et al. 2014): h_j = [→h_j; ←h_j].
 * A bridge maps the final encoder states to the decoder's initial (s_0, c_0) (or, with `bridge: false`,
 * the decoder starts from zeros and reads the source only through attention).
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
 * With `attentionValues: "embeddings"` the values are v_j = W_v x_j (the source word embeddings) and
 * the keys stay the encoder states: c_t = Σ_j a_tj W_v x_j (see config.ts for why).
 * With `latentAlignment: true` the attention is a latent alignment the output marginalises over
 * (Deng et al. 2018, "Latent Alignment and Variational Attention", exact enumeration): every source
 * position j makes its own prediction from its value and the decoder state, and a_t mixes them,
 *   h̃_tj = tanh(W_c [v_j; s_t]),   p(y_t | y_<t, x) = Σ_j a_tj softmax(W_s h̃_tj),
 * so each word must be predicted from ONE source position: the attention is pushed towards the
 * position that explains y_t (what an alignment is), not to a blend. The logits returned are
 * log p(y_t) (already normalised; softmax leaves them unchanged). Input feeding uses Σ_j a_tj h̃_tj.
 * Every attention call is `attend` over the encoder states: cross-attention, query from one sequence,
 * keys and values from the other. The key-side half of each score is computed once per sentence in
 * `encode` (general: k′ = W h, so e = s·k′; bahdanau/concat: k′ = W₂ h, e = vᵀ tanh(W₁ s + k′)),
 * which gives the same numbers as luongAttention / bahdanauAttention without redoing W h every step.
 * How each kind scores, projects keys, feeds the LSTM and where its query comes from is described once,
 * in attention-kinds.ts; the model reads that table and never branches on the kind's name.
 *
 * Shapes: B batch, S source length, T target length, E embedDim, H encoder hidden per direction,
 * Dh = encoder output size (2H or H), Hd decoder hidden, V target vocabulary.
 */
import { attend } from "../../attention/attend.js";
import { mixPositions } from "../../attention/latent-alignment.js";
import { type AttentionMask, paddingMask } from "../../attention/masks.js";
import type { Score } from "../../attention/scores.js";
import { Dropout } from "../../nn/dropout.js";
import { Embedding } from "../../nn/embedding.js";
import { Linear } from "../../nn/linear.js";
import { LSTM } from "../../nn/lstm.js";
import { LSTMCell } from "../../nn/lstm-cell.js";
import { Module } from "../../nn/module.js";
import {
  broadcastTo,
  concat,
  indexSelect,
  matmul,
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
import {
  ATTENTION_KIND_SPECS,
  type AttentionKindSpec,
  type KindAttend,
  type KindDims,
  kindDims,
  type ParamReader,
} from "./attention-kinds.js";
import { type ResolvedSeq2SeqConfig, resolveConfig, type Seq2SeqConfig } from "./config.js";

/** What the decoder carries from step to step (all rows indexed by batch·beam). */
export interface DecoderState {
  /** Encoder states h (N, S, Dh): the values of the attention. */
  memory: Tensor;
  /** The keys the score compares the query with: h, or its projection k′ (N, S, ·) computed once. */
  keys: Tensor;
  /** The query half of the score, built from the parameters' current values in `encode` (null: none). */
  score: Score | null;
  /** Valid source lengths per row. */
  srcLengths: number[];
  mask: AttentionMask;
  /** Decoder LSTM state (N, Hd). */
  h: Tensor;
  c: Tensor;
  /** The previous attentional state h̃_{t−1} (N, Hd) for input feeding, or the fixed context for "none". */
  feed: Tensor;
  /**
   * The kind's own attention step (coverage, local windows; attention-kinds.ts `attend`), built in
   * `encode` from the parameters' current values; absent or null: attend(q, keys, memory) with `score`.
   */
  attendStep?: KindAttend | null;
  /** The kind's state carried from step to step (coverage: C_{t−1} (N, S)), or absent / null. */
  attnState?: Tensor | null;
  /** The 0-based index of the next target step (0 after `encode`; absent: 0). */
  t?: number;
}

/** One decoder step of `Seq2Seq.step`: logits, the new state and the attention weights. */
export interface StepResult {
  /** Unnormalised scores over the target vocabulary (N, V). */
  logits: Tensor;
  state: DecoderState;
  /** Attention weights over source positions (N, S), or null without attention. */
  weights: Tensor | null;
  /** The decoder state that asked (s_{t−1} for Bahdanau, s_t for Luong; (N, Hd)), or null without attention. */
  query: Tensor | null;
  /** The context c_t (N, ·): the weighted sum of encoder states, or the one fixed vector without attention. */
  context: Tensor;
  /**
   * latentAlignment: each source position's own prediction p(y | v_j, s_t) (N, S, V), which the
   * attention mixes; null otherwise. With it the alignment posterior of a word y is
   * p(a_t = j | y) = a_tj p(y | v_j, s_t) / p(y).
   */
  positionProbs: Tensor | null;
}

export class Seq2Seq extends Module {
  readonly config: ResolvedSeq2SeqConfig;
  readonly srcEmbed: Embedding;
  readonly tgtEmbed: Embedding;
  readonly encoder: LSTM;
  /** The bridge from the encoder's final states to (s_0, c_0); null with `bridge: false` (zeros). */
  readonly bridgeH: Linear | null;
  readonly bridgeC: Linear | null;
  readonly cell: LSTMCell;
  /** W_c: [c; s] → h̃. */
  readonly combine: Linear;
  /** W_s: h̃ → logits. */
  readonly out: Linear;
  readonly drop: Dropout;
  /** W_v: source embedding → value (attentionValues "embeddings"), else null. */
  readonly valueProj: Linear | null;
  /** The description of this model's attention kind (the one place kinds differ). */
  private readonly kind: AttentionKindSpec;
  private readonly dims: KindDims;

  constructor(config: Seq2SeqConfig) {
    super();
    const c = resolveConfig(config);
    this.config = c;
    const kind = ATTENTION_KIND_SPECS[c.attention];
    const d = kindDims(c);
    kind.check?.(d);
    this.kind = kind;
    this.dims = d;
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
    this.bridgeH = c.bridge ? this.registerModule("bridge_h", new Linear(d.Dh, d.Hd)) : null;
    this.bridgeC = c.bridge ? this.registerModule("bridge_c", new Linear(d.Dh, d.Hd)) : null;
    this.cell = this.registerModule(
      "decoder",
      new LSTMCell({ inputSize: c.embedDim + kind.feedSize(d), hiddenSize: d.Hd }),
    );
    this.combine = this.registerModule(
      "combine",
      new Linear(kind.contextSize(d) + d.Hd, d.Hd, { bias: false }),
    );
    this.out = this.registerModule("out", new Linear(d.Hd, c.tgtVocabSize));
    this.drop = this.registerModule("dropout", new Dropout(c.dropout));
    for (const [name, { shape, bound }] of Object.entries(kind.params(d))) {
      this.registerParameter(name, uniformParam(shape, bound));
    }
    // Registered last, so the other parameters draw the same initial values with either kind of value.
    this.valueProj =
      c.attentionValues === "embeddings" && kind.query !== null
        ? this.registerModule("value_proj", new Linear(c.embedDim, d.Dh, { bias: false }))
        : null;
  }

  /** The query half of the score with the parameters' current values (null without attention). */
  attentionScore(): Score | null {
    return this.kind.score((name) => this.param(name), this.dims);
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
    this.kind.checkSource?.(S, this.dims);
    const emb = this.drop.forward(this.srcEmbed.forward(src, [B, S])); // (B, S, E)
    const enc = this.encoder.forward(emb, null, { lengths: srcLengths }); // output (B, S, Dh); h (L·D, B, H)
    const L = this.config.encoderLayers;
    const D = this.config.bidirectional ? 2 : 1;
    // Final states of the top layer, both directions: (D, B, H) → (B, D·H)
    const top = (t: Tensor) =>
      reshape(transpose(slice(t, 0, (L - 1) * D, L * D), 0, 1), [B, D * this.config.hiddenSize]);
    const h = this.bridgeH === null ? zeros([B, this.dims.Hd]) : tanh(this.bridgeH.forward(top(enc.h)));
    const c = this.bridgeC === null ? zeros([B, this.dims.Hd]) : this.bridgeC.forward(top(enc.c));
    const p: ParamReader = (name) => this.param(name);
    // The values: the encoder states, or the projected source embeddings (keys stay the encoder's).
    const memory = this.valueProj === null ? enc.output : this.valueProj.forward(emb);
    return {
      memory,
      keys: this.kind.keys(enc.output, p, this.dims),
      score: this.attentionScore(),
      srcLengths: srcLengths instanceof Tensor ? Array.from(srcLengths.data) : srcLengths,
      mask: paddingMask(srcLengths),
      h,
      c,
      feed: this.kind.query === null ? h : zeros([B, this.dims.Hd]),
      attendStep: this.kind.attend?.(p, this.dims) ?? null,
      attnState: this.kind.initialState?.(B, S, this.dims) ?? null,
      t: 0,
    };
  }

  /** One decoder step for the previous tokens `prev` (N ids, or a tensor of them). */
  step(state: DecoderState, prev: Int32Array | number[] | Tensor): StepResult {
    const N = state.h.shape[0];
    const e = this.drop.forward(this.tgtEmbed.forward(prev, [N])); // (N, E)
    const lstm = (input: Tensor) => this.cell.forward(input, { h: state.h, c: state.c });
    // c_t = Σ_j softmax_j(score(q, k′_j)) h_j for the query q this kind asks with, or the kind's own step.
    const t = state.t ?? 0;
    let attnState = state.attnState ?? null;
    if (this.kind.attend && !state.attendStep) {
      throw new Error(
        `Seq2Seq.step: attention "${this.config.attention}" has its own attention step; start from encode()'s state`,
      );
    }
    const look = (q: Tensor) => {
      if (state.attendStep) {
        if (this.kind.initialState && attnState === null) {
          throw new Error(
            `Seq2Seq.step: attention "${this.config.attention}" carries a state between steps; start from encode()'s state`,
          );
        }
        const r = state.attendStep({
          query: q,
          keys: state.keys,
          values: state.memory,
          mask: state.mask,
          srcLengths: state.srcLengths,
          state: attnState,
          t,
        });
        attnState = r.state;
        return { context: r.context, weights: r.weights };
      }
      const r = attend(unsqueeze(q, 1), state.keys, state.memory, { score: state.score!, mask: state.mask });
      return { context: squeeze(r.output, 1), weights: squeeze(r.weights, 1) };
    };
    let s: { h: Tensor; c: Tensor };
    let looked: { context: Tensor; weights: Tensor | null };
    let query: Tensor | null = null;
    switch (this.kind.query) {
      case null: // one fixed context vector, fed every step: the bottleneck
        s = lstm(concat([e, state.feed], 1));
        looked = { context: state.feed, weights: null };
        break;
      case "previous": // Bahdanau: s_{t−1} asks, then the context enters the LSTM
        query = state.h;
        looked = look(query);
        s = lstm(concat([e, looked.context], 1));
        break;
      case "current": // Luong: the LSTM runs first (with input feeding), then s_t asks
        s = lstm(this.config.inputFeeding ? concat([e, state.feed], 1) : e);
        query = s.h;
        looked = look(query);
        break;
    }
    const { context, weights } = looked;
    let hTilde: Tensor;
    let logits: Tensor;
    let positionProbs: Tensor | null = null;
    if (this.config.latentAlignment && weights !== null) {
      // Every position's own prediction, mixed by the attention: p(y) = Σ_j a_j softmax(W_s h̃_j).
      const S = state.memory.shape[1];
      const sS = broadcastTo(unsqueeze(s.h, 1), [N, S, s.h.shape[1]]);
      const hj = this.drop.forward(tanh(this.combine.forward(concat([state.memory, sS], 2)))); // (N, S, Hd)
      // The logits are made for this call: their array may take the probabilities.
      const mixed = mixPositions(weights, this.out.forward(hj), { overwriteLogits: true }); // (N, V), (N, S, V)
      logits = mixed.logits;
      positionProbs = mixed.positionProbs;
      hTilde = squeeze(matmul(unsqueeze(weights, 1), hj), 1);
    } else {
      hTilde = this.drop.forward(tanh(this.combine.forward(concat([context, s.h], 1)))); // (N, Hd)
      logits = this.out.forward(hTilde);
    }
    const feed = this.kind.query === null ? state.feed : hTilde;
    return {
      logits,
      state: { ...state, h: s.h, c: s.c, feed, attnState, t: t + 1 },
      weights,
      query,
      context,
      positionProbs,
    };
  }

  /** Keeps rows `index` of every per-row tensor of the state (beam search reordering / expansion). */
  selectRows(state: DecoderState, index: ArrayLike<number>): DecoderState {
    const idx = Array.from(index);
    const srcLengths = idx.map((i) => state.srcLengths[i]);
    const memory = indexSelect(state.memory, 0, idx);
    return {
      memory,
      keys: state.keys === state.memory ? memory : indexSelect(state.keys, 0, idx),
      score: state.score,
      srcLengths,
      mask: paddingMask(srcLengths),
      h: indexSelect(state.h, 0, idx),
      c: indexSelect(state.c, 0, idx),
      feed: indexSelect(state.feed, 0, idx),
      attendStep: state.attendStep ?? null,
      attnState: state.attnState ? indexSelect(state.attnState, 0, idx) : null,
      t: state.t ?? 0,
    };
  }

  /**
   * Teacher forcing over a whole padded batch: `tgtIn` (B·T ids starting with SOS). Returns logits
   * (B, T, V), with attention weights (B, T, S), and with latentAlignment each position's prediction
   * `positionProbs` (B, T, S, V) when `needPositionProbs` (forced alignment's posterior needs it).
   */
  forward(
    src: Int32Array | number[],
    srcLengths: number[],
    tgtIn: Int32Array | number[],
    B: number,
    S: number,
    T: number,
    { needPositionProbs = false }: { needPositionProbs?: boolean } = {},
  ): { logits: Tensor; weights: Tensor | null; positionProbs: Tensor | null } {
    let state = this.encode(src, B, S, srcLengths);
    const logits: Tensor[] = [];
    const weights: Tensor[] = [];
    const probs: Tensor[] = [];
    const prev = new Int32Array(B);
    for (let t = 0; t < T; t++) {
      for (let b = 0; b < B; b++) prev[b] = tgtIn[b * T + t];
      const r = this.step(state, prev);
      state = r.state;
      logits.push(r.logits);
      if (r.weights) weights.push(r.weights);
      if (needPositionProbs && r.positionProbs) probs.push(r.positionProbs);
    }
    return {
      logits: stack(logits, 1),
      weights: weights.length ? stack(weights, 1) : null,
      positionProbs: probs.length ? stack(probs, 1) : null,
    };
  }
}
