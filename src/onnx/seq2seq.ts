/**
 * A trained LSTM seq2seq as the two ONNX graphs a server runs around its own greedy or beam search
 * (see src/models/seq2seq/graphs.ts):
 *
 *   encoder: src (B, S) int64, srcLengths (B) int64 → memory, keys, h, c, feed
 *   step:    prev (N) int64, memory, keys, srcLengths, h, c, feed → logits (N, V), h_out, c_out, feed_out[, weights]
 *
 * Start every row with <sos>, feed each step's h_out, c_out and feed_out back as h, c and feed, stop
 * at <eos>; a beam reorders rows by gathering every per-row tensor (memory, keys, srcLengths, h, c, feed).
 */
import { Seq2SeqEncoderGraph, Seq2SeqStepGraph } from "../models/seq2seq/graphs.js";
import type { Seq2Seq } from "../models/seq2seq/model.js";
import { noGrad, tensor } from "../tensor/index.js";
import { exportOnnx } from "./export.js";
import { decodeModel } from "./proto.js";

export interface Seq2SeqOnnx {
  encoder: Uint8Array;
  step: Uint8Array;
  /** The graphs' input and output names, in order. */
  signature: Record<"encoder" | "step", { inputs: string[]; outputs: string[] }>;
}

/** A graph's input and output names, in order. */
export function graphSignature(bytes: Uint8Array): { inputs: string[]; outputs: string[] } {
  const g = decodeModel(bytes).graph as { input: { name: string }[]; output: { name: string }[] };
  return { inputs: g.input.map((v) => v.name), outputs: g.output.map((v) => v.name) };
}

/** Exports `model`'s encoder and decoder step (traced at batch 2, source length 3; both dynamic). */
export async function exportSeq2SeqOnnx(model: Seq2Seq): Promise<Seq2SeqOnnx> {
  const B = 2;
  const S = 3;
  const id = Math.min(4, model.config.srcVocabSize - 1);
  const src = tensor(new Array(B * S).fill(id), [B, S]);
  const lengths = tensor([S, S - 1], [B]);
  const wasTraining = model.training;
  model.eval();
  try {
    // Symbolic axes named for a server: batch (rows) and source (length); the rest join by size.
    const encoder = await exportOnnx(new Seq2SeqEncoderGraph(model), [src, lengths], {
      dynamicAxes: { src: { 0: "batch", 1: "source" } },
    });
    const st = noGrad(() => model.encode(src, B, S, lengths));
    const prev = tensor(new Array(B).fill(Math.min(2, model.config.tgtVocabSize - 1)), [B]);
    const step = await exportOnnx(
      new Seq2SeqStepGraph(model),
      [prev, st.memory, st.keys, lengths, st.h, st.c, st.feed],
      { dynamicAxes: { prev: { 0: "batch" }, memory: { 0: "batch", 1: "source" } } },
    );
    return { encoder, step, signature: { encoder: graphSignature(encoder), step: graphSignature(step) } };
  } finally {
    model.train(wasTraining);
  }
}
