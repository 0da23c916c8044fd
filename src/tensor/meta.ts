/**
 * The meta device: tensors that have a shape and no storage, like PyTorch's `device="meta"`. Inside
 * `onMetaDevice(fn)` every tensor the creation functions make (`zeros`, `full`, `rand`, `randn`, and the
 * initialisers built on them) holds an empty Float32Array, so building a model costs nothing however
 * large its config: the model's own constructor then says which parameters it has and of what shapes
 * (models/registry.ts reads them), instead of a hand-written copy of that knowledge. No random number
 * is drawn on the meta device. A meta tensor's `size` is 0; only its `shape` means anything, and ops
 * must not be run on it.
 */
let depth = 0;

/** Runs `fn` with tensor creation on the meta device (shapes only); nests; restores on throw. */
export function onMetaDevice<T>(fn: () => T): T {
  depth++;
  try {
    return fn();
  } finally {
    depth--;
  }
}

/** True inside `onMetaDevice`. */
export function isMetaDevice(): boolean {
  return depth > 0;
}

/** Storage for `n` float32 values: an empty array on the meta device. */
export function allocate(n: number): Float32Array {
  return depth > 0 ? new Float32Array(0) : new Float32Array(n);
}
