/**
 * KV cache for incremental decoding. An autoregressive decoder emits one position at a time; the keys
 * and values of earlier positions do not change (causal self-attention), so they are kept, projected
 * and split into heads, and each step projects only its new positions and appends them:
 *   K_{1..t} = [K_{1..t−1}; x_t W^K],  V_{1..t} = [V_{1..t−1}; x_t W^V].
 * Cross-attention keys and values come from the encoder memory, which is fixed for the whole output:
 * they are projected once, on the first step, and reused ("static").
 * The same numbers as the full causal forward, without recomputing the past each step.
 *
 * Shapes: key and value (B, H, L, dH), L the positions so far. `reorder` selects batch rows (beam
 * search keeps the cache of the hypotheses that survive, or expands one row to k beams).
 */
import { indexSelect, type Tensor } from "../tensor/index.js";

/**
 * The projected keys and values of one attention layer for the positions decoded so far ("self":
 * each step appends), or of the encoder memory ("static": computed once), so each decoding step
 * projects only its new position (incremental decoding).
 */
export class KVCache {
  /** Projected keys and values (B, H, L, dH), or null before the first step. */
  key: Tensor | null = null;
  value: Tensor | null = null;

  /** "self": each step appends; "static": computed on the first step, then reused. */
  constructor(readonly kind: "self" | "static" = "self") {}

  /** L, the number of positions held. */
  get length(): number {
    return this.key ? this.key.shape[2] : 0;
  }

  /** A new cache holding the same tensors (so a step on it leaves this one as it is). */
  clone(): KVCache {
    const c = new KVCache(this.kind);
    c.key = this.key;
    c.value = this.value;
    return c;
  }

  /** Keeps batch rows `index` (in that order; repeats allowed). */
  reorder(index: ArrayLike<number>): void {
    if (this.key) this.key = indexSelect(this.key, 0, index);
    if (this.value) this.value = indexSelect(this.value, 0, index);
  }

  /** Drops the held keys and values (length 0). */
  clear(): void {
    this.key = null;
    this.value = null;
  }
}
