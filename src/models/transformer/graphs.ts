/**
 * The Transformer translation model as two graphs a server runs around its own search loop (greedy
 * or beam), the way the model is exported (`exportOnnx`): the encoder, once per batch, and the decoder
 * over the target prefix decoded so far.
 *
 *   encoder(src (B, S) ids, srcLengths (B))          → memory (B, S, d)
 *   decoder(tgt (N, T) ids, memory, srcLengths (N))  → logits (N, V), weights (N, S)
 *
 * `tgt` starts with <sos>; `logits` score the token after its last position, `weights` are the last
 * decoder layer's cross-attention there, averaged over heads (the alignment `greedyDecode` keeps). The
 * decoder has no KV cache: each call recomputes the prefix under the causal mask (what
 * `TransformerModel.decodeAll` does), so a search appends the chosen token to `tgt` and calls it
 * again; a beam reorders rows by gathering `tgt`, `memory` and `srcLengths`.
 * Both call the model's own `encode` and `decodeAll`; nothing is copied.
 */
import { squeeze, type Tensor } from "../../tensor/index.js";
import type { TransformerModel } from "./model.js";

/** `forward(src, srcLengths)`: the encoder's output, the memory the decoder attends to. */
export class TransformerEncoderGraph {
  constructor(readonly model: TransformerModel) {}

  namedParameters(): [string, Tensor][] {
    return this.model.namedParameters();
  }

  forward(src: Tensor, srcLengths: Tensor): Record<string, Tensor> {
    if (src.rank !== 2) {
      throw new Error(`TransformerEncoderGraph: src must be (B, S) ids, got rank ${src.rank}`);
    }
    const [B, S] = src.shape;
    return { memory: this.model.encode(src, B, S, srcLengths).memory };
  }
}

/** `forward(tgt, memory, srcLengths)`: the next token's logits after each row's prefix. */
export class TransformerDecoderGraph {
  constructor(readonly model: TransformerModel) {}

  namedParameters(): [string, Tensor][] {
    return this.model.namedParameters();
  }

  forward(tgt: Tensor, memory: Tensor, srcLengths: Tensor): Record<string, Tensor> {
    if (tgt.rank !== 2) {
      throw new Error(`TransformerDecoderGraph: tgt must be (N, T) ids, got rank ${tgt.rank}`);
    }
    const r = this.model.decodeAll(memory, srcLengths, tgt, tgt.shape[1], {
      needWeights: true,
      lastOnly: true,
    });
    return { logits: squeeze(r.logits, 1), weights: squeeze(r.weights as Tensor, 1) };
  }
}
