/**
 * Inverted dropout (Srivastava et al. 2014): in training, each entry is zeroed with probability p and
 * the survivors are scaled by 1/(1−p), so evaluation needs no rescaling. Uses the seeded generator.
 */
import { dropoutMask } from "../random.js";
import { Tensor } from "../tensor.js";
import { mul } from "./elementwise.js";

export function dropout(x: Tensor, p: number, training = true): Tensor {
  if (!(p >= 0 && p < 1)) throw new Error(`dropout: p must be in [0, 1), got ${p}`);
  if (!training || p === 0) return x;
  const keep = 1 / (1 - p);
  return mul(x, new Tensor(dropoutMask(x.size, p, keep), x.shape));
}
