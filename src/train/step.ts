/**
 * One training step of a translation model, the one every trainer runs (`train`, the explorer's
 * in-page training, `npm run bench:train`): teacher forcing over a padded batch, cross-entropy over
 * every output position ignoring padding (optional label smoothing), backward, gradient-norm clipping
 * of the optimizer's parameters, the optimizer's update, then the learning-rate schedule's step.
 * `trainStepAccumulated` is the same step over several micro-batches (gradient accumulation): each
 * micro-batch's mean loss L_i over its n_i target tokens is weighted by n_i / Σ n, so the summed
 * gradient is that of one batch holding them all, L = Σ_i (n_i / Σ n) L_i = (1 / Σ n) Σ_tokens ℓ.
 * Runs anywhere (no Node built-ins).
 */
import type { Batch } from "../data/batching.js";
import { PAD } from "../data/vocab.js";
import { crossEntropy } from "../nn/losses.js";
import { clipGradNorm } from "../nn/optim/clip-grad.js";
import { mul, reshape, type Tensor } from "../tensor/index.js";

/** What a step needs of a model: the teacher-forced forward pass (Seq2Seq and TransformerModel have it). */
export interface TeacherForced {
  /** Teacher-forced logits for a padded batch. */
  forward(
    src: Int32Array,
    srcLengths: number[],
    tgtIn: Int32Array,
    B: number,
    S: number,
    T: number,
  ): { logits: Tensor };
}

/** What a step needs of an optimizer (Adam, AdamW, SGD): its parameters, zeroGrad and step. */
export interface StepOptimizer {
  readonly paramGroups: readonly { params: Tensor[] }[];
  /** Clears the parameters' gradients (`setToNone: false`: zeroes them in place, as Optimizer does). */
  zeroGrad(options?: { setToNone?: boolean }): void;
  /** Updates the parameters from their gradients. */
  step(): void;
}

/** Options of `trainStep`. */
export interface TrainStepOptions {
  /** ε of the cross-entropy's label smoothing, as PyTorch's (default 0). */
  labelSmoothing?: number;
  /** Clip the gradients' global L2 norm to this (default 1); 0: no clipping. */
  clip?: number;
  /** A learning-rate schedule, stepped after the optimizer (e.g. `NoamLR`). */
  scheduler?: {
    /** Advances the schedule by one step. */
    step(): void;
  } | null;
}

/** The batch fields a step reads (a `Batch` from `makeBatches`). */
export type TrainBatch = Pick<Batch, "src" | "srcLengths" | "tgtIn" | "tgtOut" | "B" | "S" | "T">;

/**
 * One optimizer step on one batch; returns the batch's mean loss (what `loss.item()` reads). The model
 * must be in training mode (`model.train()`) when dropout should act. A non-finite loss is returned as
 * it is, after the update: the caller decides how to report it.
 */
export function trainStep(
  model: TeacherForced,
  optimizer: StepOptimizer,
  batch: TrainBatch,
  options: TrainStepOptions = {},
): number {
  return trainStepAccumulated(model, optimizer, [batch], options);
}

/** Target tokens a batch's loss averages over (the non-padding entries of `tgtOut`). */
export function lossTokens(batch: Pick<Batch, "tgtOut">): number {
  let n = 0;
  for (const id of batch.tgtOut) if (id !== PAD) n++;
  return n;
}

/**
 * One optimizer step over the micro-batches `batches` (gradient accumulation): gradients of each
 * micro-batch's loss, weighted by its share of the target tokens, summed; then clipping, the update and
 * the schedule's step, once. Returns the mean loss over all their tokens (what one batch holding them
 * all would return, up to float rounding).
 */
export function trainStepAccumulated(
  model: TeacherForced,
  optimizer: StepOptimizer,
  batches: readonly TrainBatch[],
  { labelSmoothing = 0, clip = 1, scheduler = null }: TrainStepOptions = {},
): number {
  if (batches.length === 0) throw new Error("trainStepAccumulated: no micro-batches (batches is empty)");
  const tokens = batches.map(lossTokens);
  const total = tokens.reduce((a, b) => a + b, 0);
  // Gradients zeroed in place and kept (PyTorch 1's zero_grad()): each weight's gradient is then
  // written into the same array every step instead of a new one (fewer arrays for the GC to find).
  optimizer.zeroGrad({ setToNone: false });
  let lossSum = 0;
  batches.forEach((b, i) => {
    const { logits } = model.forward(b.src, b.srcLengths, b.tgtIn, b.B, b.S, b.T);
    const loss = crossEntropy(reshape(logits, [b.B * b.T, logits.shape[2]]), b.tgtOut, {
      ignoreIndex: PAD,
      labelSmoothing,
    });
    // One batch: its own mean (weight 1), as before accumulation existed.
    const weight = batches.length === 1 ? 1 : total > 0 ? tokens[i] / total : 0;
    (weight === 1 ? loss : mul(loss, weight)).backward();
    lossSum += weight * loss.item();
  });
  if (clip !== 0) {
    clipGradNorm(
      optimizer.paramGroups.flatMap((g) => g.params),
      clip,
    );
  }
  optimizer.step();
  scheduler?.step();
  return lossSum;
}
