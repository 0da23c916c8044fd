/**
 * The numbers behind the page, computed by qkv itself (no DOM here, so Node tests run the same code):
 *
 *   translateWithAttention  greedy decoding of the LSTM encoder–decoder (`greedyDecode`, which
 *                           `qkv attend` uses), reading at every step through its `onStep` the query
 *                           that asked (s_{t−1} for Bahdanau, s_t for Luong), the model's own scores
 *                           e_tj, the weights a_tj, the context c_t; and the encoder states h_j;
 *   threeSteps              score e_ij → softmax a_ij → weighted sum c_i for one query, on `attend`;
 *   luongEqualsScaledDot    Luong's dot attention of s over h vs. scaled-dot attention with Q = s,
 *                           K = V = h and scale 1: the largest absolute difference of weights and contexts.
 */
import {
  attend,
  decodeLength,
  greedyDecode,
  luongAttention,
  noGrad,
  type Score,
  scaledDotProductAttention,
  scores as scoreFns,
  squeeze,
  type Tensor,
  tensor,
  unsqueeze,
} from "qkv";
import type { LoadedSeq2Seq } from "./checkpoint.js";

/** Rows of a (…, R, C) tensor with leading dimensions of size 1, as plain arrays. */
export function rowsOf(t: Tensor): number[][] {
  const C = t.shape[t.rank - 1];
  const R = t.size / C;
  return Array.from({ length: R }, (_, r) => Array.from(t.data.subarray(r * C, (r + 1) * C)));
}

export interface CrossRun {
  sentence: string;
  srcTokens: string[];
  /** Output tokens without EOS. */
  outTokens: string[];
  translation: string;
  /** One label per decoder step: the output tokens, then `<eos>` when it was produced. */
  stepLabels: string[];
  /** Attention weights a_tj per step (empty without attention): rows = stepLabels, columns = srcTokens. */
  weights: number[][];
  /** The model's own scores e_tj (empty without attention). */
  scores: number[][];
  /** The query of each step (s_{t−1} for Bahdanau, s_t for Luong; empty without attention). */
  queries: number[][];
  /** The context c_t of each step (without attention: the one fixed vector, at every step). */
  contexts: number[][];
  /** Encoder states h_j (S rows of size Dh): the keys and values of the attention. */
  memory: number[][];
  /** The model's attention kind. */
  attention: string;
}

/** Greedy translation of one sentence (`greedyDecode`) with everything the attention did along the way. */
export function translateWithAttention(m: LoadedSeq2Seq, sentence: string, maxLength?: number): CrossRun {
  const srcTokens = m.tokenizer.tokenize(sentence);
  if (srcTokens.length === 0) throw new Error("translate: the sentence has no words");
  const ids = m.srcVocab.encode(srcTokens);
  const S = ids.length;
  const stepLabels: string[] = [];
  const weights: number[][] = [];
  const scores: number[][] = [];
  const queries: number[][] = [];
  const contexts: number[][] = [];
  return noGrad(() => {
    const start = m.model.encode(ids, 1, S, [S]);
    const [h] = greedyDecode(m.model, ids, 1, S, [S], {
      maxLength: maxLength ?? decodeLength(S, m.meta.maxTargetLength ?? 0),
      start,
      onStep: ({ state, output: r, tokens }) => {
        contexts.push(Array.from(r.context.data));
        if (r.weights && r.query && state.score) {
          weights.push(Array.from(r.weights.data));
          queries.push(Array.from(r.query.data));
          scores.push(Array.from(state.score.compute(unsqueeze(r.query, 1), state.keys).data));
        }
        stepLabels.push(m.tgtVocab.tokenOf(tokens[0]));
      },
    });
    const outTokens = m.tgtVocab.decode(h.tokens);
    return {
      sentence,
      srcTokens,
      outTokens,
      translation: m.tokenizer.detokenize(outTokens),
      stepLabels,
      weights,
      scores,
      queries,
      contexts,
      memory: rowsOf(start.memory),
      attention: m.model.config.attention,
    };
  });
}

export interface ThreeSteps {
  /** e_j = score(q, k_j). */
  scores: number[];
  /** a_j = softmax_j(e). */
  weights: number[];
  /** c = Σ_j a_j v_j. */
  context: number[];
}

/** The three steps of attention for one query over keys and values, on `attend`. */
export function threeSteps(query: number[], keys: number[][], values: number[][], score: Score): ThreeSteps {
  const q = tensor(query, [1, query.length]);
  const K = tensor(keys.flat(), [keys.length, keys[0].length]);
  const V = tensor(values.flat(), [values.length, values[0].length]);
  return noGrad(() => {
    const r = attend(q, K, V, { score });
    return {
      scores: Array.from(score.compute(q, K).data),
      weights: Array.from(squeeze(r.weights, 0).data),
      context: Array.from(squeeze(r.output, 0).data),
    };
  });
}

/** Luong's dot score e = sᵀh (Luong et al. 2015, eq. 8). */
export const luongDot = (): Score => scoreFns.dot();
/** Scaled dot e = qᵀk · scale (Vaswani et al. 2017); scale 1/√d by default. */
export const scaledDotScore = (scale?: number): Score => scoreFns.scaledDot(scale);

export interface Equivalence {
  /** max |a_Luong − a_sdpa| over all weights. */
  weights: number;
  /** max |c_Luong − c_sdpa| over all context vectors. */
  contexts: number;
  /** The larger of the two. */
  max: number;
}

/**
 * Luong dot attention of decoder states s (T, D) over encoder states h (S, D) against
 * scaledDotProductAttention(Q = s, K = h, V = h, scale = 1).
 */
export function luongEqualsScaledDot(s: number[][], h: number[][]): Equivalence {
  const D = h[0].length;
  if (s[0].length !== D) {
    throw new Error(`Luong dot needs queries and keys of one size: s is (·, ${s[0].length}), h is (·, ${D})`);
  }
  const S = tensor(s.flat(), [1, s.length, D]);
  const H = tensor(h.flat(), [1, h.length, D]);
  return noGrad(() => {
    const luong = luongAttention(S, H, { score: "dot" });
    const sdpa = scaledDotProductAttention(S, H, H, { scale: 1 });
    const maxAbs = (a: Tensor, b: Tensor) => {
      let m = 0;
      a.data.forEach((x, i) => {
        m = Math.max(m, Math.abs(x - b.data[i]));
      });
      return m;
    };
    const weights = maxAbs(luong.weights, sdpa.weights);
    const contexts = maxAbs(luong.output, sdpa.output);
    return { weights, contexts, max: Math.max(weights, contexts) };
  });
}
