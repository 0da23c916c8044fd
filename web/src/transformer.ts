/**
 * The Transformer in the page (no DOM here, so Node tests run the same code): greedy translation of one
 * sentence by `greedyDecode` on the step decoder (KV cache), then the model's
 * attention as layers × heads stacks:
 *
 *   encoderSelf  each encoder layer's self-attention (B = 1, H, S, S): `encode(…, { needWeights })`;
 *                Q, K and V all from the English sentence (intra-attention);
 *   decoderSelf  each decoder layer's masked self-attention (1, H, T, T) over the decoder's input
 *                (<sos> and the Hindi words produced so far): Q, K and V all from the Hindi prefix;
 *   cross        each decoder layer's cross-attention (1, H, T, S): Q from the Hindi decoder, K and V
 *                from the English encoder's output (inter-attention, as in the LSTM model).
 *
 * The decoder maps come from one teacher-forced pass over the decoded prefix (`decodeAll`), whose rows
 * equal the cached steps' (test/nn/transformer-decoder-weights.test.ts).
 */
import { data, decodeLength, greedyDecode, noGrad, type Tensor } from "qkv";
import type { LoadedTransformer } from "./checkpoint.js";
import {
  type LayeredAnalysis,
  type LayeredAttentionModel,
  stackFromTensors,
  type TransformerInputs,
} from "./stacks.js";

export interface TransformerRun {
  sentence: string;
  srcTokens: string[];
  /** Output tokens without EOS. */
  outTokens: string[];
  translation: string;
  /** One label per decoder step: the token it produced (the output tokens, then `<eos>` when produced). */
  stepLabels: string[];
  /** The decoder's input at each step: `<sos>`, then the tokens produced before it. */
  decoderTokens: string[];
  /** The ids the maps were computed from: the sentence's and the decoder's input. */
  inputs: TransformerInputs;
  /** Per encoder layer (1, H, S, S). */
  encoderWeights: Tensor[];
  /** Per decoder layer (1, H, T, T). */
  decoderSelfWeights: Tensor[];
  /** Per decoder layer (1, H, T, S). */
  crossWeights: Tensor[];
}

/** Greedy translation of one sentence by the Transformer (`greedyDecode`), with every layer's and head's attention. */
export function translateTransformer(
  m: LoadedTransformer,
  sentence: string,
  maxLength?: number,
): TransformerRun {
  const srcTokens = m.tokenizer.tokenize(sentence);
  if (srcTokens.length === 0) throw new Error("translate: the sentence has no words");
  const ids = m.srcVocab.encode(srcTokens);
  const S = ids.length;
  const stepLabels: string[] = [];
  return noGrad(() => {
    const start = m.model.encode(ids, 1, S, [S], { needWeights: true });
    const [h] = greedyDecode(m.model, ids, 1, S, [S], {
      maxLength: maxLength ?? decodeLength(S, m.meta.maxTargetLength ?? 0),
      start,
      onStep: ({ tokens }) => {
        stepLabels.push(m.tgtVocab.tokenOf(tokens[0]));
      },
    });
    const T = stepLabels.length;
    const tgtIn = [data.SOS, ...h.tokens].slice(0, T);
    const dec = m.model.decodeAll(start.memory, [S], tgtIn, T, { needWeights: true, needSelfWeights: true });
    const outTokens = m.tgtVocab.decode(h.tokens);
    return {
      sentence,
      srcTokens,
      outTokens,
      translation: m.tokenizer.detokenize(outTokens),
      stepLabels,
      decoderTokens: tgtIn.map((id) => m.tgtVocab.tokenOf(id)),
      inputs: { srcIds: Array.from(ids), tgtIn: Array.from(tgtIn) },
      encoderWeights: start.encoderWeights ?? [],
      decoderSelfWeights: dec.selfWeights ?? [],
      crossWeights: dec.layerWeights,
    };
  });
}

/** The three stacks of one translation. */
export function transformerAnalysis(run: TransformerRun, name: string): LayeredAnalysis {
  const L = run.encoderWeights.length;
  const H = run.encoderWeights[0]?.shape[1] ?? 0;
  const Ld = run.crossWeights.length;
  return {
    translation: run.translation,
    inputs: run.inputs,
    encoderSelf: stackFromTensors(
      {
        title: "Transformer encoder self-attention",
        kind: "self",
        source: {
          q: "x_i W^Q (English, the layer's input)",
          k: "x_j W^K (English)",
          v: "x_j W^V (English)",
        },
        queryTokens: run.srcTokens,
        keyTokens: run.srcTokens,
        note: `The Transformer "${name}" (${L} encoder layers × ${H} heads), computed live by qkv: each head projects the same English sentence into its queries, keys and values.`,
      },
      run.encoderWeights,
    ),
    decoderSelf: stackFromTensors(
      {
        title: "Transformer decoder self-attention",
        kind: "self",
        source: {
          q: "y_i W^Q (Hindi prefix)",
          k: "y_j W^K (Hindi prefix, j ≤ i)",
          v: "y_j W^V (Hindi prefix, j ≤ i)",
        },
        queryTokens: run.decoderTokens,
        keyTokens: run.decoderTokens,
        note: `Masked (causal): each Hindi position sees itself and the words before it. ${Ld} decoder layers × ${H} heads.`,
      },
      run.decoderSelfWeights,
    ),
    cross: stackFromTensors(
      {
        title: "Transformer decoder cross-attention",
        kind: "cross",
        source: {
          q: "the Hindi decoder's state before each output word",
          k: "the English encoder's output",
          v: "the English encoder's output",
        },
        queryTokens: run.stepLabels,
        keyTokens: run.srcTokens,
        note: "Rows: the Hindi word produced at that step; columns: the English input.",
      },
      run.crossWeights,
    ),
  };
}

/** The Transformer as the page's layered-attention model. */
export function transformerLayered(m: LoadedTransformer, name: string): LayeredAttentionModel {
  return {
    name,
    tokenizers: { srcTokenizer: m.srcTokenizer, tgtTokenizer: m.tgtTokenizer },
    analyse: (sentence) => transformerAnalysis(translateTransformer(m, sentence), name),
  };
}
