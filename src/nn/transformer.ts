/**
 * Transformer (Vaswani et al. 2017, "Attention Is All You Need", §3, Figure 1), as
 * `torch.nn.Transformer` (1.13): an encoder stack and a decoder stack, each followed by a LayerNorm,
 *   memory = Encoder(src, srcMask),  y = Decoder(tgt, memory, tgtMask, memoryMask),
 * with every parameter of rank > 1 initialised by xavier_uniform_ (PyTorch's `_reset_parameters`).
 * The embeddings, positions and output projection belong to a model built on it (models/transformer).
 * State-dict names as PyTorch: encoder.layers.0.self_attn.in_proj_weight, …, encoder.norm.weight,
 * decoder.layers.0.multihead_attn.out_proj.bias, …, decoder.norm.bias.
 *
 * Masks are qkv `AttentionMask`s, saying which keys are allowed:
 *   srcMask = paddingMask(srcLengths),  tgtMask = causalMask().and(paddingMask(tgtLengths)),
 *   memoryMask = paddingMask(srcLengths).
 *
 * Shapes: src (S, B, E), tgt (T, B, E) → (T, B, E); (B, S, E), (B, T, E) with `batchFirst`.
 */
import type { AttentionMask } from "../attention/masks.js";
import { noGrad, type Tensor } from "../tensor/index.js";
import { fmt } from "../tensor/shape.js";
import { xavierUniform } from "./init.js";
import { Module } from "./module.js";
import { TransformerDecoder } from "./transformer-decoder.js";
import { TransformerEncoder } from "./transformer-encoder.js";
import {
  type ResolvedTransformerLayerConfig,
  resolveLayerConfig,
  type TransformerLayerConfig,
} from "./transformer-encoder-layer.js";

export interface TransformerConfig extends TransformerLayerConfig {
  /** Encoder layers (default 6). */
  numEncoderLayers?: number;
  /** Decoder layers (default 6). */
  numDecoderLayers?: number;
}

/** Options of `Transformer.forward` (masks). */
export interface TransformerForwardOptions {
  /** Encoder self-attention: which source positions are allowed (e.g. paddingMask(srcLengths)). */
  srcMask?: AttentionMask | null;
  /** Decoder self-attention (e.g. causalMask().and(paddingMask(tgtLengths))). */
  tgtMask?: AttentionMask | null;
  /** Decoder cross-attention over the memory (e.g. paddingMask(srcLengths)). */
  memoryMask?: AttentionMask | null;
}

/**
 * An encoder–decoder Transformer, as `torch.nn.Transformer`: `forward(src, tgt, masks)`; state-dict
 * names `encoder.layers.0.self_attn.in_proj_weight`, …
 */
export class Transformer extends Module {
  readonly config: ResolvedTransformerLayerConfig & { numEncoderLayers: number; numDecoderLayers: number };
  readonly encoder: TransformerEncoder;
  readonly decoder: TransformerDecoder;

  constructor(config: TransformerConfig) {
    super();
    const c = resolveLayerConfig("Transformer", config);
    const numEncoderLayers = config.numEncoderLayers ?? 6;
    const numDecoderLayers = config.numDecoderLayers ?? 6;
    this.config = { ...c, numEncoderLayers, numDecoderLayers };
    this.encoder = this.registerModule(
      "encoder",
      new TransformerEncoder({ ...c, numLayers: numEncoderLayers, norm: true }),
    );
    this.decoder = this.registerModule(
      "decoder",
      new TransformerDecoder({ ...c, numLayers: numDecoderLayers, norm: true }),
    );
    noGrad(() => {
      for (const p of this.parameters()) if (p.rank > 1) xavierUniform(p);
    });
  }

  /** src (S, B, E), tgt (T, B, E) (or batch first) → (T, B, E). */
  forward(
    src: Tensor,
    tgt: Tensor,
    { srcMask = null, tgtMask = null, memoryMask = null }: TransformerForwardOptions = {},
  ): Tensor {
    const E = this.config.dModel;
    const batchAxis = this.config.batchFirst ? 0 : 1;
    if (src.rank !== tgt.rank || (src.rank === 3 && src.shape[batchAxis] !== tgt.shape[batchAxis])) {
      throw new Error(
        `Transformer.forward: src ${fmt(src.shape)} and tgt ${fmt(tgt.shape)} must have the same rank and batch size`,
      );
    }
    if (src.shape[src.rank - 1] !== E || tgt.shape[tgt.rank - 1] !== E) {
      throw new Error(
        `Transformer.forward: the feature size of src ${fmt(src.shape)} and tgt ${fmt(tgt.shape)} must be dModel = ${E}`,
      );
    }
    const memory = this.encoder.forward(src, { mask: srcMask });
    return this.decoder.forward(tgt, memory, { tgtMask, memoryMask });
  }
}
