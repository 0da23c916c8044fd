/**
 * Ops that move data without arithmetic: reshape, transpose/permute, (un)squeeze, broadcastTo,
 * slice, concat, stack, indexSelect (gather along an axis), repeatInterleave.
 * Each gradient is the inverse movement (the adjoint): reshape back, inverse permutation, sum over
 * broadcast dims, scatter-add for gathers, slices for concat.
 */
import { backend } from "../../kernels/registry.js";
import { broadcastShapes, fmt, normAxis, type Shape, sameShape, sizeOf, splitAtAxis } from "../shape.js";
import { composite, record, Tensor } from "../tensor.js";
import { sumTo } from "./elementwise.js";

/** Same data, new shape (one dimension may be -1). */
export function reshape(x: Tensor, shape: Shape): Tensor {
  const s = [...shape];
  const unknown = s.indexOf(-1);
  if (unknown >= 0) {
    const known = s.reduce((p, d, i) => (i === unknown ? p : p * d), 1);
    s[unknown] = known === 0 ? 0 : x.size / known;
  }
  if (sizeOf(s) !== x.size || s.some((d) => !Number.isInteger(d) || d < 0)) {
    throw new Error(`reshape: cannot reshape ${fmt(x.shape)} (${x.size} elements) to ${fmt(shape)}`);
  }
  if (sameShape(s, x.shape)) return x;
  const out = new Tensor(x.data, s);
  return record(out, "reshape", [x], (g) => [reshape(g, x.shape)], { shape: s });
}

/** Reorders axes: out.shape[i] = x.shape[perm[i]]. */
export function permute(x: Tensor, perm: readonly number[]): Tensor {
  const p = perm.map((a) => normAxis("permute", a, x.rank));
  if (p.length !== x.rank || new Set(p).size !== p.length) {
    throw new Error(`permute: [${perm.join(", ")}] is not a permutation of the axes of ${fmt(x.shape)}`);
  }
  if (p.every((a, i) => a === i)) return x;
  const out = new Tensor(
    backend().permute(x.data, x.shape, p),
    p.map((a) => x.shape[a]),
  );
  const inverse = new Array<number>(p.length);
  p.forEach((a, i) => {
    inverse[a] = i;
  });
  return record(out, "permute", [x], (g) => [permute(g, inverse)], { perm: p });
}

/** Swaps two axes (default: the last two). */
export function transpose(x: Tensor, a = -2, b = -1): Tensor {
  const perm = [...Array(x.rank).keys()];
  const i = normAxis("transpose", a, x.rank);
  const j = normAxis("transpose", b, x.rank);
  [perm[i], perm[j]] = [perm[j], perm[i]];
  return permute(x, perm);
}

/** Inserts a length-1 axis at `axis`. */
export function unsqueeze(x: Tensor, axis: number): Tensor {
  const a = normAxis("unsqueeze", axis, x.rank + 1);
  const s = [...x.shape];
  s.splice(a, 0, 1);
  return reshape(x, s);
}

/** Removes a length-1 axis. */
export function squeeze(x: Tensor, axis: number): Tensor {
  const a = normAxis("squeeze", axis, x.rank);
  if (x.shape[a] !== 1)
    throw new Error(`squeeze: axis ${axis} of ${fmt(x.shape)} has length ${x.shape[a]}, not 1`);
  return reshape(
    x,
    x.shape.filter((_, i) => i !== a),
  );
}

/** Broadcasts `x` to `shape` (materialised); the gradient sums back over the broadcast axes. */
export function broadcastTo(x: Tensor, shape: Shape): Tensor {
  const target = broadcastShapes("broadcastTo", x.shape, shape);
  if (!sameShape(target, shape)) {
    throw new Error(`broadcastTo: ${fmt(x.shape)} cannot be broadcast to ${fmt(shape)}`);
  }
  if (sameShape(x.shape, shape)) return x;
  const zero = new Float32Array(1);
  const out = new Tensor(backend().binary("add", x.data, x.shape, zero, [], shape), shape);
  return record(out, "broadcastTo", [x], (g) => [sumTo(g, x.shape)], { shape: [...shape] });
}

/** Picks entries `indices` along `axis` (like `torch.index_select`); repeats are allowed. */
export function indexSelect(x: Tensor, axis: number, indices: ArrayLike<number>): Tensor {
  const a = normAxis("indexSelect", axis, x.rank);
  const { outer, n, inner } = splitAtAxis(x.shape, a);
  const idx = Int32Array.from(indices);
  for (const i of idx) {
    if (i < 0 || i >= n) {
      throw new Error(
        `indexSelect: index ${i} is out of range for axis ${axis} of length ${n} (shape ${fmt(x.shape)})`,
      );
    }
  }
  const shape = [...x.shape];
  shape[a] = idx.length;
  const out = new Tensor(backend().indexSelect(x.data, outer, n, inner, idx), shape);
  return record(
    out,
    "indexSelect",
    [x],
    (g, sums) => {
      // Into x's gradient sum where autograd hands one and the backend adds into it.
      const sum = sums?.[0];
      const into = sum && sameShape(sum.shape, x.shape) ? sum.data : undefined;
      const r = backend().indexAdd(g.data, outer, n, inner, idx, into);
      return [into !== undefined && r === into ? null : new Tensor(r, x.shape)];
    },
    { axis: a, indices: idx },
  );
}

/** Rows of a table: `gather(table (V, D), ids)` → (…ids, D). The embedding lookup. */
export function gather(table: Tensor, ids: ArrayLike<number>, idsShape: Shape = [ids.length]): Tensor {
  if (sizeOf(idsShape) !== ids.length) {
    throw new Error(`gather: ${ids.length} ids do not fill the ids shape ${fmt(idsShape)}`);
  }
  const rows = indexSelect(table, 0, ids);
  return reshape(rows, [...idsShape, ...table.shape.slice(1)]);
}

/** Entries [start, end) along `axis` (negative values count from the end, as Python slices). */
export function slice(x: Tensor, axis: number, start: number, end?: number): Tensor {
  const a = normAxis("slice", axis, x.rank);
  const n = x.shape[a];
  const s = Math.min(Math.max(start < 0 ? start + n : start, 0), n);
  const e = Math.min(Math.max(end === undefined ? n : end < 0 ? end + n : end, s), n);
  if (s === 0 && e === n) return x;
  // Traced as one op with the bounds as given: −1 stays "the last", whatever the length.
  return composite("slice", [x], { axis: a, start, end: end ?? null }, () => {
    const idx = new Int32Array(e - s);
    for (let i = 0; i < idx.length; i++) idx[i] = s + i;
    return indexSelect(x, a, idx);
  });
}

/** Joins tensors along `axis`; all other dimensions must agree. */
export function concat(xs: readonly Tensor[], axis = 0): Tensor {
  if (xs.length === 0) throw new Error("concat: needs at least one tensor");
  const first = xs[0];
  const a = normAxis("concat", axis, first.rank);
  for (const x of xs) {
    if (x.rank !== first.rank || x.shape.some((d, i) => i !== a && d !== first.shape[i])) {
      throw new Error(`concat: shapes ${xs.map((t) => fmt(t.shape)).join(", ")} differ outside axis ${axis}`);
    }
  }
  const { outer, inner } = splitAtAxis(first.shape, a);
  const sizes = xs.map((x) => x.shape[a]);
  const shape = [...first.shape];
  shape[a] = sizes.reduce((p, s) => p + s, 0);
  const out = new Tensor(
    backend().concat(
      xs.map((x) => x.data),
      outer,
      sizes,
      inner,
    ),
    shape,
  );
  return record(
    out,
    "concat",
    [...xs],
    (g) => {
      let off = 0;
      return sizes.map((s) => {
        const part = slice(g, a, off, off + s);
        off += s;
        return part;
      });
    },
    { axis: a },
  );
}

/** Stacks equal-shaped tensors along a new axis. */
export function stack(xs: readonly Tensor[], axis = 0): Tensor {
  if (xs.length === 0) throw new Error("stack: needs at least one tensor");
  for (const x of xs) {
    if (!sameShape(x.shape, xs[0].shape)) {
      throw new Error(`stack: shapes differ: ${xs.map((t) => fmt(t.shape)).join(", ")}`);
    }
  }
  const a = normAxis("stack", axis, xs[0].rank + 1);
  return concat(
    xs.map((x) => unsqueeze(x, a)),
    a,
  );
}

/** Splits along `axis` into pieces of the given sizes (the inverse of concat). */
export function split(x: Tensor, sizes: readonly number[], axis = 0): Tensor[] {
  const a = normAxis("split", axis, x.rank);
  const total = sizes.reduce((p, s) => p + s, 0);
  if (total !== x.shape[a]) {
    throw new Error(
      `split: sizes [${sizes.join(", ")}] add to ${total}, but axis ${axis} of ${fmt(x.shape)} is ${x.shape[a]}`,
    );
  }
  let off = 0;
  return sizes.map((s) => {
    const part = slice(x, a, off, off + s);
    off += s;
    return part;
  });
}

/** Repeats each entry along `axis` `repeats` times (as `torch.repeat_interleave`). */
export function repeatInterleave(x: Tensor, repeats: number, axis: number): Tensor {
  const a = normAxis("repeatInterleave", axis, x.rank);
  if (repeats === 1) return x;
  const idx = new Int32Array(x.shape[a] * repeats);
  for (let i = 0; i < idx.length; i++) idx[i] = Math.floor(i / repeats);
  return indexSelect(x, a, idx);
}
