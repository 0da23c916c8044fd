/**
 * TransformerEncoder (Vaswani et al. 2017, §3.1: "a stack of N = 6 identical layers"), as
 * `torch.nn.TransformerEncoder`: N `TransformerEncoderLayer`s applied in turn, then an optional final
 * LayerNorm (what `torch.nn.Transformer` always adds; needed after pre-norm layers, whose residual
 * stream is otherwise never normalised):
 *   x⁽⁰⁾ = src,  x⁽ˡ⁾ = Layer_l(x⁽ˡ⁻¹⁾, mask),  memory = LN(x⁽ᴺ⁾)  (or x⁽ᴺ⁾ without `norm`).
 * State-dict names: layers.0.…, layers.1.…, norm.{weight, bias}.
 */
import type { AttentionMask } from "../attention/masks.js";
import type { Tensor } from "../tensor/index.js";
import { ModuleList } from "./container.js";
import { LayerNorm } from "./layer-norm.js";
import { Module } from "./module.js";
import {
  type ResolvedTransformerLayerConfig,
  resolveLayerConfig,
  TransformerEncoderLayer,
  type TransformerLayerConfig,
} from "./transformer-encoder-layer.js";

export interface TransformerStackConfig extends TransformerLayerConfig {
  /** N, the number of layers. */
  numLayers: number;
  /** A final LayerNorm after the last layer (default false, as PyTorch's `norm=None`). */
  norm?: boolean;
}

/** Checks numLayers (a positive integer). */
export function checkNumLayers(op: string, name: string, n: number): void {
  if (!Number.isInteger(n) || n <= 0) throw new Error(`${op}: ${name} must be a positive integer, got ${n}`);
}

/**
 * A stack of `TransformerEncoderLayer`s and an optional final LayerNorm, as `torch.nn.TransformerEncoder`.
 */
export class TransformerEncoder extends Module {
  readonly config: ResolvedTransformerLayerConfig;
  readonly layers: ModuleList<TransformerEncoderLayer>;
  readonly norm: LayerNorm | null;

  constructor(config: TransformerStackConfig) {
    super();
    this.config = resolveLayerConfig("TransformerEncoder", config);
    checkNumLayers("TransformerEncoder", "numLayers", config.numLayers);
    this.layers = this.registerModule(
      "layers",
      new ModuleList(Array.from({ length: config.numLayers }, () => new TransformerEncoderLayer(config))),
    );
    this.norm = config.norm
      ? this.registerModule("norm", new LayerNorm(this.config.dModel, { eps: this.config.layerNormEps }))
      : null;
  }

  /** src (S, B, E) / (B, S, E) / (S, E) → memory of the same shape. */
  forward(src: Tensor, { mask = null }: { mask?: AttentionMask | null } = {}): Tensor {
    let x = src;
    for (const layer of this.layers) x = layer.forward(x, { mask });
    return this.norm ? this.norm.forward(x) : x;
  }

  /** As `forward`, also returning each layer's self-attention weights per head, (B, H, S, S). */
  forwardWithWeights(
    src: Tensor,
    { mask = null }: { mask?: AttentionMask | null } = {},
  ): { output: Tensor; weights: Tensor[] } {
    let x = src;
    const weights: Tensor[] = [];
    for (const layer of this.layers) {
      const r = layer.forwardWithWeights(x, { mask });
      x = r.output;
      weights.push(r.weights);
    }
    return { output: this.norm ? this.norm.forward(x) : x, weights };
  }
}
