/**
 * Rotary position embedding, RoPE (Su et al. 2021, "RoFormer", eq. 34): each pair of features
 * (x_{2i}, x_{2i+1}) of a query or key at position m is rotated by the angle m·θ_i,
 *   θ_i = base^(−2i/d),  i = 0 … d/2 − 1   (base = 10000)
 *   x′_{2i}   = x_{2i} cos mθ_i − x_{2i+1} sin mθ_i
 *   x′_{2i+1} = x_{2i} sin mθ_i + x_{2i+1} cos mθ_i
 * i.e. x′ = x ⊙ cos + rotateHalf(x) ⊙ sin with rotateHalf(x)_{2i} = −x_{2i+1}, rotateHalf(x)_{2i+1} = x_{2i}.
 * Since rotations compose, ⟨R_m q, R_n k⟩ = ⟨q, R_{n−m} k⟩: the score of rotated vectors depends on
 * the positions only through n − m (relative position), which is the point of RoPE. It acts on the
 * scores through q and k alone, so it is applied to the heads before the `attend` core
 * (`multiHeadAttentionForward({ rotary })`).
 *
 * Shapes: x (…, L, d) with d even; positions offset, offset + 1, …, offset + L − 1.
 */
import { add, indexSelect, mul, reshape, type Tensor, tensor } from "../tensor/index.js";
import { fmt } from "../tensor/shape.js";

/**
 * Rotary position embedding (RoPE, Su et al. 2021): rotates feature pairs of queries and keys by
 * position-dependent angles; `apply(x, offset)`.
 */
export class RotaryEmbedding {
  readonly dim: number;
  readonly base: number;

  constructor(dim: number, { base = 10000 }: { base?: number } = {}) {
    if (!Number.isInteger(dim) || dim <= 0 || dim % 2 !== 0) {
      throw new Error(`RotaryEmbedding: dim must be a positive even integer, got ${dim}`);
    }
    if (!(base > 0)) throw new Error(`RotaryEmbedding: base must be positive, got ${base}`);
    this.dim = dim;
    this.base = base;
  }

  /** cos(mθ_i) and sin(mθ_i), each repeated for both features of pair i: two (L, d) tensors. */
  tables(length: number, offset = 0): { cos: Tensor; sin: Tensor } {
    const d = this.dim;
    const cos = new Float32Array(length * d);
    const sin = new Float32Array(length * d);
    for (let m = 0; m < length; m++) {
      for (let i = 0; i < d / 2; i++) {
        const angle = (offset + m) * this.base ** ((-2 * i) / d);
        cos[m * d + 2 * i] = cos[m * d + 2 * i + 1] = Math.cos(angle);
        sin[m * d + 2 * i] = sin[m * d + 2 * i + 1] = Math.sin(angle);
      }
    }
    return { cos: tensor(cos, [length, d]), sin: tensor(sin, [length, d]) };
  }

  /** Rotates x (…, L, d) at positions offset … offset + L − 1. Differentiable in x. */
  apply(x: Tensor, offset = 0): Tensor {
    const d = this.dim;
    if (x.rank < 2 || x.shape[x.rank - 1] !== d) {
      throw new Error(`RotaryEmbedding.apply: x must be (…, L, ${d}), got ${fmt(x.shape)}`);
    }
    if (!Number.isInteger(offset) || offset < 0) {
      throw new Error(`RotaryEmbedding.apply: offset must be a non-negative integer, got ${offset}`);
    }
    const L = x.shape[x.rank - 2];
    const { cos, sin } = this.tables(L, offset);
    // rotateHalf: swap each pair, then negate the first of it.
    const pairs = reshape(x, [...x.shape.slice(0, -1), d / 2, 2]);
    const swapped = reshape(mul(indexSelect(pairs, pairs.rank - 1, [1, 0]), tensor([-1, 1])), x.shape);
    return add(mul(x, cos), mul(swapped, sin));
  }
}
