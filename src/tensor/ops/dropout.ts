/**
 * Inverted dropout (Srivastava et al. 2014): in training, each entry is zeroed with probability p and
 * the survivors are scaled by 1/(1−p), so evaluation needs no rescaling. Uses the seeded generator.
 */
import { random } from "../random.js";
import { Tensor } from "../tensor.js";
import { mul } from "./elementwise.js";

export function dropout(x: Tensor, p: number, training = true): Tensor {
  if (!(p >= 0 && p < 1)) throw new Error(`dropout: p must be in [0, 1), got ${p}`);
  if (!training || p === 0) return x;
  const keep = 1 / (1 - p);
  const mask = new Float32Array(x.size);
  for (let i = 0; i < mask.length; i++) mask[i] = random() < p ? 0 : keep;
  return mul(x, new Tensor(mask, x.shape));
}
