/**
 * Embedding: a lookup table of learned vectors, as `torch.nn.Embedding`:
 *   y[…] = W[ids[…]],  W of shape (numEmbeddings, embeddingDim).
 * The gradient scatters back: dW[v] = Σ_{n: ids[n] = v} g[n] — except the `paddingIdx` row, which
 * receives no gradient (so it stays at its value, zero unless set otherwise), as PyTorch.
 * PyTorch's initialisation: W ~ N(0, 1), then the padding row is zeroed. Parameter: `weight`.
 * (Word embeddings in neural language models: Bengio et al. 2003.)
 */
import { embedding, normPaddingIdx, type Shape, Tensor, zeros } from "../tensor/index.js";
import { fmt } from "../tensor/shape.js";
import { normal } from "./init.js";
import { Module } from "./module.js";
import { checkOptions } from "./options.js";

/** PyTorch's Embedding options qkv does not implement, with their defaults. */
const UNSUPPORTED = { maxNorm: null, normType: 2, scaleGradByFreq: false, sparse: false };

/** Options of `Embedding` (PyTorch's `padding_idx`, …). */
export interface EmbeddingOptions {
  /** The row for padding: zero at initialisation and never updated by gradients. Negative counts from the end. */
  paddingIdx?: number | null;
  /** Initial values (V, D), copied; no random draws are made (PyTorch's `_weight`). */
  weight?: Tensor;
}

/**
 * A lookup table of learned vectors, as `torch.nn.Embedding`: `forward(ids)` returns `weight[ids]`;
 * the `paddingIdx` row gets no gradient.
 */
export class Embedding extends Module {
  readonly numEmbeddings: number;
  readonly embeddingDim: number;
  /** Normalised (non-negative) padding row, or null. */
  readonly paddingIdx: number | null;

  constructor(numEmbeddings: number, embeddingDim: number, options: EmbeddingOptions = {}) {
    super();
    checkOptions("Embedding", options, { supported: ["paddingIdx", "weight"], unsupported: UNSUPPORTED });
    const { paddingIdx = null, weight } = options;
    if (
      !Number.isInteger(numEmbeddings) ||
      numEmbeddings <= 0 ||
      !Number.isInteger(embeddingDim) ||
      embeddingDim < 0
    ) {
      throw new Error(`Embedding: sizes must be positive integers, got (${numEmbeddings}, ${embeddingDim})`);
    }
    this.numEmbeddings = numEmbeddings;
    this.embeddingDim = embeddingDim;
    this.paddingIdx = normPaddingIdx("Embedding", paddingIdx, numEmbeddings);
    if (weight) {
      if (weight.rank !== 2 || weight.shape[0] !== numEmbeddings || weight.shape[1] !== embeddingDim) {
        throw new Error(
          `Embedding: weight ${fmt(weight.shape)} does not match (${numEmbeddings}, ${embeddingDim})`,
        );
      }
      this.registerParameter("weight", new Tensor(Float32Array.from(weight.data), weight.shape));
      return;
    }
    const w = normal(zeros([numEmbeddings, embeddingDim]));
    if (this.paddingIdx !== null)
      w.data.fill(0, this.paddingIdx * embeddingDim, (this.paddingIdx + 1) * embeddingDim);
    this.registerParameter("weight", w);
  }

  /** An Embedding initialised with a copy of `weights` (V, D); frozen (no gradient) unless `freeze` is false. */
  static fromPretrained(weights: Tensor, options: EmbeddingOptions & { freeze?: boolean } = {}): Embedding {
    checkOptions("Embedding.fromPretrained", options, {
      supported: ["freeze", "paddingIdx"],
      unsupported: UNSUPPORTED,
    });
    const { freeze = true, paddingIdx = null } = options;
    if (weights.rank !== 2)
      throw new Error(`Embedding.fromPretrained: weights must be (V, D), got ${fmt(weights.shape)}`);
    const e = new Embedding(weights.shape[0], weights.shape[1], { paddingIdx, weight: weights });
    e.weight.requiresGrad = !freeze;
    return e;
  }

  /** (numEmbeddings, embeddingDim). Assign to tie weights with an output layer. */
  get weight(): Tensor {
    return this.param("weight");
  }

  set weight(t: Tensor) {
    if (t.rank !== 2 || t.shape[0] !== this.numEmbeddings || t.shape[1] !== this.embeddingDim) {
      throw new Error(
        `Embedding.weight: expected shape [${this.numEmbeddings}, ${this.embeddingDim}], got ${fmt(t.shape)}`,
      );
    }
    this.registerParameter("weight", t, { requiresGrad: t.requiresGrad });
  }

  /** ids (…) → (…, embeddingDim); `shape` gives the ids' shape when they are a flat array (default [n]). */
  forward(ids: ArrayLike<number> | Tensor, shape?: Shape): Tensor {
    return embedding(this.weight, ids, shape, this.paddingIdx);
  }
}
