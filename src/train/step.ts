/**
 * One training step of a translation model, the one every trainer runs (`train`, the explorer's
 * in-page training, `npm run bench:train`): teacher forcing over a padded batch, cross-entropy over
 * every output position ignoring padding (optional label smoothing), backward, gradient-norm clipping
 * of the optimizer's parameters, the optimizer's update, then the learning-rate schedule's step.
 * Runs anywhere (no Node built-ins).
 */
import type { Batch } from "../data/batching.js";
import { PAD } from "../data/vocab.js";
import { crossEntropy } from "../nn/losses.js";
import { clipGradNorm } from "../nn/optim/clip-grad.js";
import { reshape, type Tensor } from "../tensor/index.js";

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
  /** Clears the parameters' gradients. */
  zeroGrad(): void;
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
  { labelSmoothing = 0, clip = 1, scheduler = null }: TrainStepOptions = {},
): number {
  const b = batch;
  optimizer.zeroGrad();
  const { logits } = model.forward(b.src, b.srcLengths, b.tgtIn, b.B, b.S, b.T);
  const loss = crossEntropy(reshape(logits, [b.B * b.T, logits.shape[2]]), b.tgtOut, {
    ignoreIndex: PAD,
    labelSmoothing,
  });
  loss.backward();
  if (clip !== 0) {
    clipGradNorm(
      optimizer.paramGroups.flatMap((g) => g.params),
      clip,
    );
  }
  optimizer.step();
  scheduler?.step();
  return loss.item();
}
