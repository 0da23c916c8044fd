/**
 * Attention as the page draws it: a stack of maps, one per layer and head, with the tokens of the
 * queries (rows) and keys (columns) and where Q, K and V come from.
 *
 * The adapter seam for the Transformer (issue 9): a model that can report its encoder self-attention,
 * decoder self-attention and cross-attention per layer and head implements `LayeredAttentionModel`;
 * `stackFromTensors` turns per-layer weight tensors — (B=1, H, T, S) as `MultiheadAttention` returns
 * them with `averageWeights: false`, or (H, T, S) — into a stack. Until a trained Transformer is
 * bundled, the page computes one honest stand-in with `lstmStatesSelfAttention`: scaled-dot
 * self-attention over the LSTM encoder's states (Q = K = V = h_j, no learned projections), one layer,
 * one head, labelled as such.
 */
import { type data, noGrad, scaledDotProductAttention, type Tensor, tensor } from "qkv";
import type { CrossRun } from "./lesson.js";

export interface AttentionStack {
  /** What the maps are, e.g. "Transformer encoder self-attention". */
  title: string;
  /** "self": queries and keys from one sequence (intra); "cross": from two (inter). */
  kind: "self" | "cross";
  /** Where Q, K and V come from, in words. */
  source: { q: string; k: string; v: string };
  queryTokens: string[];
  keyTokens: string[];
  /** weights[layer][head][i][j]: the weight of key j for query i. */
  weights: number[][][][];
  /** Shown beside the maps (what this is and is not). */
  note?: string;
  /** Shown under a map of this stack (e.g. how pieces were merged into words). */
  caption?: string;
}

/** The ids a Transformer's maps were computed from (so a view can recompute one head's vectors). */
export interface TransformerInputs {
  /** The English sentence's token ids (S). */
  srcIds: number[];
  /** The decoder's input: SOS, then the tokens it produced before each step (T). */
  tgtIn: number[];
}

/** What the page shows of one sentence for a model with layers and heads. */
export interface LayeredAnalysis {
  translation?: string;
  /** The Transformer's inputs (absent for the stand-in). */
  inputs?: TransformerInputs;
  encoderSelf: AttentionStack;
  decoderSelf?: AttentionStack;
  cross?: AttentionStack;
}

/** A model with per-layer, per-head attention (the Transformer of issue 9 plugs in here). */
export interface LayeredAttentionModel {
  readonly name: string;
  /** Its tokenizers (which word each token belongs to, for the maps' word view). */
  readonly tokenizers: { srcTokenizer: data.Tokenizer; tgtTokenizer: data.Tokenizer };
  analyse(sentence: string): LayeredAnalysis;
}

export const layersOf = (s: AttentionStack) => s.weights.length;
export const headsOf = (s: AttentionStack) => s.weights[0]?.length ?? 0;

/** The (T × S) map of one layer and head. */
export function mapOf(s: AttentionStack, layer: number, head: number): number[][] {
  const m = s.weights[layer]?.[head];
  if (!m) {
    throw new Error(
      `${s.title}: no layer ${layer}, head ${head} (it has ${layersOf(s)} layers × ${headsOf(s)} heads)`,
    );
  }
  return m;
}

/** Turns per-layer weight tensors ((1, H, T, S) or (H, T, S)) into a stack. */
export function stackFromTensors(
  info: Omit<AttentionStack, "weights">,
  perLayer: readonly Tensor[],
): AttentionStack {
  const T = info.queryTokens.length;
  const S = info.keyTokens.length;
  const weights = perLayer.map((w, l) => {
    const shape = w.shape;
    const ok = (shape.length === 4 && shape[0] === 1) || shape.length === 3;
    const [H, t, s] = shape.slice(-3);
    if (!ok || t !== T || s !== S) {
      throw new Error(
        `stackFromTensors(${info.title}): layer ${l} weights have shape [${shape.join(", ")}], expected [1, H, ${T}, ${S}] or [H, ${T}, ${S}]`,
      );
    }
    return Array.from({ length: H }, (_, h) =>
      Array.from({ length: T }, (_, i) => Array.from(w.data.subarray((h * T + i) * S, (h * T + i + 1) * S))),
    );
  });
  return { ...info, weights };
}

/** Scaled-dot self-attention of the LSTM encoder's states: softmax(h hᵀ/√D_h), one layer, one head. */
export function lstmStatesSelfAttention(run: CrossRun): AttentionStack {
  const S = run.memory.length;
  const D = run.memory[0].length;
  const h = tensor(run.memory.flat(), [1, S, D]);
  const w = noGrad(() => scaledDotProductAttention(h, h, h).weights); // (1, S, S)
  return stackFromTensors(
    {
      title: "Self-attention over the LSTM encoder's states",
      kind: "self",
      source: { q: "h_i (English)", k: "h_j (English)", v: "h_j (English)" },
      queryTokens: run.srcTokens,
      keyTokens: run.srcTokens,
      note:
        "Computed live by qkv's scaled-dot attention on the bidirectional LSTM encoder's states (Q = K = V = h, " +
        "no learned projections): the same sentence on both axes. Not a Transformer — the trained " +
        "Transformer's maps appear here once its checkpoint is bundled.",
    },
    [w.reshape([1, 1, S, S])],
  );
}

/** The LSTM decoder's cross-attention of one translation as a one-layer, one-head stack. */
export function lstmCrossStack(run: CrossRun): AttentionStack {
  return {
    title: `LSTM + ${run.attention} cross-attention`,
    kind: "cross",
    source: {
      q: run.attention === "bahdanau" ? "s_{t−1} (Hindi decoder)" : "s_t (Hindi decoder)",
      k: "h_j (English encoder)",
      v: "h_j (English encoder)",
    },
    queryTokens: run.stepLabels.slice(0, run.weights.length),
    keyTokens: run.srcTokens,
    weights: [[run.weights]],
  };
}
