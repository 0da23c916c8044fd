/**
 * A trained Transformer as the two ONNX graphs a server runs around its own greedy or beam search
 * (see src/models/transformer/graphs.ts):
 *
 *   encoder: src (B, S) int64, srcLengths (B) int64 → memory (B, S, d)
 *   decoder: tgt (N, T) int64, memory, srcLengths   → logits (N, V), weights (N, S)
 *
 * Encode once; start every row's `tgt` with <sos>, append the chosen token after each call and stop
 * at <eos>; a beam reorders rows by gathering `tgt`, `memory` and `srcLengths`. The decoder recomputes
 * the prefix at each call (no KV cache in the graph: one input and one output per step, whatever the
 * depth). Positions are computed in the graph (sinusoidal: any length) or sliced from the learned
 * table (at most `config.maxLength` positions).
 */
import { TransformerDecoderGraph, TransformerEncoderGraph } from "../models/transformer/graphs.js";
import type { TransformerModel } from "../models/transformer/model.js";
import { noGrad, tensor } from "../tensor/index.js";
import { exportOnnx } from "./export.js";
import { graphSignature } from "./seq2seq.js";

export interface TransformerOnnx {
  encoder: Uint8Array;
  decoder: Uint8Array;
  /** The graphs' input and output names, in order. */
  signature: Record<"encoder" | "decoder", { inputs: string[]; outputs: string[] }>;
}

/**
 * Exports `model`'s encoder and decoder (traced at batch 2, source length 3, target length 2; batch,
 * source and target axes dynamic, named "batch", "source" and "target").
 */
export async function exportTransformerOnnx(model: TransformerModel): Promise<TransformerOnnx> {
  const c = model.config;
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
    return {
      encoder,
      decoder,
      signature: { encoder: graphSignature(encoder), decoder: graphSignature(decoder) },
    };
  } finally {
    model.train(wasTraining);
  }
}
