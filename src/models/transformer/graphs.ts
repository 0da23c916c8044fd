/**
 * The Transformer translation model as the graphs a server runs around its own search loop (greedy
 * or beam), the way the model is exported (`exportOnnx`): the encoder, once per batch, and either
 * decoder — over the whole target prefix, or one step with a KV cache.
 *
 *   encoder(src (B, S) ids, srcLengths (B))
 *     → memory (B, S, d), memory_key_l, memory_value_l (B, H, S, d/H) for each decoder layer l
 *   decoder(tgt (N, T) ids, memory, srcLengths (N)) → logits (N, V), weights (N, S)
 *   step(prev (N) ids, srcLengths, memory_key_l, memory_value_l, past_key_l, past_value_l (N, H, P, d/H))
 *     → logits (N, V), weights (N, S), present_key_l, present_value_l (N, H, P + 1, d/H)
 *
 * `tgt` starts with <sos>; `logits` score the token after its last position (after `prev`, at
 * position P, for the step), `weights` are the last decoder layer's cross-attention there, averaged
 * over heads (the alignment `greedyDecode` keeps). The decoder recomputes the prefix at each call
 * (what `TransformerModel.decodeAll` does); the step feeds only the newest token, the earlier
 * positions' self-attention keys and values coming in as `past_*` (P = 0 on the first step) and the
 * memory's as the encoder projected them (what `TransformerModel.step` does with its cache).
 * A beam reorders rows by gathering every per-row tensor. All call the model's own `encode`,
 * `memoryCache`, `decodeAll` and `step`; nothing is copied.
 */
import { KVCache } from "../../attention/kv-cache.js";
import { paddingMask } from "../../attention/masks.js";
import { TransformerDecoderCache } from "../../nn/transformer-decoder.js";
import { squeeze, type Tensor, zeros } from "../../tensor/index.js";
import type { TransformerModel } from "./model.js";

/** `forward(src, srcLengths)`: the memory the decoder attends to, and its keys and values per layer. */
export class TransformerEncoderGraph {
  constructor(readonly model: TransformerModel) {}

  /** The wrapped model's parameters, by state-dict name (the graph's weights). */
  namedParameters(): [string, Tensor][] {
    return this.model.namedParameters();
  }

  /** Runs this part of the model; named outputs (the ONNX graph's outputs). */
  forward(src: Tensor, srcLengths: Tensor): Record<string, Tensor> {
    if (src.rank !== 2) {
      throw new Error(`TransformerEncoderGraph: src must be (B, S) ids, got rank ${src.rank}`);
    }
    const [B, S] = src.shape;
    const { memory } = this.model.encode(src, B, S, srcLengths);
    const out: Record<string, Tensor> = { memory };
    this.model.memoryCache(memory).layers.forEach((l, i) => {
      out[`memory_key_${i}`] = l.cross.key as Tensor;
      out[`memory_value_${i}`] = l.cross.value as Tensor;
    });
    return out;
  }
}

/** `forward(tgt, memory, srcLengths)`: the next token's logits after each row's prefix. */
export class TransformerDecoderGraph {
  constructor(readonly model: TransformerModel) {}

  /** The wrapped model's parameters, by state-dict name (the graph's weights). */
  namedParameters(): [string, Tensor][] {
    return this.model.namedParameters();
  }

  /** Runs this part of the model; named outputs (the ONNX graph's outputs). */
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

/**
 * `forward(prev, srcLengths, ...caches)`: one decoder step, `caches` being every layer's memory key and
 * value, then every layer's past key and value (`inputNames()` names them).
 */
export class TransformerStepGraph {
  constructor(readonly model: TransformerModel) {}

  /** The wrapped model's parameters, by state-dict name (the graph's weights). */
  namedParameters(): [string, Tensor][] {
    return this.model.namedParameters();
  }

  /** The graph's input names, in order. */
  inputNames(): string[] {
    const L = this.model.config.numDecoderLayers;
    const per = (what: string) =>
      Array.from({ length: L }, (_, l) => [`${what}_key_${l}`, `${what}_value_${l}`]).flat();
    return ["prev", "srcLengths", ...per("memory"), ...per("past")];
  }

  /** Runs this part of the model; named outputs (the ONNX graph's outputs). */
  forward(prev: Tensor, srcLengths: Tensor, ...caches: Tensor[]): Record<string, Tensor> {
    const L = this.model.config.numDecoderLayers;
    if (prev.rank !== 1 || caches.length !== 4 * L) {
      throw new Error(
        `TransformerStepGraph: needs prev (N) ids and ${4 * L} cache tensors, got prev of rank ${prev.rank} and ${caches.length}`,
      );
    }
    const kv = (kind: "self" | "static", key: Tensor, value: Tensor) => {
      const c = new KVCache(kind);
      c.key = key;
      c.value = value;
      return c;
    };
    const cache = new TransformerDecoderCache(
      Array.from({ length: L }, (_, l) => ({
        cross: kv("static", caches[2 * l], caches[2 * l + 1]),
        self: kv("self", caches[2 * L + 2 * l], caches[2 * L + 2 * l + 1]),
      })),
    );
    const [N, , S] = caches[0].shape;
    const r = this.model.step(
      {
        // Read for its shape only: the layers take the memory's keys and values from the cache.
        memory: zeros([N, S, this.model.config.dModel]),
        srcLengths: Array.from(srcLengths.data),
        memoryMask: paddingMask(srcLengths),
        cache,
        position: caches[2 * L].shape[2],
      },
      prev,
    );
    const out: Record<string, Tensor> = { logits: r.logits, weights: r.weights };
    r.state.cache.layers.forEach((l, i) => {
      out[`present_key_${i}`] = l.self.key as Tensor;
      out[`present_value_${i}`] = l.self.value as Tensor;
    });
    return out;
  }
}
