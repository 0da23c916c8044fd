/**
 * Embedding lookup as `torch.nn.functional.embedding`: y[…] = W[ids[…]], W (V, D).
 * Gradient: dW[v] = Σ_{n: ids[n] = v} g[n], except the `paddingIdx` row, which receives none.
 */
import { backend } from "../../kernels/registry.js";
import { fmt, type Shape, sameShape, sizeOf } from "../shape.js";
import { record, Tensor } from "../tensor.js";

/** A padding row index normalised to [0, num) (negative counts from the end), or null. */
export function normPaddingIdx(
  op: string,
  paddingIdx: number | null | undefined,
  num: number,
): number | null {
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
  const pad = normPaddingIdx("embedding", paddingIdx, V);
  const out = new Tensor(backend().indexSelect(weight.data, 1, V, D, idx), [...shape, D]);
  // A tensor of ids is an input of the op (traced: the ids of an exported graph); an array is data.
  const parents = ids instanceof Tensor ? [weight, ids] : [weight];
  const attrs = { idsShape: [...shape], ids: ids instanceof Tensor ? null : idx };
  return record(
    out,
    "embedding",
    parents,
    (g, sums) => {
      let gd = g.data;
      if (pad !== null && idx.includes(pad)) {
        gd = Float32Array.from(gd);
        for (let n = 0; n < idx.length; n++) if (idx[n] === pad) gd.fill(0, n * D, (n + 1) * D);
      }
      // Into the weight's gradient sum where autograd hands one (a kept .grad) and the backend adds
      // into it; else a new (V, D) array.
      const sum = sums?.[0];
      const into = sum && sameShape(sum.shape, weight.shape) ? sum.data : undefined;
      const r = backend().indexAdd(gd, 1, V, D, idx, into);
      return [into !== undefined && r === into ? null : new Tensor(r, weight.shape)];
    },
    attrs,
  );
}
