/**
 * The option rules of training: every numeric option checked, named as the API field and the CLI flag
 * (`clip (--clip) must be ≥ 0`), so nonsense is a clear message, never a wrong number, a NaN or a
 * TypeError. What a model is — its parameters, their shapes, the memory it needs — is the model
 * registry's (models/registry.ts); what a checkpoint must hold is checkpoint/format.ts's.
 */
import type { Seq2SeqConfig } from "../models/seq2seq/config.js";
import {
  DEFAULT_D_MODEL,
  DEFAULT_NHEAD,
  resolveTransformerConfig,
  type TransformerModelConfig,
} from "../models/transformer/config.js";

/** The rule an option's value must follow. */
export type OptionRule =
  | "int>=0"
  | "int>=1"
  | "number>0"
  | "number>=0"
  /** [0, 1) */
  | "fraction"
  /** (0, 1) */
  | "open-fraction";

const RULE_TEXT: Record<OptionRule, string> = {
  "int>=0": "an integer ≥ 0",
  "int>=1": "an integer ≥ 1",
  "number>0": "a number > 0",
  "number>=0": "a number ≥ 0",
  fraction: "a number in [0, 1)",
  "open-fraction": "a number in (0, 1)",
};

/** True when `v` follows `rule`. */
export function followsRule(v: unknown, rule: OptionRule): boolean {
  if (typeof v !== "number" || !Number.isFinite(v)) return false;
  switch (rule) {
    case "int>=0":
      return Number.isSafeInteger(v) && v >= 0;
    case "int>=1":
      return Number.isSafeInteger(v) && v >= 1;
    case "number>0":
      return v > 0;
    case "number>=0":
      return v >= 0;
    case "fraction":
      return v >= 0 && v < 1;
    case "open-fraction":
      return v > 0 && v < 1;
  }
}

/** Throws `<fn>: <name> (<flag>) must be <rule>, got <v>` unless `v` is undefined or follows `rule`. */
export function checkOption(fn: string, name: string, flag: string, v: unknown, rule: OptionRule): void {
  if (v === undefined || followsRule(v, rule)) return;
  throw new Error(
    `${fn}: ${name} (${flag}) must be ${RULE_TEXT[rule]}, got ${JSON.stringify(v) ?? String(v)}`,
  );
}

/** A table of options: each field's CLI flag and rule, in the order they are checked. */
export type OptionRules<T> = { readonly [K in keyof T]?: readonly [flag: string, rule: OptionRule] };

/** `checkOption` for every field of `rules` in order, named `<prefix><field>`; `values` may be absent. */
export function checkOptions<T extends object>(
  fn: string,
  values: T | undefined,
  rules: OptionRules<T>,
  prefix = "",
): void {
  for (const [field, [flag, rule]] of Object.entries(rules) as [string, readonly [string, OptionRule]][]) {
    checkOption(
      fn,
      `${prefix}${field}`,
      flag,
      (values as Record<string, unknown> | undefined)?.[field],
      rule,
    );
  }
}

/** The numeric options of `train()` (`TrainOptions` has them all). */
export interface TrainNumbers {
  epochs?: number;
  batchSize?: number;
  lr?: number;
  clip?: number;
  labelSmoothing?: number;
  seed?: number;
  /** Stop after this many optimizer steps in total (quick runs). */
  maxSteps?: number;
  /** Validate on at most this many pairs (default all). */
  validLimit?: number;
  model?: Pick<Seq2SeqConfig, "embedDim" | "hiddenSize" | "encoderLayers" | "dropout">;
  transformer?: Pick<
    TransformerModelConfig,
    "dModel" | "nhead" | "numEncoderLayers" | "numDecoderLayers" | "dimFeedforward" | "dropout"
  >;
  warmup?: number;
  /** Weight decay λ of the optimizer (adam, sgd: L2 added to the gradient; adamw: decoupled). */
  weightDecay?: number;
  /** SGD's momentum μ (sgd only). */
  momentum?: number;
  /** cosine: the lr it ends at (η_min); plateau: the lowest lr it reduces to (default 0). */
  minLr?: number;
  /** plateau: evaluations without improvement tolerated before the lr is reduced (default 10). */
  patience?: number;
  /** plateau: what the lr is multiplied by on a plateau (default 0.1). */
  factor?: number;
  /** Micro-batches whose gradients make one optimizer step (default 1). */
  accumulate?: number;
  /** Stop after this many evaluations (epochs) without improvement of the validation metric. */
  earlyStop?: number;
  /** Keep the weights of the last N epochs (`epoch-<n>` checkpoints). */
  keepLastEpochs?: number;
}

/** The optimizers `train()` can run (`--optimizer`). */
export const OPTIMIZER_NAMES = ["adam", "adamw", "sgd"] as const;
export type OptimizerName = (typeof OPTIMIZER_NAMES)[number];

/** The learning-rate schedules `train()` can run (`--scheduler`). */
export const SCHEDULE_NAMES = ["constant", "noam", "cosine", "plateau"] as const;
export type ScheduleName = (typeof SCHEDULE_NAMES)[number];

const TRAIN_RULES: OptionRules<TrainNumbers> = {
  epochs: ["--epochs", "int>=1"],
  batchSize: ["--batch-size", "int>=1"],
  lr: ["--lr", "number>0"],
  clip: ["--clip", "number>=0"],
  labelSmoothing: ["--label-smoothing", "fraction"],
  seed: ["--seed", "int>=0"],
  maxSteps: ["--max-steps", "int>=1"],
  validLimit: ["--valid-limit", "int>=1"],
  weightDecay: ["--weight-decay", "number>=0"],
  momentum: ["--momentum", "fraction"],
  minLr: ["--min-lr", "number>=0"],
  patience: ["--patience", "int>=0"],
  factor: ["--factor", "open-fraction"],
  accumulate: ["--accumulate", "int>=1"],
  earlyStop: ["--early-stop", "int>=1"],
  keepLastEpochs: ["--keep-last-epochs", "int>=1"],
};

const SEQ2SEQ_RULES: OptionRules<NonNullable<TrainNumbers["model"]>> = {
  embedDim: ["--embed", "int>=1"],
  hiddenSize: ["--hidden", "int>=1"],
  encoderLayers: ["--layers", "int>=1"],
  dropout: ["--dropout", "fraction"],
};

const TRANSFORMER_RULES: OptionRules<NonNullable<TrainNumbers["transformer"]>> = {
  dModel: ["--d-model", "int>=1"],
  nhead: ["--heads", "int>=1"],
  numEncoderLayers: ["--layers", "int>=1"],
  numDecoderLayers: ["--layers", "int>=1"],
  dimFeedforward: ["--ff", "int>=1"],
  dropout: ["--dropout", "fraction"],
};

/** Validates the numeric options of `train()`. */
export function validateTrainOptions(o: TrainNumbers): void {
  const fn = "train";
  checkOptions(fn, o, TRAIN_RULES);
  checkOptions(fn, o.model, SEQ2SEQ_RULES, "model.");
  const t = o.transformer;
  checkOptions(fn, t, TRANSFORMER_RULES, "transformer.");
  if (t) {
    // The sizes the model will have: its own defaults filled in (models/transformer/config.ts).
    const dModel = t.dModel ?? DEFAULT_D_MODEL;
    const nhead = t.nhead ?? DEFAULT_NHEAD;
    if (dModel % nhead !== 0) {
      throw new Error(
        `${fn}: transformer.dModel (--d-model) ${dModel} must be a multiple of transformer.nhead (--heads) ${nhead}`,
      );
    }
    resolveTransformerConfig({ srcVocabSize: 4, tgtVocabSize: 4, ...t }); // the model's own checks
  }
  checkOption(fn, "warmup", "--warmup", o.warmup, "int>=1");
}

/**
 * The choice of optimizer and schedule and the options that belong to one of them: a name outside the
 * lists, `momentum` without sgd, `minLr` without cosine or plateau, `patience` / `factor` without
 * plateau are refused (they would be silently ignored), as is a cosine `minLr` at or above the lr.
 */
export function validateOptimization(
  o: TrainNumbers & { optimizer?: string; schedule?: string },
  fn = "train",
): void {
  const list = (xs: readonly string[]) => xs.map((x) => `"${x}"`).join(", ");
  if (o.optimizer !== undefined && !OPTIMIZER_NAMES.includes(o.optimizer as OptimizerName)) {
    throw new Error(
      `${fn}: optimizer (--optimizer) must be one of ${list(OPTIMIZER_NAMES)}, got ${JSON.stringify(o.optimizer)}`,
    );
  }
  if (o.schedule !== undefined && !SCHEDULE_NAMES.includes(o.schedule as ScheduleName)) {
    throw new Error(
      `${fn}: schedule (--scheduler) must be one of ${list(SCHEDULE_NAMES)}, got ${JSON.stringify(o.schedule)}`,
    );
  }
  const optimizer = o.optimizer ?? "adam";
  const schedule = o.schedule ?? "constant";
  if (o.momentum !== undefined && optimizer !== "sgd") {
    throw new Error(`${fn}: momentum (--momentum) is for --optimizer sgd, not ${optimizer}`);
  }
  if (o.minLr !== undefined && schedule !== "cosine" && schedule !== "plateau") {
    throw new Error(`${fn}: minLr (--min-lr) is for --scheduler cosine or plateau, not ${schedule}`);
  }
  for (const [k, flag] of [
    ["patience", "--patience"],
    ["factor", "--factor"],
  ] as const) {
    if (o[k] !== undefined && schedule !== "plateau") {
      throw new Error(`${fn}: ${k} (${flag}) is for --scheduler plateau, not ${schedule}`);
    }
  }
  if (schedule === "cosine" && o.minLr !== undefined && o.lr !== undefined && o.minLr >= o.lr) {
    throw new Error(
      `${fn}: minLr (--min-lr) ${o.minLr} must be below lr (--lr) ${o.lr} for the cosine schedule`,
    );
  }
}
