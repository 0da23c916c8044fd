/**
 * The option rules of training: every numeric option checked, named as the API field and the CLI flag
 * (`clip (--clip) must be ≥ 0`), so nonsense is a clear message, never a wrong number, a NaN or a
 * TypeError. What a model is — its parameters, their shapes, the memory it needs — is the model
 * registry's (models/registry.ts); what a checkpoint must hold is checkpoint/format.ts's.
 */
import { resolveTransformerConfig } from "../models/transformer/config.js";

/** The rule an option's value must follow. */
export type OptionRule =
  | "int>=0"
  | "int>=1"
  | "number>0"
  | "number>=0"
  /** [0, 1) */
  | "fraction";

const RULE_TEXT: Record<OptionRule, string> = {
  "int>=0": "an integer ≥ 0",
  "int>=1": "an integer ≥ 1",
  "number>0": "a number > 0",
  "number>=0": "a number ≥ 0",
  fraction: "a number in [0, 1)",
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
  }
}

/** Throws `<fn>: <name> (<flag>) must be <rule>, got <v>` unless `v` is undefined or follows `rule`. */
export function checkOption(fn: string, name: string, flag: string, v: unknown, rule: OptionRule): void {
  if (v === undefined || followsRule(v, rule)) return;
  throw new Error(
    `${fn}: ${name} (${flag}) must be ${RULE_TEXT[rule]}, got ${JSON.stringify(v) ?? String(v)}`,
  );
}

/** The numeric options of `train()` with their CLI flags and rules. */
export interface TrainNumbers {
  epochs?: number;
  batchSize?: number;
  lr?: number;
  clip?: number;
  labelSmoothing?: number;
  seed?: number;
  maxSteps?: number;
  validLimit?: number;
  model?: { embedDim?: number; hiddenSize?: number; encoderLayers?: number; dropout?: number };
  transformer?: {
    dModel?: number;
    nhead?: number;
    numEncoderLayers?: number;
    numDecoderLayers?: number;
    dimFeedforward?: number;
    dropout?: number;
  };
  warmup?: number;
}

/** Validates the numeric options of `train()`. */
export function validateTrainOptions(o: TrainNumbers): void {
  const fn = "train";
  checkOption(fn, "epochs", "--epochs", o.epochs, "int>=1");
  checkOption(fn, "batchSize", "--batch-size", o.batchSize, "int>=1");
  checkOption(fn, "lr", "--lr", o.lr, "number>0");
  checkOption(fn, "clip", "--clip", o.clip, "number>=0");
  checkOption(fn, "labelSmoothing", "--label-smoothing", o.labelSmoothing, "fraction");
  checkOption(fn, "seed", "--seed", o.seed, "int>=0");
  checkOption(fn, "maxSteps", "--max-steps", o.maxSteps, "int>=1");
  checkOption(fn, "validLimit", "--valid-limit", o.validLimit, "int>=1");
  checkOption(fn, "model.embedDim", "--embed", o.model?.embedDim, "int>=1");
  checkOption(fn, "model.hiddenSize", "--hidden", o.model?.hiddenSize, "int>=1");
  checkOption(fn, "model.encoderLayers", "--layers", o.model?.encoderLayers, "int>=1");
  checkOption(fn, "model.dropout", "--dropout", o.model?.dropout, "fraction");
  const t = o.transformer;
  checkOption(fn, "transformer.dModel", "--d-model", t?.dModel, "int>=1");
  checkOption(fn, "transformer.nhead", "--heads", t?.nhead, "int>=1");
  checkOption(fn, "transformer.numEncoderLayers", "--layers", t?.numEncoderLayers, "int>=1");
  checkOption(fn, "transformer.numDecoderLayers", "--layers", t?.numDecoderLayers, "int>=1");
  checkOption(fn, "transformer.dimFeedforward", "--ff", t?.dimFeedforward, "int>=1");
  checkOption(fn, "transformer.dropout", "--dropout", t?.dropout, "fraction");
  if (t) {
    // The sizes the model will have: its own defaults filled in (models/transformer/config.ts).
    const { dModel, nhead } = resolveTransformerConfig({ srcVocabSize: 4, tgtVocabSize: 4, ...t });
    if (dModel % nhead !== 0) {
      throw new Error(
        `${fn}: transformer.dModel (--d-model) ${dModel} must be a multiple of transformer.nhead (--heads) ${nhead}`,
      );
    }
  }
  checkOption(fn, "warmup", "--warmup", o.warmup, "int>=1");
}
