/**
 * Learned positional embeddings (Gehring et al. 2017, "Convolutional Sequence to Sequence Learning",
 * §3.1; the alternative Vaswani et al. 2017, §3.5 found "nearly identical"; BERT and GPT use them):
 * a trained vector per position, added to the token embedding,
 *   x′_t = x_t + P[offset + t],  P of shape (maxLen, d),
 * so positions beyond maxLen have no encoding (an error). Parameter: `weight` (maxLen, d), initialised
 * N(0, 0.02²) (GPT-2's choice: small next to √d-scaled token embeddings).
 *
 * Shapes: x (T, B, d), or (B, T, d) with `batchFirst`, or unbatched (T, d).
 */
import { slice, type Tensor, zeros } from "../tensor/index.js";
import { normal } from "./init.js";
import { Module } from "./module.js";
import { addPositions } from "./sinusoidal-positional-encoding.js";

/**
 * Adds a learned position embedding (one vector per position, parameter `weight`) to (B, T, D) inputs.
 */
export class LearnedPositionalEncoding extends Module {
  readonly maxLen: number;
  readonly dModel: number;
  readonly batchFirst: boolean;

  constructor(maxLen: number, dModel: number, { batchFirst = false }: { batchFirst?: boolean } = {}) {
    super();
    if (!Number.isInteger(maxLen) || maxLen <= 0 || !Number.isInteger(dModel) || dModel <= 0) {
      throw new Error(
        `LearnedPositionalEncoding: maxLen (${maxLen}) and dModel (${dModel}) must be positive integers`,
      );
    }
    this.maxLen = maxLen;
    this.dModel = dModel;
    this.batchFirst = batchFirst;
    this.registerParameter("weight", normal(zeros([maxLen, dModel]), 0, 0.02));
  }

  get weight(): Tensor {
    return this.param("weight");
  }

  /** x + P[offset … offset + T − 1] (differentiable in P). */
  forward(x: Tensor, offset = 0): Tensor {
    const op = "LearnedPositionalEncoding.forward";
    return addPositions(
      x,
      (length, off) => {
        if (!Number.isInteger(off) || off < 0 || off + length > this.maxLen) {
          throw new Error(`${op}: positions ${off} … ${off + length - 1} exceed maxLen = ${this.maxLen}`);
        }
        return slice(this.weight, 0, off, off + length);
      },
      this.batchFirst,
      offset,
      op,
      this.dModel,
    );
  }
}
