/**
 * Every attention kind of the LSTM encoder–decoder, described once.
 *
 * A kind says four things (and nothing else in `Seq2Seq` branches on it):
 *   - `params`:   the attention parameters it learns (name → shape and init scale), registered by the model;
 *   - `feedSize`: what the decoder LSTM reads beside the word embedding —
 *                 the fixed context (none, size Hd), the context c_t (Bahdanau, size Dh), or the previous
 *                 attentional state h̃_{t−1} (Luong's input feeding, size Hd; 0 without feeding);
 *   - `query`:    which decoder state asks — `"previous"` s_{t−1} before the LSTM step (Bahdanau et al.
 *                 2014, eq. 5) or `"current"` s_t after it (Luong et al. 2015, §3.1), or none at all;
 *   - `keys` / `score`: the score split into its key half, computed once per sentence, and its query half,
 *                 e_tj = score(q_t, k′_j) with k′ = keys(h):
 *       bahdanau        k′ = W₂ h,          e = vᵀ tanh(W₁ q + k′)            (Bahdanau et al. 2014, eq. 6)
 *       luong-dot       k′ = h,             e = qᵀ k′                          (Luong et al. 2015, eq. 8)
 *       luong-general   k′ = W h,           e = qᵀ k′  (= qᵀ W h)
 *       luong-concat    k′ = W_h h,         e = vᵀ tanh(W_s q + k′), W = [W_s | W_h]
 *       luong-location  k′ = h,             e = (W q)_j                        (Luong et al. 2015, eq. 9)
 *       coverage        k′ = U h,           e = vᵀ tanh(W q + k′ + V C_{t−1})  (Tu et al. 2016; attention/coverage.ts)
 *       local-m         k′ = W h,           e = qᵀ k′ in |s − p_t| ≤ D, p_t = t            (Luong et al. 2015, §3.2)
 *       local-p         k′ = W h,           e = qᵀ k′ in |s − p_t| ≤ D, p_t = S σ(v_pᵀ tanh(W_p q)),
 *                                           a · exp(−(s − p_t)²/(2σ²)), σ = D/2       (attention/local.ts)
 *   A kind whose weights need more than q and k′ also gives `attend`: its whole attention step, which
 *   reads the step index t and the source lengths and may carry a state of its own from step to step
 *   (`initialState`; coverage: C (N, S), C_0 = 0). The model keeps that state in its `DecoderState`
 *   (`attnState`), so teacher forcing, greedy and beam search (`selectRows` gathers it) all carry it.
 *
 * `keys` and `score` read the parameters through `p(name)` each time they are called — once per
 * `encode` — so they always see the values the optimizer or `loadStateDict` left there. Nothing here
 * keeps a copy of a parameter (a slice taken once at construction would be a stale copy).
 *
 * Adding a kind means one entry: in `ATTENTION_KIND_SPECS` for a built-in one (and its name in
 * `BuiltinAttentionKind`), or `registerAttentionKind(name, spec)` from outside. Nothing else changes:
 * the model registers the kind's `params`, the checkpoint checks derive their shapes from the model
 * (models/registry.ts), the CLI's `--attention` offers every kind in ATTENTION_KINDS.
 */
import { coverageAttentionProjected } from "../../attention/coverage.js";
import { localAttention, monotonicPosition, predictivePosition } from "../../attention/local.js";
import type { AttentionMask } from "../../attention/masks.js";
import { additiveProjected, dot, location, type Score } from "../../attention/scores.js";
import { linear, slice, type Tensor, zeros } from "../../tensor/index.js";
import {
  ATTENTION_KINDS,
  type AttentionKind,
  addAttentionKindName,
  type ResolvedSeq2SeqConfig,
} from "./config.js";

/** Sizes a kind's description depends on. */
export interface KindDims {
  /** Encoder output size (2H bidirectional, H otherwise). */
  Dh: number;
  /** Decoder hidden size. */
  Hd: number;
  /** Attention MLP size (bahdanau, luong-concat). */
  A: number;
  /** Longest source (luong-location). */
  maxS: number;
  inputFeeding: boolean;
  /** Half-width D of a local attention's window (local-m, local-p). */
  window: number;
  latentAlignment: boolean;
}

/** A learned attention parameter: its shape and the bound of its uniform initialisation. */
export interface KindParam {
  shape: number[];
  bound: number;
}

/** Reads a parameter of the model by name, at the moment of use. */
export type ParamReader = (name: string) => Tensor;

/** What a kind's own attention step (`AttentionKindSpec.attend`) is given, one decoder step. */
export interface KindStepInput {
  /** The decoder state that asks (N, Hd). */
  query: Tensor;
  /** The key half k′ computed in `encode` (N, S, ·). */
  keys: Tensor;
  /** The values (N, S, Dv). */
  values: Tensor;
  /** The source padding. */
  mask: AttentionMask;
  srcLengths: readonly number[];
  /** The kind's state after the previous step (`initialState` at t = 0), or null for a kind without one. */
  state: Tensor | null;
  /** The 0-based index of the target step (the step that predicts y_t). */
  t: number;
}

/** What it returns: the context c_t (N, Dv), the weights (N, S) and the state for the next step. */
export interface KindStepOutput {
  context: Tensor;
  weights: Tensor;
  state: Tensor | null;
}

export type KindAttend = (input: KindStepInput) => KindStepOutput;

export interface AttentionKindSpec {
  /** Parameters by state-dict name, in registration order. */
  params(d: KindDims): Record<string, KindParam>;
  /** Size of what the decoder LSTM reads beside the embedding. */
  feedSize(d: KindDims): number;
  /** Size of the context c_t that enters h̃_t = tanh(W_c [c_t; s_t]). */
  contextSize(d: KindDims): number;
  /** Which decoder state is the query, or null (no attention: one fixed context vector). */
  query: "previous" | "current" | null;
  /** The key half of the score, once per sentence: memory (N, S, Dh) → k′ (N, S, ·). */
  keys(memory: Tensor, p: ParamReader, d: KindDims): Tensor;
  /** The query half of the score (null without attention). */
  score(p: ParamReader, d: KindDims): Score | null;
  /** Throws when the configuration cannot work for this kind. */
  check?(d: KindDims): void;
  /** Throws when a source of length S cannot be attended to. */
  checkSource?(S: number, d: KindDims): void;
  /**
   * The whole attention step, for a kind whose weights need more than score(q, k′) — the step index,
   * the source lengths or a state of its own. Built once per `encode` from the parameters' current
   * values (as `score` is). Without it the step is attend(q, k′, values) with `score`.
   */
  attend?(p: ParamReader, d: KindDims): KindAttend;
  /** The kind's state before the first step, for N rows of source length S (coverage: zeros (N, S)). */
  initialState?(N: number, S: number, d: KindDims): Tensor;
  /** The kind reads `attentionWindow` (D). */
  usesWindow?: boolean;
  /** Why the kind has no ONNX form yet (the export refuses, naming the kind and this); absent: exported. */
  noOnnx?: string;
}

const uniform = (shape: number[], fanIn: number): KindParam => ({ shape, bound: 1 / Math.sqrt(fanIn) });

const luongFeed = (d: KindDims) => (d.inputFeeding ? d.Hd : 0);

/** Luong's local attention with the general score on k′ = W h (local-m: p_t = t; local-p: predicted, Gaussian). */
function localKind(predictive: boolean): AttentionKindSpec {
  return {
    params: (d) => ({
      attn_w: uniform([d.Hd, d.Dh], d.Dh),
      ...(predictive ? { attn_w_p: uniform([d.A, d.Hd], d.Hd), attn_v_p: uniform([d.A], d.A) } : {}),
    }),
    feedSize: luongFeed,
    contextSize: (d) => d.Dh,
    query: "current",
    keys: (memory, p) => linear(memory, p("attn_w")),
    score: () => dot(), // on k′ = W h, inside the window
    attend(p, d) {
      const score = dot();
      const wP = predictive ? p("attn_w_p") : null;
      const vP = predictive ? p("attn_v_p") : null;
      return (i) => {
        const positions =
          wP !== null && vP !== null
            ? predictivePosition(i.query, { wP, vP }, i.srcLengths)
            : monotonicPosition(i.t, i.srcLengths);
        const r = localAttention(i.query, i.keys, i.values, {
          score,
          positions,
          window: d.window,
          gaussian: predictive,
          mask: i.mask,
        });
        return { context: r.output, weights: r.weights, state: null };
      };
    },
    usesWindow: true,
    noOnnx: predictive
      ? "its window is a mask computed from the predicted position p_t inside the step"
      : "its window moves with the step index t, which the step graph has no input for",
    check(d) {
      if (predictive && d.latentAlignment) {
        throw new Error(
          "Seq2Seq: latentAlignment needs weights that sum to 1; local-p's Gaussian factor scales them (use local-m)",
        );
      }
    },
  };
}

const SPECS: Record<AttentionKind, AttentionKindSpec> = {
  none: {
    params: () => ({}),
    feedSize: (d) => d.Hd,
    contextSize: (d) => d.Hd,
    query: null,
    keys: (memory) => memory,
    score: () => null,
  },
  bahdanau: {
    params: (d) => ({
      attn_w_query: uniform([d.A, d.Hd], d.Hd),
      attn_v: uniform([d.A], d.A),
      attn_w_key: uniform([d.A, d.Dh], d.Dh),
    }),
    feedSize: (d) => d.Dh,
    contextSize: (d) => d.Dh,
    query: "previous",
    keys: (memory, p) => linear(memory, p("attn_w_key")),
    score: (p) => additiveProjected({ wQuery: p("attn_w_query"), v: p("attn_v") }),
  },
  "luong-dot": {
    params: () => ({}),
    feedSize: luongFeed,
    contextSize: (d) => d.Dh,
    query: "current",
    keys: (memory) => memory,
    score: () => dot(),
    check(d) {
      if (d.Hd !== d.Dh) {
        throw new Error(
          `Seq2Seq: luong-dot needs decoderHiddenSize (${d.Hd}) = encoder output size (${d.Dh})`,
        );
      }
    },
  },
  "luong-general": {
    params: (d) => ({ attn_w: uniform([d.Hd, d.Dh], d.Dh) }),
    feedSize: luongFeed,
    contextSize: (d) => d.Dh,
    query: "current",
    keys: (memory, p) => linear(memory, p("attn_w")),
    score: () => dot(), // on k′ = W h
  },
  "luong-concat": {
    params: (d) => ({ attn_w: uniform([d.A, d.Hd + d.Dh], d.Hd + d.Dh), attn_v: uniform([d.A], d.A) }),
    feedSize: luongFeed,
    contextSize: (d) => d.Dh,
    query: "current",
    keys: (memory, p, d) => linear(memory, slice(p("attn_w"), 1, d.Hd)), // W_h h
    score: (p, d) => additiveProjected({ wQuery: slice(p("attn_w"), 1, 0, d.Hd), v: p("attn_v") }), // W_s
  },
  "luong-location": {
    params: (d) => ({ attn_w: uniform([d.maxS, d.Hd], d.Hd) }),
    feedSize: luongFeed,
    contextSize: (d) => d.Dh,
    query: "current",
    keys: (memory) => memory,
    score: (p) => location({ weight: p("attn_w") }),
    checkSource(S, d) {
      if (S > d.maxS) throw new Error(`Seq2Seq.encode: source length ${S} exceeds maxSourceLength ${d.maxS}`);
    },
  },
  coverage: {
    params: (d) => ({
      attn_w_query: uniform([d.A, d.Hd], d.Hd),
      attn_v: uniform([d.A], d.A),
      attn_w_key: uniform([d.A, d.Dh], d.Dh),
      attn_w_cover: uniform([d.A, 1], 1),
    }),
    feedSize: (d) => d.Dh,
    contextSize: (d) => d.Dh,
    query: "previous",
    keys: (memory, p) => linear(memory, p("attn_w_key")),
    score: (p) => additiveProjected({ wQuery: p("attn_w_query"), v: p("attn_v") }), // without V C
    attend(p) {
      const params = { wQuery: p("attn_w_query"), v: p("attn_v"), wCover: p("attn_w_cover") };
      return (i) => {
        if (i.state === null) throw new Error("Seq2Seq.step: coverage attention needs its coverage vector C");
        const r = coverageAttentionProjected(i.query, i.keys, i.values, i.state, params, { mask: i.mask });
        return { context: r.output, weights: r.weights, state: r.coverage };
      };
    },
    initialState: (N, S) => zeros([N, S]),
    noOnnx: "its decoder step carries the coverage vector C, which the step graph has no input for",
  },
  "local-m": localKind(false),
  "local-p": localKind(true),
};

/** Every attention kind's description, by name (built-in and registered). */
export const ATTENTION_KIND_SPECS: Readonly<Record<AttentionKind, AttentionKindSpec>> = SPECS;

/**
 * Adds an attention kind to the LSTM encoder–decoder: after this, `new Seq2Seq({ attention: name })`
 * builds it, checkpoints holding it load, and `qkv train --attention name` (a CLI built afterwards)
 * accepts it. The name must be new and lower-case (letters, digits, hyphens).
 */
export function registerAttentionKind(name: string, spec: AttentionKindSpec): void {
  if (!/^[a-z][a-z0-9-]*$/.test(name)) {
    throw new Error(
      `registerAttentionKind: name must be lower-case letters, digits and hyphens, got ${JSON.stringify(name)}`,
    );
  }
  if (ATTENTION_KINDS.includes(name)) {
    throw new Error(`registerAttentionKind: attention kind "${name}" exists already`);
  }
  SPECS[name] = spec;
  addAttentionKindName(name);
}

/** The sizes of a resolved configuration. */
export function kindDims(c: ResolvedSeq2SeqConfig): KindDims {
  return {
    Dh: (c.bidirectional ? 2 : 1) * c.hiddenSize,
    Hd: c.decoderHiddenSize,
    A: c.attentionDim,
    maxS: c.maxSourceLength,
    inputFeeding: c.inputFeeding,
    window: c.attentionWindow,
    latentAlignment: c.latentAlignment,
  };
}
