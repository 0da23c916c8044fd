/**
 * Embedding: a lookup table of learned vectors, as `torch.nn.Embedding`:
 *   y[…] = W[ids[…]],  W of shape (numEmbeddings, embeddingDim).
 * The gradient scatters back: dW[v] = Σ_{n: ids[n] = v} g[n] — except the `paddingIdx` row, which
 * receives no gradient (so it stays at its value, zero unless set otherwise), as PyTorch.
 * PyTorch's initialisation: W ~ N(0, 1), then the padding row is zeroed. Parameter: `weight`.
 * (Word embeddings in neural language models: Bengio et al. 2003.)
 */
import { backend } from "../kernels/registry.js";
import { record, type Shape, Tensor, zeros } from "../tensor/index.js";
import { fmt, sizeOf } from "../tensor/shape.js";
import { normal } from "./init.js";
import { Module } from "./module.js";

export interface EmbeddingOptions {
  /** The row for padding: zero at initialisation and never updated by gradients. Negative counts from the end. */
  paddingIdx?: number | null;
  /** Initial values (V, D), copied; no random draws are made (PyTorch's `_weight`). */
  weight?: Tensor;
}

function normPadding(op: string, paddingIdx: number | null | undefined, num: number): number | null {
  if (paddingIdx === null || paddingIdx === undefined) return null;
  const p = paddingIdx < 0 ? paddingIdx + num : paddingIdx;
  if (!Number.isInteger(paddingIdx) || p < 0 || p >= num) {
    throw new Error(`${op}: paddingIdx ${paddingIdx} is out of range for ${num} embeddings`);
  }
  return p;
}

/**
 * Rows of `weight` (V, D) for `ids` → (…idsShape, D) (as `torch.nn.functional.embedding`); rows
 * looked up at `paddingIdx` pass no gradient to `weight`. `ids` may be a Tensor of integer values.
 */
export function embedding(
  weight: Tensor,
  ids: ArrayLike<number> | Tensor,
  idsShape?: Shape,
  paddingIdx: number | null = null,
): Tensor {
  if (weight.rank !== 2) throw new Error(`embedding: weight must be (V, D), got ${fmt(weight.shape)}`);
  const [V, D] = weight.shape;
  const flat = ids instanceof Tensor ? ids.data : ids;
  const shape = idsShape ?? (ids instanceof Tensor ? ids.shape : [flat.length]);
  if (sizeOf(shape) !== flat.length) {
    throw new Error(`embedding: ${flat.length} ids do not fill the ids shape ${fmt(shape)}`);
  }
  const idx = new Int32Array(flat.length);
  for (let i = 0; i < flat.length; i++) {
    const v = flat[i];
    if (!Number.isInteger(v) || v < 0 || v >= V) {
      throw new Error(`embedding: id ${v} at position ${i} is out of range for ${V} embeddings`);
    }
    idx[i] = v;
  }
  const pad = normPadding("embedding", paddingIdx, V);
  const out = new Tensor(backend().indexSelect(weight.data, 1, V, D, idx), [...shape, D]);
  // A tensor of ids is an input of the op (traced: the ids of an exported graph); an array is data.
  const parents = ids instanceof Tensor ? [weight, ids] : [weight];
  const attrs = { idsShape: [...shape], ids: ids instanceof Tensor ? null : idx };
  return record(
    out,
    "embedding",
    parents,
    (g) => {
      let gd = g.data;
      if (pad !== null && idx.includes(pad)) {
        gd = Float32Array.from(gd);
        for (let n = 0; n < idx.length; n++) if (idx[n] === pad) gd.fill(0, n * D, (n + 1) * D);
      }
      return [new Tensor(backend().indexAdd(gd, 1, V, D, idx), weight.shape)];
    },
    attrs,
  );
}

export class Embedding extends Module {
  readonly numEmbeddings: number;
  readonly embeddingDim: number;
  /** Normalised (non-negative) padding row, or null. */
  readonly paddingIdx: number | null;

  constructor(
    numEmbeddings: number,
    embeddingDim: number,
    { paddingIdx = null, weight }: EmbeddingOptions = {},
  ) {
    super();
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
    this.paddingIdx = normPadding("Embedding", paddingIdx, numEmbeddings);
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
  static fromPretrained(
    weights: Tensor,
    { freeze = true, paddingIdx = null }: EmbeddingOptions & { freeze?: boolean } = {},
  ): Embedding {
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
