/**
 * Learning-rate schedules, as `torch.optim.lr_scheduler`. A scheduler sets each parameter group's
 * `lr` from the group's base lr (its lr when the scheduler was made) and an epoch (or step) counter
 * e; construct it (e = 0 is applied at once), then call `step()` after each `optimizer.step()`.
 * Closed forms, with η₀ the base lr:
 *   StepLR          η₀ · γ^⌊e / stepSize⌋
 *   ExponentialLR   η₀ · γ^e
 *   CosineAnnealingLR  η_min + (η₀ − η_min)(1 + cos(π e / T_max)) / 2   (Loshchilov & Hutter 2017, SGDR eq. 5)
 *   NoamLR          η₀ · d^−½ · min(s^−½, s · w^−³ᐟ²),  s = max(e, 1)   (Vaswani et al. 2017, eq. 3:
 *                   linear warmup over w steps, then inverse square root; without d the peak is η₀ at s = w)
 *   LambdaLR        η₀ · f(e)
 * ReduceLROnPlateau multiplies lr by `factor` when a metric stops improving for `patience` epochs.
 * Every scheduler has `stateDict()` / `loadStateDict()` for exact resumption.
 */
import type { BaseHyper, Optimizer } from "./optimizer.js";

// biome-ignore lint/suspicious/noExplicitAny: any optimizer's state type
type AnyOptimizer = Optimizer<BaseHyper, any>;

/** What `LRScheduler.stateDict()` returns. */
export interface SchedulerStateDict {
  lastEpoch: number;
  baseLrs: number[];
  [key: string]: unknown;
}

/** The lr of a group with base lr `base` at epoch (or step) e. */
export type LrFunction = (base: number, epoch: number) => number;

/**
 * The base of the learning-rate schedulers (as `torch.optim.lr_scheduler.LRScheduler`): sets each
 * group's `lr` from its base lr and the step counter; call `step()` after `optimizer.step()`.
 */
export class LRScheduler {
  readonly optimizer: AnyOptimizer;
  /** Base learning rate of each group. */
  baseLrs: number[];
  /** The epoch (or step) counter e of the lr now set; 0 after construction. */
  lastEpoch = -1;
  readonly #lrAt: LrFunction;

  /** A scheduler from any closed form (the classes below are such forms). */
  constructor(optimizer: AnyOptimizer, lrAt: LrFunction) {
    this.optimizer = optimizer;
    this.#lrAt = lrAt;
    this.baseLrs = optimizer.paramGroups.map((g) => g.lr);
    this.step();
  }

  /** Advances the counter and sets every group's lr. */
  step(): void {
    this.lastEpoch += 1;
    this.apply();
  }

  private apply(): void {
    this.optimizer.paramGroups.forEach((g, i) => {
      g.lr = this.#lrAt(this.baseLrs[i], this.lastEpoch);
    });
  }

  /** The lr of each group as last set. */
  getLastLr(): number[] {
    return this.optimizer.paramGroups.map((g) => g.lr);
  }

  /** The scheduler's state, as `scheduler.state_dict()`. */
  stateDict(): SchedulerStateDict {
    return { lastEpoch: this.lastEpoch, baseLrs: [...this.baseLrs] };
  }

  /** Restores the counter and base lrs and sets the lrs they give. */
  loadStateDict(sd: SchedulerStateDict): void {
    if (sd.baseLrs.length !== this.baseLrs.length) {
      throw new Error(
        `${this.constructor.name}.loadStateDict: ${sd.baseLrs.length} base lrs for ${this.baseLrs.length} parameter groups`,
      );
    }
    this.lastEpoch = sd.lastEpoch;
    this.baseLrs = [...sd.baseLrs];
    this.apply();
  }
}

function checkPositive(op: string, name: string, v: number): void {
  if (!(v > 0)) throw new Error(`${op}: ${name} must be > 0, got ${v}`);
}

/** Decays by γ (default 0.1) every `stepSize` epochs. */
export class StepLR extends LRScheduler {
  constructor(optimizer: AnyOptimizer, { stepSize, gamma = 0.1 }: { stepSize: number; gamma?: number }) {
    checkPositive("StepLR", "stepSize", stepSize);
    super(optimizer, (base, e) => base * gamma ** Math.floor(e / stepSize));
  }
}

/** Decays by γ every epoch. */
export class ExponentialLR extends LRScheduler {
  constructor(optimizer: AnyOptimizer, { gamma }: { gamma: number }) {
    super(optimizer, (base, e) => base * gamma ** e);
  }
}

/** Half a cosine from the base lr down to `etaMin` (default 0) over `tMax` epochs. */
export class CosineAnnealingLR extends LRScheduler {
  constructor(optimizer: AnyOptimizer, { tMax, etaMin = 0 }: { tMax: number; etaMin?: number }) {
    checkPositive("CosineAnnealingLR", "tMax", tMax);
    super(optimizer, (base, e) => etaMin + ((base - etaMin) * (1 + Math.cos((Math.PI * e) / tMax))) / 2);
  }
}

/**
 * Linear warmup then inverse square root decay ("Noam", Vaswani et al. 2017, eq. 3). With `dModel`
 * the lr is η₀ · dModel^−½ · min(s^−½, s · w^−³ᐟ²) (η₀ is the "factor"; base lr 1 gives the paper's
 * schedule); without it, η₀ · min(s / w, √(w / s)), which peaks at η₀ at step w. s = max(e, 1).
 */
export class NoamLR extends LRScheduler {
  constructor(optimizer: AnyOptimizer, { warmupSteps: w, dModel }: { warmupSteps: number; dModel?: number }) {
    checkPositive("NoamLR", "warmupSteps", w);
    if (dModel !== undefined) checkPositive("NoamLR", "dModel", dModel);
    super(optimizer, (base, e) => {
      const s = Math.max(e, 1);
      if (dModel !== undefined) return base * dModel ** -0.5 * Math.min(s ** -0.5, s * w ** -1.5);
      return base * Math.min(s / w, Math.sqrt(w / s));
    });
  }
}

/** lr = base · f(epoch) for a user function f (as `LambdaLR`). */
export class LambdaLR extends LRScheduler {
  constructor(optimizer: AnyOptimizer, lambda: (epoch: number) => number) {
    super(optimizer, (base, e) => base * lambda(e));
  }
}

/** Options of `ReduceLROnPlateau` (PyTorch's, in camelCase). */
export interface ReduceLROnPlateauOptions {
  /** "min" (default): lower is better (a loss); "max": higher is better (an accuracy). */
  mode?: "min" | "max";
  /** Multiply the lr by this on a plateau (default 0.1). */
  factor?: number;
  /** Epochs without improvement tolerated before reducing (default 10). */
  patience?: number;
  /** Minimum improvement that counts (default 1e-4). */
  threshold?: number;
  /** "rel" (default): relative to the best value; "abs": absolute. */
  thresholdMode?: "rel" | "abs";
  /** Epochs to wait after a reduction before counting again (default 0). */
  cooldown?: number;
  /** Lower bound on the lr (default 0). */
  minLr?: number;
  /** Reductions smaller than this are skipped (default 1e-8). */
  eps?: number;
}

/** Reduces the lr when a metric has stopped improving, with `torch.optim.lr_scheduler.ReduceLROnPlateau`'s rules. */
export class ReduceLROnPlateau {
  readonly optimizer: AnyOptimizer;
  readonly options: Required<ReduceLROnPlateauOptions>;
  best: number;
  numBadEpochs = 0;
  cooldownCounter = 0;
  lastEpoch = 0;

  constructor(optimizer: AnyOptimizer, options: ReduceLROnPlateauOptions = {}) {
    this.optimizer = optimizer;
    this.options = {
      mode: "min",
      factor: 0.1,
      patience: 10,
      threshold: 1e-4,
      thresholdMode: "rel",
      cooldown: 0,
      minLr: 0,
      eps: 1e-8,
      ...options,
    };
    if (!(this.options.factor < 1))
      throw new Error(`ReduceLROnPlateau: factor must be < 1, got ${this.options.factor}`);
    this.best = this.options.mode === "min" ? Number.POSITIVE_INFINITY : Number.NEGATIVE_INFINITY;
  }

  private isBetter(a: number): boolean {
    const { mode, threshold, thresholdMode } = this.options;
    if (mode === "min")
      return thresholdMode === "rel" ? a < this.best * (1 - threshold) : a < this.best - threshold;
    return thresholdMode === "rel" ? a > this.best * (threshold + 1) : a > this.best + threshold;
  }

  /** Records the epoch's metric and reduces the lr after `patience` epochs without improvement. */
  step(metric: number): void {
    this.lastEpoch += 1;
    if (this.isBetter(metric)) {
      this.best = metric;
      this.numBadEpochs = 0;
    } else {
      this.numBadEpochs += 1;
    }
    if (this.cooldownCounter > 0) {
      this.cooldownCounter -= 1;
      this.numBadEpochs = 0;
    }
    if (this.numBadEpochs > this.options.patience) {
      for (const g of this.optimizer.paramGroups) {
        const next = Math.max(g.lr * this.options.factor, this.options.minLr);
        if (g.lr - next > this.options.eps) g.lr = next;
      }
      this.cooldownCounter = this.options.cooldown;
      this.numBadEpochs = 0;
    }
  }

  /** The groups' current learning rates (`scheduler.get_last_lr()`). */
  getLastLr(): number[] {
    return this.optimizer.paramGroups.map((g) => g.lr);
  }

  /** The scheduler's state (best metric, counters), as `scheduler.state_dict()`. */
  stateDict(): { best: number; numBadEpochs: number; cooldownCounter: number; lastEpoch: number } {
    return {
      best: this.best,
      numBadEpochs: this.numBadEpochs,
      cooldownCounter: this.cooldownCounter,
      lastEpoch: this.lastEpoch,
    };
  }

  /** Restores a state from `stateDict()`. */
  loadStateDict(sd: {
    best: number;
    numBadEpochs: number;
    cooldownCounter: number;
    lastEpoch: number;
  }): void {
    this.best = sd.best;
    this.numBadEpochs = sd.numBadEpochs;
    this.cooldownCounter = sd.cooldownCounter;
    this.lastEpoch = sd.lastEpoch;
  }
}
