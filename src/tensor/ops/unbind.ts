/**
 * unbind: splits a tensor along axis 0 into its rows, x (N, …) → N tensors (…), as `torch.unbind`.
 *
 * The rows are views (no copy). Their gradients are written straight into one shared buffer that
 * becomes the gradient of x, so unbinding N rows costs O(size of x) forward and backward — rather
 * than O(N · size of x) for N `slice`s, each of whose gradients is a zero-padded copy of x. This is
 * what lets the LSTM precompute its input projection for all steps with one matmul and then take
 * one step at a time.
 *
 * How: every row hangs off one identity "hub" node over x. A row's backward adds its gradient into
 * the hub's buffer and hands the hub a placeholder scalar; the engine visits the hub after all the
 * rows (it is their parent), and the hub's backward returns the filled buffer as dL/dx and resets it
 * for the next backward pass.
 */
import { outputArray } from "../../kernels/pool.js";
import { fmt } from "../shape.js";
import { isGradEnabled, isTracing, record, Tensor } from "../tensor.js";

/** The slices of `x` along its first axis, each a tensor of rank − 1 (`torch.unbind(x, 0)`). */
export function unbind(x: Tensor): Tensor[] {
  if (x.rank === 0) throw new Error(`unbind: needs a tensor of rank ≥ 1, got ${fmt(x.shape)}`);
  const n = x.shape[0];
  const shape = x.shape.slice(1);
  const inner = n === 0 ? 0 : x.size / n;
  const rows = Array.from(
    { length: n },
    (_, i) => new Tensor(x.data.subarray(i * inner, (i + 1) * inner), shape),
  );
  if (!(isTracing() || (isGradEnabled() && x.requiresGrad))) return rows;
  let buffer: Float32Array | null = null;
  // Rows whose gradient has been written in this pass: the first is copied in, later ones added.
  let written: Uint8Array | null = null;
  const hub = record(new Tensor(x.data, x.shape), "unbind", [x], () => {
    const g = buffer ?? outputArray(x.size);
    buffer = null;
    written = null;
    return [new Tensor(g, x.shape)];
  });
  const placeholder = new Tensor(new Float32Array(1), []);
  return rows.map((row, i) =>
    record(
      row,
      "unbind",
      [hub],
      (g) => {
        buffer ??= outputArray(x.size);
        written ??= new Uint8Array(n);
        const off = i * inner;
        const gd = g.data;
        if (written[i] === 0 && gd.length === inner) buffer.set(gd, off);
        else for (let j = 0; j < inner; j++) buffer[off + j] += gd[j];
        written[i] = 1;
        return [placeholder];
      },
      { index: i },
    ),
  );
}
