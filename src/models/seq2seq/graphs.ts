/**
 * The seq2seq model as two graphs a server runs around its own search loop (greedy or beam), the
 * way the model is exported (`exportOnnx`): the encoder, once per batch, and one decoder step.
 *
 *   encoder(src (B, S) ids, src_lengths (B))  → memory (B, S, Dh), keys (B, S, ·), h, c, feed (B, Hd)
 *   step(prev (N) ids, memory, keys, src_lengths, h, c, feed) → logits (N, V), h, c, feed, weights (N, S)
 *
 * A beam search reorders or expands rows by gathering every per-row tensor (as `Seq2Seq.selectRows`).
 * Both call the model's own `encode` and `step`; nothing is copied.
 */
import { paddingMask } from "../../attention/masks.js";
import type { Tensor } from "../../tensor/index.js";
import { ATTENTION_KIND_SPECS } from "./attention-kinds.js";
import type { Seq2Seq } from "./model.js";

/** Throws, naming the kind and why, when the model's attention kind has no ONNX form. */
function checkExportable(graph: string, model: Seq2Seq): void {
  const kind = model.config.attention;
  const why = ATTENTION_KIND_SPECS[kind].noOnnx;
  if (why !== undefined) {
    throw new Error(`${graph}: attention "${kind}" has no ONNX export yet: ${why}`);
  }
}

/** `forward(src, srcLengths)`: the encoder and the decoder's initial state. */
export class Seq2SeqEncoderGraph {
  constructor(readonly model: Seq2Seq) {
    checkExportable("Seq2SeqEncoderGraph", model);
  }

  /** The wrapped model's parameters, by state-dict name (the graph's weights). */
  namedParameters(): [string, Tensor][] {
    return this.model.namedParameters();
  }

  /** Runs this part of the model; named outputs (the ONNX graph's outputs). */
  forward(src: Tensor, srcLengths: Tensor): Record<string, Tensor> {
    if (src.rank !== 2) throw new Error(`Seq2SeqEncoderGraph: src must be (B, S) ids, got rank ${src.rank}`);
    const [B, S] = src.shape;
    const s = this.model.encode(src, B, S, srcLengths);
    return { memory: s.memory, keys: s.keys, h: s.h, c: s.c, feed: s.feed };
  }
}

/** `forward(prev, memory, keys, srcLengths, h, c, feed)`: one decoder step. */
export class Seq2SeqStepGraph {
  constructor(readonly model: Seq2Seq) {
    checkExportable("Seq2SeqStepGraph", model);
  }

  /** The wrapped model's parameters, by state-dict name (the graph's weights). */
  namedParameters(): [string, Tensor][] {
    return this.model.namedParameters();
  }

  /** Runs this part of the model; named outputs (the ONNX graph's outputs). */
  forward(
    prev: Tensor,
    memory: Tensor,
    keys: Tensor,
    srcLengths: Tensor,
    h: Tensor,
    c: Tensor,
    feed: Tensor,
  ): Record<string, Tensor> {
    const state = {
      memory,
      keys,
      score: this.model.attentionScore(),
      srcLengths: Array.from(srcLengths.data),
      mask: paddingMask(srcLengths),
      h,
      c,
      feed,
    };
    const r = this.model.step(state, prev);
    const out: Record<string, Tensor> = { logits: r.logits, h: r.state.h, c: r.state.c, feed: r.state.feed };
    if (r.weights) out.weights = r.weights;
    return out;
  }
}
