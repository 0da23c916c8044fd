/**
 * A trained Transformer as the ONNX graphs a server runs around its own greedy or beam search (see
 * src/models/transformer/graphs.ts; l = 0 … L−1 the decoder layers, H heads, dH = d / H):
 *
 *   encoder: src (B, S) int64, srcLengths (B) int64
 *              → memory (B, S, d), memory_key_l, memory_value_l (B, H, S, dH)
 * (with kvHeads, every key and value tensor has kvHeads heads instead of H)
 *   decoder: tgt (N, T) int64, memory, srcLengths → logits (N, V), weights (N, S)
 *   step:    prev (N) int64, srcLengths, memory_key_l, memory_value_l, past_key_l, past_value_l (N, H, P, dH)
 *              → logits (N, V), weights (N, S), present_key_l, present_value_l (N, H, P + 1, dH)
 *
 * Encode once. With `decoder`: start every row's `tgt` with <sos>, append the chosen token after each
 * call (the prefix is recomputed each time). With `step`: feed <sos> with empty past (P = 0), then
 * each chosen token with the previous call's present as past. Stop at <eos>; a beam reorders rows by
 * gathering every per-row tensor. Positions are computed in the graph (sinusoidal: any length) or
 * sliced from the learned table (at most `config.maxLength` positions).
 */
import {
  TransformerDecoderGraph,
  TransformerEncoderGraph,
  TransformerStepGraph,
} from "../models/transformer/graphs.js";
import type { TransformerModel } from "../models/transformer/model.js";
import { noGrad, type Tensor, tensor } from "../tensor/index.js";
import { exportOnnx } from "./export.js";
import { graphSignature } from "./seq2seq.js";

export interface TransformerOnnx {
  encoder: Uint8Array;
  /** The decoder over the whole prefix. */
  decoder: Uint8Array;
  /** One decoder step with the KV cache as inputs and outputs. */
  step: Uint8Array;
  /** The graphs' input and output names, in order. */
  signature: Record<"encoder" | "decoder" | "step", { inputs: string[]; outputs: string[] }>;
}

/**
 * Exports `model`'s encoder, decoder and step (traced at batch 2, source length 3, target length and
 * past 2; the axes dynamic, named "batch", "source", "target" and "past").
 */
export async function exportTransformerOnnx(model: TransformerModel): Promise<TransformerOnnx> {
  const c = model.config;
  if (c.crossAttentionValues === "embeddings") {
    throw new Error(
      "exportTransformerOnnx: crossAttentionValues: embeddings is not exported yet (the decoder graph would need the source embeddings as an input)",
    );
  }
  if (c.latentAlignment) {
    throw new Error(
      "exportTransformerOnnx: latentAlignment is not exported yet (the decoder graph would need the source embeddings as an input)",
    );
  }
  // RoPE's rotation tables, ALiBi's biases and the window are built in JS at the traced lengths (no
  // lowering computes them in the graph yet), so a graph traced with them would be wrong at other
  // lengths: refused. Grouped-query attention (kvHeads) is a Gather of kv heads, exported.
  if (c.positions === "rope" || c.positions === "alibi") {
    throw new Error(
      `exportTransformerOnnx: positions "${c.positions}" is not exported yet (its ${c.positions === "rope" ? "rotation tables" : "biases"} are not lowered to ONNX; sinusoidal and learned positions are)`,
    );
  }
  if (c.window !== null) {
    throw new Error(
      `exportTransformerOnnx: window (${c.window}) is not exported yet (the sliding-window mask is not lowered to ONNX)`,
    );
  }
  const B = 2;
  const S = 3;
  const T = 2;
  // Tracing also runs each length one longer (to solve the sizes), so learned positions need S + 1.
  if (c.positions === "learned" && c.maxLength < S + 1) {
    throw new Error(
      `exportTransformerOnnx: learned positions need maxLength ≥ ${S + 1} to trace, the model has ${c.maxLength}`,
    );
  }
  const src = tensor(new Array(B * S).fill(Math.min(4, c.srcVocabSize - 1)), [B, S]);
  const lengths = tensor([S, S - 1], [B]);
  const tgt = tensor(new Array(B * T).fill(Math.min(2, c.tgtVocabSize - 1)), [B, T]);
  const wasTraining = model.training;
  model.eval();
  try {
    const encoder = await exportOnnx(new TransformerEncoderGraph(model), [src, lengths], {
      dynamicAxes: { src: { 0: "batch", 1: "source" }, srcLengths: { 0: "batch" } },
    });
    const { memory } = noGrad(() => model.encode(src, B, S, lengths));
    const decoder = await exportOnnx(new TransformerDecoderGraph(model), [tgt, memory, lengths], {
      dynamicAxes: {
        tgt: { 0: "batch", 1: "target" },
        memory: { 0: "batch", 1: "source" },
        srcLengths: { 0: "batch" },
      },
    });
    // The step after T tokens: past keys and values of T positions, the memory's from the encoder.
    const stepGraph = new TransformerStepGraph(model);
    const names = stepGraph.inputNames();
    const caches = noGrad(() => {
      let state = model.encode(src, B, S, lengths);
      for (let t = 0; t < T; t++) {
        state = model.step(
          state,
          Array.from({ length: B }, (_, b) => tgt.data[b * T + t]),
        ).state;
      }
      const memoryKV = model.memoryCache(memory).layers.flatMap((l) => [l.cross.key, l.cross.value]);
      const pastKV = state.cache.layers.flatMap((l) => [l.self.key, l.self.value]);
      return [...memoryKV, ...pastKV] as Tensor[];
    });
    const prev = tensor(new Array(B).fill(Math.min(4, c.tgtVocabSize - 1)), [B]);
    const axes: Record<string, Record<number, string>> = { prev: { 0: "batch" }, srcLengths: { 0: "batch" } };
    for (const n of names.slice(2)) axes[n] = { 0: "batch", 2: n.startsWith("memory") ? "source" : "past" };
    const step = await exportOnnx(stepGraph, [prev, lengths, ...caches], {
      inputNames: names,
      dynamicAxes: axes,
    });
    return {
      encoder,
      decoder,
      step,
      signature: {
        encoder: graphSignature(encoder),
        decoder: graphSignature(decoder),
        step: graphSignature(step),
      },
    };
  } finally {
    model.train(wasTraining);
  }
}
