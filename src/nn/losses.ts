/**
 * Loss functions with PyTorch's semantics. Class scores are on the LAST axis: logits (N, C) or
 * (B, T, C) (PyTorch wants (B, C, T) for the latter; the numbers are the same), with one integer
 * target per row.
 *
 * Cross-entropy is built from log-softmax, so it is stable for any logits:
 *   ℓ_n = −log p_n[y_n],  p_n = softmax(z_n)                                   (nll of the softmax)
 * With label smoothing ε (Szegedy et al. 2016, "Rethinking the Inception Architecture", §7), as
 * PyTorch: the target distribution is (1 − ε)·onehot(y) + ε/C, i.e.
 *   ℓ_n = (1 − ε)·(−log p_n[y_n]) + ε·mean_c(−log p_n[c]).
 * Rows whose target equals `ignoreIndex` (default −100) contribute 0 and are not counted:
 * reduction "mean" divides the sum by the number of non-ignored rows (so a batch with every row
 * ignored gives NaN = 0/0, as PyTorch); "sum" adds; "none" returns ℓ with the leading shape.
 */
import {
  add,
  div,
  indexSelect,
  logSoftmax,
  mul,
  neg,
  reshape,
  square,
  sub,
  sum,
  Tensor,
  tensor,
} from "../tensor/index.js";
import { fmt } from "../tensor/shape.js";
import { checkOptions } from "./options.js";

/** nllLoss / crossEntropy: PyTorch's class weights and legacy reduction flags are not implemented. */
const CLASS_LOSS_OPTIONS = {
  supported: ["ignoreIndex", "reduction", "labelSmoothing"],
  unsupported: { weight: null, sizeAverage: null, reduce: null },
};

/**
 * How a loss combines its elements, as PyTorch's `reduction`: their mean, their sum, or none (each kept).
 */
export type Reduction = "mean" | "sum" | "none";

/** Options of `nllLoss`. */
export interface NllLossOptions {
  /** Target value whose rows are skipped (default −100, as PyTorch). */
  ignoreIndex?: number;
  /** "mean" over non-ignored rows (default), "sum", or "none" (per row, leading shape). */
  reduction?: Reduction;
}

/** Options of `crossEntropy` (PyTorch's `ignore_index`, `reduction`, `label_smoothing`). */
export interface CrossEntropyOptions extends NllLossOptions {
  /** ε in [0, 1]: mix the one-hot target with the uniform distribution (default 0). */
  labelSmoothing?: number;
}

type Targets = ArrayLike<number> | Tensor;

interface Rows {
  /** Log-probabilities as (N, C). */
  lp: Tensor;
  N: number;
  C: number;
  leadShape: number[];
  /** Flat index n·C + y_n of each row's target (0-th class for ignored rows). */
  picks: Int32Array;
  /** 1 for counted rows, 0 for ignored ones; null when none is ignored. */
  valid: Tensor | null;
  count: number;
}

function rows(op: string, logProbs: Tensor, targets: Targets, ignoreIndex: number): Rows {
  if (logProbs.rank < 1)
    throw new Error(`${op}: input must have a class axis, got shape ${fmt(logProbs.shape)}`);
  const C = logProbs.shape[logProbs.rank - 1];
  const leadShape = logProbs.shape.slice(0, -1);
  const N = leadShape.reduce((p, d) => p * d, 1);
  const ys = targets instanceof Tensor ? targets.data : targets;
  if (ys.length !== N) {
    throw new Error(
      `${op}: ${ys.length} targets for input ${fmt(logProbs.shape)} (expected ${N}, one per row of ${C} classes)`,
    );
  }
  const picks = new Int32Array(N);
  const valid = new Float32Array(N);
  let count = 0;
  for (let n = 0; n < N; n++) {
    const y = ys[n];
    if (y === ignoreIndex) continue;
    if (!Number.isInteger(y) || y < 0 || y >= C) {
      throw new Error(
        `${op}: target ${y} at position ${n} is out of range for ${C} classes (ignoreIndex ${ignoreIndex})`,
      );
    }
    picks[n] = n * C + y;
    valid[n] = 1;
    count++;
  }
  return {
    lp: reshape(logProbs, [N, C]),
    N,
    C,
    leadShape,
    picks,
    valid: count === N ? null : tensor(valid, [N]),
    count,
  };
}

/** −log p[n, y_n] per row, 0 for ignored rows: (N). */
function nllTerms(r: Rows): Tensor {
  const picked = neg(indexSelect(reshape(r.lp, [r.N * r.C]), 0, r.picks));
  return r.valid ? mul(picked, r.valid) : picked;
}

function reduce(terms: Tensor, r: Rows, reduction: Reduction): Tensor {
  switch (reduction) {
    case "none":
      return reshape(terms, r.leadShape);
    case "sum":
      return sum(terms);
    case "mean":
      return div(sum(terms), r.count);
    default:
      throw new Error(`loss: unknown reduction "${reduction as string}" (use "mean", "sum" or "none")`);
  }
}

/** Negative log-likelihood of log-probabilities (…, C), as `torch.nn.functional.nll_loss` (class last). */
export function nllLoss(logProbs: Tensor, targets: Targets, opts: NllLossOptions = {}): Tensor {
  checkOptions("nllLoss", opts, CLASS_LOSS_OPTIONS);
  const { ignoreIndex = -100, reduction = "mean" } = opts;
  const r = rows("nllLoss", logProbs, targets, ignoreIndex);
  return reduce(nllTerms(r), r, reduction);
}

/**
 * Cross-entropy of logits (…, C) against integer targets, as `torch.nn.functional.cross_entropy`
 * (class last), with `ignoreIndex`, `labelSmoothing` and `reduction`.
 */
export function crossEntropy(logits: Tensor, targets: Targets, opts: CrossEntropyOptions = {}): Tensor {
  checkOptions("crossEntropy", opts, CLASS_LOSS_OPTIONS);
  const { ignoreIndex = -100, reduction = "mean", labelSmoothing = 0 } = opts;
  if (!(labelSmoothing >= 0 && labelSmoothing <= 1)) {
    throw new Error(`crossEntropy: labelSmoothing must be in [0, 1], got ${labelSmoothing}`);
  }
  if (logits.rank < 1)
    throw new Error(`crossEntropy: logits must have a class axis, got shape ${fmt(logits.shape)}`);
  const r = rows("crossEntropy", logSoftmax(logits, -1), targets, ignoreIndex);
  let terms = nllTerms(r);
  if (labelSmoothing > 0) {
    // −Σ_c log p[n, c], zero for ignored rows: (N).
    let smooth = neg(sum(r.lp, 1));
    if (r.valid) smooth = mul(smooth, r.valid);
    terms = add(mul(terms, 1 - labelSmoothing), mul(smooth, labelSmoothing / r.C));
  }
  return reduce(terms, r, reduction);
}

/** Options of `mseLoss`. */
export interface MseLossOptions {
  reduction?: Reduction;
}

/** Mean squared error (x − y)², as `torch.nn.functional.mse_loss`; shapes must match. */
export function mseLoss(input: Tensor, target: Tensor, opts: MseLossOptions = {}): Tensor {
  checkOptions("mseLoss", opts, {
    supported: ["reduction"],
    unsupported: { sizeAverage: null, reduce: null },
  });
  const { reduction = "mean" } = opts;
  if (input.rank !== target.rank || input.shape.some((d, i) => d !== target.shape[i])) {
    throw new Error(
      `mseLoss: input ${fmt(input.shape)} and target ${fmt(target.shape)} must have the same shape`,
    );
  }
  const sq = square(sub(input, target));
  switch (reduction) {
    case "none":
      return sq;
    case "sum":
      return sum(sq);
    case "mean":
      return div(sum(sq), input.size);
    default:
      throw new Error(`mseLoss: unknown reduction "${reduction as string}" (use "mean", "sum" or "none")`);
  }
}
