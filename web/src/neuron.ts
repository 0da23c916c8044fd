/**
 * The Transformer's attention at the level of single numbers (no DOM here, so Node tests run the same
 * code): for one layer and one head, the vectors the head attends with, and for one query the three
 * steps spelled out — bertviz's "neuron view".
 *
 *   headVectors   q_i, k_j, v_j of one head of one layer, for encoder self-, decoder self- or
 *                 cross-attention: the layer's attention input (after its LayerNorm when the model is
 *                 pre-norm) times W^Q, W^K, W^V, sliced from the layer's `in_proj_weight` and
 *                 `in_proj_bias` at each call (rows 0…E−1, E…2E−1, 2E…3E−1; then this head's d_k
 *                 columns). Nothing here keeps a copy of a parameter: only the activations.
 *   neuronSteps   for query i: q ⊙ k_j element by element, Σ_d, ÷ √d_k, exp, the softmax, and the
 *                 weighted sum Σ_j a_j v_j (causal: the keys j ≤ i only). The score, weights and sum
 *                 come from qkv's `attend` (lesson.ts's threeSteps); the products and their sum in
 *                 float64 beside them, so a learner can add them up.
 *   WORKED_EXAMPLE  d_k = 4, three words, small integers: every number can be checked by hand.
 *   repeatedWord  view 3c's demonstration: one head's encoder self-attention rows of a word that occurs
 *                 twice ("the cat saw the dog"), computed with the model's own W^Q, W^K on the sentence's
 *                 embeddings with and without the sinusoids added (`headVectors`' `positions`). Without
 *                 them the two rows are the same (the same query against the same keys: attention alone
 *                 cannot tell the two words apart); with them they differ.
 */
import {
  add,
  causalMask,
  linear,
  type MultiheadAttention,
  mul,
  noGrad,
  paddingMask,
  slice,
  type Tensor,
} from "qkv";
import type { LoadedTransformer } from "./checkpoint.js";
import { rowsOf, scaledDotScore, threeSteps } from "./lesson.js";
import type { TransformerInputs } from "./stacks.js";

/** Which attention of the Transformer. */
export type NeuronKind = "encoder-self" | "decoder-self" | "cross";

export const NEURON_KINDS: { kind: NeuronKind; label: string }[] = [
  { kind: "encoder-self", label: "encoder self-attention (English → English)" },
  { kind: "decoder-self", label: "decoder self-attention (Hindi → Hindi, causal)" },
  { kind: "cross", label: "cross-attention (Hindi → English)" },
];

export interface HeadVectors {
  kind: NeuronKind;
  layer: number;
  head: number;
  /** d_k = d_model / heads. */
  dk: number;
  /** q_i (T rows of d_k): this head's queries. */
  q: number[][];
  /** k_j (S rows of d_k). */
  k: number[][];
  /** v_j (S rows of d_k). */
  v: number[][];
  /** Query i sees only keys j ≤ i (decoder self-attention). */
  causal: boolean;
}

/** The number of layers of the stack `kind` runs in. */
export function layersFor(m: LoadedTransformer, kind: NeuronKind): number {
  const c = m.model.config;
  return kind === "encoder-self" ? c.numEncoderLayers : c.numDecoderLayers;
}

/** This head's d_k columns of a (1, L, E) or (L, E) projection, as rows. */
function headColumns(t: Tensor, head: number, dk: number): number[][] {
  return rowsOf(t).map((r) => r.slice(head * dk, (head + 1) * dk));
}

/** W_i x + b_i for projection i (0: query, 1: key, 2: value), W_i and b_i sliced from the layer's in_proj. */
function project(mha: MultiheadAttention, x: Tensor, i: number): Tensor {
  const E = mha.embedDim;
  const w = mha.param("in_proj_weight");
  const b = mha.maybeParam("in_proj_bias");
  return linear(x, slice(w, 0, i * E, (i + 1) * E), b ? slice(b, 0, i * E, (i + 1) * E) : null);
}

/**
 * q, k and v of head `head` of layer `layer` of the Transformer's `kind` attention, for the sentence and
 * decoder input the page's maps were computed from (`inputs`: the same ids, so row i here is row i of
 * the map). The layers below `layer` run as the model runs them (eval mode, the same masks).
 */
export function headVectors(
  m: LoadedTransformer,
  inputs: TransformerInputs,
  kind: NeuronKind,
  layer: number,
  head: number,
  { positions = true }: { positions?: boolean } = {},
): HeadVectors {
  const model = m.model;
  const c = model.config;
  const L = layersFor(m, kind);
  if (!Number.isInteger(layer) || layer < 0 || layer >= L) {
    throw new Error(`headVectors(${kind}): no layer ${layer} (the model has ${L})`);
  }
  if (!Number.isInteger(head) || head < 0 || head >= c.nhead) {
    throw new Error(`headVectors(${kind}): no head ${head} (the model has ${c.nhead})`);
  }
  const dk = c.dModel / c.nhead;
  const { srcIds, tgtIn } = inputs;
  const S = srcIds.length;
  const T = tgtIn.length;
  const pre = c.normFirst;
  if (!positions && kind !== "encoder-self") {
    throw new Error(`headVectors(${kind}): { positions: false } is for the encoder's self-attention only`);
  }
  return noGrad(() => {
    const mask = paddingMask([S]);
    const heads = (mha: MultiheadAttention, xq: Tensor, xkv: Tensor, xv: Tensor, causal: boolean) => ({
      kind,
      layer,
      head,
      dk,
      q: headColumns(project(mha, xq, 0), head, dk),
      k: headColumns(project(mha, xkv, 1), head, dk),
      v: headColumns(project(mha, xv, 2), head, dk),
      causal,
    });
    const enc = model.transformer.encoder;
    if (kind === "encoder-self") {
      const scaled = mul(model.srcEmbed.forward(srcIds, [1, S]), Math.sqrt(c.dModel));
      // Without positions (view 3c's demonstration): the embeddings alone enter the first layer.
      let x = model.drop.forward(positions ? model.positions.forward(scaled, 0) : scaled);
      for (let l = 0; l < layer; l++) x = enc.layers.at(l).forward(x, { mask });
      const lay = enc.layers.at(layer);
      const a = pre ? lay.norm1.forward(x) : x;
      return heads(lay.selfAttn, a, a, a, false);
    }
    const state = model.encode(srcIds, 1, S, [S]);
    const memory = state.memory;
    const values = c.crossAttentionValues === "embeddings" ? (state.memoryValues ?? null) : null;
    const dec = model.transformer.decoder;
    const opts = { tgtMask: causalMask(), memoryMask: mask, memoryValues: values };
    const e = mul(model.tgtEmbed.forward(tgtIn, [1, T]), Math.sqrt(c.dModel));
    let y = model.drop.forward(model.positions.forward(e, 0));
    for (let l = 0; l < layer; l++) y = dec.layers.at(l).forward(y, memory, opts);
    const lay = dec.layers.at(layer);
    const a1 = pre ? lay.norm1.forward(y) : y;
    if (kind === "decoder-self") return heads(lay.selfAttn, a1, a1, a1, true);
    // The cross-attention's query: the residual stream after the layer's self-attention sub-layer.
    const sa = lay.dropout1.forward(
      lay.selfAttn.forward(a1, a1, a1, { attnMask: opts.tgtMask, needWeights: false }).output,
    );
    const a2 = pre ? lay.norm2.forward(add(y, sa)) : lay.norm1.forward(add(y, sa));
    return heads(lay.multiheadAttn, a2, memory, values ?? memory, false);
  });
}

export interface NeuronSteps {
  /** The keys query i may see: 0 … S−1, or 0 … i when causal. */
  keys: number[];
  q: number[];
  /** k_j of each key shown. */
  k: number[][];
  /** v_j of each key shown. */
  v: number[][];
  /** products[j][d] = q_d · k_jd, for each key shown. */
  products: number[][];
  /** Σ_d q_d k_jd (float64, from the products shown). */
  sums: number[];
  /** e_j = q·k_j / √d_k (qkv's scaled-dot score). */
  scores: number[];
  /** exp(e_j − max e), the softmax's numerators (exp(e_j) when `shifted` is false). */
  exps: number[];
  /** Whether the numerators are shifted by the largest score (as a softmax is computed). */
  shifted: boolean;
  /** a_j = softmax(e)_j (qkv's `attend`). */
  weights: number[];
  /** a_j v_j, row by row. */
  weighted: number[][];
  /** c = Σ_j a_j v_j (qkv's `attend`). */
  context: number[];
  /** √d_k. */
  sqrtDk: number;
}

/**
 * The three steps for query i of `hv`, number by number; the softmax's numerators exp(e_j − max e), or
 * exp(e_j) with `shift` false (small scores, the worked example: the same weights).
 */
export function neuronSteps(
  hv: Pick<HeadVectors, "q" | "k" | "v" | "causal">,
  i: number,
  shift = true,
): NeuronSteps {
  if (!Number.isInteger(i) || i < 0 || i >= hv.q.length) {
    throw new Error(`neuronSteps: no query ${i} (there are ${hv.q.length})`);
  }
  const keys = hv.k.map((_, j) => j).filter((j) => !hv.causal || j <= i);
  const q = hv.q[i];
  const K = keys.map((j) => hv.k[j]);
  const V = keys.map((j) => hv.v[j]);
  const r = threeSteps(q, K, V, scaledDotScore());
  const products = K.map((k) => k.map((x, d) => q[d] * x));
  const top = shift ? Math.max(...r.scores) : 0;
  return {
    keys,
    q,
    k: K,
    v: V,
    products,
    sums: products.map((p) => p.reduce((s, x) => s + x, 0)),
    scores: r.scores,
    exps: r.scores.map((e) => Math.exp(e - top)),
    shifted: shift,
    weights: r.weights,
    weighted: V.map((v, j) => v.map((x) => r.weights[j] * x)),
    context: r.context,
    sqrtDk: Math.sqrt(q.length),
  };
}

/**
 * A worked example small enough to check by hand (d_k = 4, √d_k = 2): three words, "sat" asking.
 * q·k = 0, 2, 4, so e = 0, 1, 2 and a = (1, e, e²) / (1 + e + e²) ≈ (0.090, 0.245, 0.665).
 */
export const WORKED_EXAMPLE = {
  words: ["the", "cat", "sat"],
  /** The query word (index into words). */
  query: 2,
  q: [1, 0, 1, 0],
  k: [
    [0, 1, 0, 1],
    [1, 1, 1, 0],
    [2, 0, 2, 1],
  ],
  v: [
    [1, 0, 0, 1],
    [0, 2, 0, 0],
    [0, 0, 1, 1],
  ],
} as const;

/** The worked example's three steps, computed as the model's are (`neuronSteps` on qkv's `attend`). */
export function workedExample(): NeuronSteps {
  const x = WORKED_EXAMPLE;
  const q = x.k.map(() => [...x.q]);
  return neuronSteps(
    { q, k: x.k.map((r) => [...r]), v: x.v.map((r) => [...r]), causal: false },
    x.query,
    false,
  );
}

/** View 3c's sentence: "the" twice. */
export const REPEATED_SENTENCE = "the cat saw the dog";

export interface RepeatedWord {
  /** The sentence's tokens (the Transformer's pieces) and their ids. */
  tokens: string[];
  ids: number[];
  /** The two positions of the first token that occurs twice. */
  first: number;
  second: number;
  layer: number;
  head: number;
  /** Those two positions' weight rows (over every token of the sentence), without and with positions. */
  without: [number[], number[]];
  with: [number[], number[]];
  /** max_j |row_first − row_second| without and with positions. */
  diffWithout: number;
  diffWith: number;
}

const maxDiff = (a: number[], b: number[]) => a.reduce((m, x, j) => Math.max(m, Math.abs(x - b[j])), 0);

/**
 * The encoder self-attention rows of `sentence`'s first repeated token for layer `layer`, head `head`,
 * computed as the model computes them (`headVectors` → `neuronSteps`) on √d · E[token] + PE(pos) and on
 * √d · E[token] alone. Throws naming the sentence when no token occurs twice.
 */
export function repeatedWord(
  m: LoadedTransformer,
  layer: number,
  head: number,
  sentence: string = REPEATED_SENTENCE,
): RepeatedWord {
  const tokens = m.srcTokenizer.tokenize(sentence);
  const ids = Array.from(m.srcVocab.encode(tokens));
  const second = ids.findIndex((id, i) => ids.indexOf(id) < i);
  if (second < 0)
    throw new Error(`repeatedWord: no token occurs twice in "${sentence}" (${tokens.join(" ")})`);
  const first = ids.indexOf(ids[second]);
  const inputs = { srcIds: ids, tgtIn: [] };
  const rows = (positions: boolean): [number[], number[]] => {
    const hv = headVectors(m, inputs, "encoder-self", layer, head, { positions });
    return [neuronSteps(hv, first).weights, neuronSteps(hv, second).weights];
  };
  const without = rows(false);
  const withPe = rows(true);
  return {
    tokens,
    ids,
    first,
    second,
    layer,
    head,
    without,
    with: withPe,
    diffWithout: maxDiff(...without),
    diffWith: maxDiff(...withPe),
  };
}
