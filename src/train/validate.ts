/**
 * Checks on what training and loading are given, so nonsense is a clear message, never a wrong
 * number, a NaN, a TypeError or an allocation that cannot succeed:
 *
 * - `checkOption` / `validateTrainOptions`: every numeric option, named as the API field and the CLI
 *   flag (`clip (--clip) must be ≥ 0`).
 * - `seq2seqParameterCount` / `checkModelFits`: the exact parameter count of a `Seq2Seq` config,
 *   computed before anything is allocated, and the memory it needs.
 * - `validateCheckpointMeta` / `checkFiniteWeights`: a checkpoint's JSON against its own weights.
 */
import { totalmem } from "node:os";
import { ATTENTION_KINDS, ATTENTION_VALUES, type Seq2SeqConfig } from "../models/seq2seq/index.js";
import { CROSS_ATTENTION_VALUES, type TransformerModelConfig } from "../models/transformer/index.js";
import type { Tensor } from "../tensor/index.js";
import { MAX_TARGET_LENGTH } from "./evaluate.js";

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
  if (t && (t.dModel ?? 64) % (t.nhead ?? 4) !== 0) {
    throw new Error(
      `${fn}: transformer.dModel (--d-model) ${t.dModel ?? 64} must be a multiple of transformer.nhead (--heads) ${t.nhead ?? 4}`,
    );
  }
  checkOption(fn, "warmup", "--warmup", o.warmup, "int>=1");
}

/**
 * The parameters of a `Seq2Seq` with this config (defaults as `resolveConfig`), by their state-dict
 * names, as shapes — computed, not allocated.
 */
export function seq2seqParameterShapes(config: Seq2SeqConfig): Record<string, number[]> {
  const H = config.hiddenSize ?? 128;
  const dirs = (config.bidirectional ?? true) ? 2 : 1;
  const Dh = dirs * H;
  const Hd = config.decoderHiddenSize ?? Dh;
  const E = config.embedDim ?? 64;
  const L = config.encoderLayers ?? 1;
  const attention = config.attention ?? "luong-general";
  const A = config.attentionDim ?? Hd;
  const feeding = config.inputFeeding ?? true;
  const V = config.tgtVocabSize;
  const shapes: Record<string, number[]> = Object.create(null);
  shapes["src_embed.weight"] = [config.srcVocabSize, E];
  shapes["tgt_embed.weight"] = [V, E];
  for (let l = 0; l < L; l++) {
    for (const sfx of dirs === 2 ? ["", "_reverse"] : [""]) {
      shapes[`encoder.weight_ih_l${l}${sfx}`] = [4 * H, l === 0 ? E : Dh];
      shapes[`encoder.weight_hh_l${l}${sfx}`] = [4 * H, H];
      shapes[`encoder.bias_ih_l${l}${sfx}`] = [4 * H];
      shapes[`encoder.bias_hh_l${l}${sfx}`] = [4 * H];
    }
  }
  for (const b of config.bridge === false ? [] : ["bridge_h", "bridge_c"]) {
    shapes[`${b}.weight`] = [Hd, Dh];
    shapes[`${b}.bias`] = [Hd];
  }
  const feed = attention === "none" ? Hd : attention === "bahdanau" ? Dh : feeding ? Hd : 0;
  shapes["decoder.weight_ih"] = [4 * Hd, E + feed];
  shapes["decoder.weight_hh"] = [4 * Hd, Hd];
  shapes["decoder.bias_ih"] = [4 * Hd];
  shapes["decoder.bias_hh"] = [4 * Hd];
  shapes["combine.weight"] = [Hd, (attention === "none" ? Hd : Dh) + Hd];
  shapes["out.weight"] = [V, Hd];
  shapes["out.bias"] = [V];
  if (attention === "bahdanau") {
    shapes.attn_w_query = [A, Hd];
    shapes.attn_v = [A];
    shapes.attn_w_key = [A, Dh];
  } else if (attention === "luong-general") shapes.attn_w = [Hd, Dh];
  else if (attention === "luong-concat") {
    shapes.attn_w = [A, Hd + Dh];
    shapes.attn_v = [A];
  } else if (attention === "luong-location") shapes.attn_w = [config.maxSourceLength ?? 64, Hd];
  if (config.attentionValues === "embeddings" && attention !== "none") shapes["value_proj.weight"] = [Dh, E];
  return shapes;
}

const sizeOf = (shape: number[]) => shape.reduce((a, b) => a * b, 1);

/** The exact number of parameters of a `Seq2Seq` with this config. */
export function seq2seqParameterCount(config: Seq2SeqConfig): number {
  return Object.values(seq2seqParameterShapes(config)).reduce((p, s) => p + sizeOf(s), 0);
}

/**
 * Throws unless `weights` holds exactly the parameters `config` describes, each of the right shape —
 * checked before a model is built from the config.
 */
export function checkWeightsMatchConfig(
  weights: Record<string, Tensor>,
  config: Seq2SeqConfig,
  file: string,
): void {
  const layers = Object.keys(weights).filter((k) => /^encoder\.weight_ih_l\d+$/.test(k)).length;
  if ((config.encoderLayers ?? 1) !== layers) {
    throw new Error(
      `checkpoint ${file}: meta.config.encoderLayers is ${config.encoderLayers ?? 1} but the weights hold ${layers} encoder layers`,
    );
  }
  const want = seq2seqParameterShapes(config);
  const fmt = (s: readonly number[]) => `[${s.join(", ")}]`;
  const head = `checkpoint ${file}: the weights do not match meta.config (attention ${config.attention ?? "luong-general"}, embed ${config.embedDim ?? 64}, hidden ${config.hiddenSize ?? 128})`;
  for (const [name, shape] of Object.entries(want)) {
    const t = weights[name];
    if (!t) throw new Error(`${head}: weight "${name}" ${fmt(shape)} is missing`);
    if (t.shape.length !== shape.length || t.shape.some((d, i) => d !== shape[i])) {
      throw new Error(`${head}: weight "${name}" has shape ${fmt(t.shape)}, the config needs ${fmt(shape)}`);
    }
  }
  const extra = Object.keys(weights).filter((k) => !(k in want));
  if (extra.length) throw new Error(`${head}: unexpected weights ${extra.map((k) => `"${k}"`).join(", ")}`);
}

/** Largest tensor allocated in one piece (4 GiB of float32). */
export const MAX_TENSOR_ELEMENTS = 2 ** 30;

const gib = (bytes: number) => `${(bytes / 2 ** 30).toFixed(bytes < 2 ** 30 ? 2 : 1)} GiB`;

/**
 * Throws before allocation when the model cannot be built here: `copies` float32 values per parameter
 * (1 for inference; 4 for training: weights, gradients and Adam's two moments) must fit in this
 * machine's memory, and no single tensor may exceed `MAX_TENSOR_ELEMENTS`.
 */
export function checkModelFits(fn: string, config: Seq2SeqConfig, copies: number, what: string): void {
  // Layers above the second are alike: count them by multiplication (a config may say 10⁹ layers).
  const L = config.encoderLayers ?? 1;
  const shapes = seq2seqParameterShapes({ ...config, encoderLayers: Math.min(L, 2) });
  let count = 0;
  let largest = 0;
  let perLayer = 0;
  for (const [name, s] of Object.entries(shapes)) {
    const n = sizeOf(s);
    count += n;
    largest = Math.max(largest, n);
    if (/^encoder\..*_l1(_reverse)?$/.test(name)) perLayer += n;
  }
  if (L > 2) count += (L - 2) * perLayer;
  const bytes = count * 4 * copies;
  const dims = `embed ${config.embedDim ?? 64}, hidden ${config.hiddenSize ?? 128}, layers ${config.encoderLayers ?? 1}, vocabularies ${config.srcVocabSize}/${config.tgtVocabSize}`;
  if (largest > MAX_TENSOR_ELEMENTS || bytes > totalmem()) {
    throw new Error(
      `${fn}: ${what} (${dims}) has ${count.toExponential(2)} parameters and would need ${gib(bytes)} ` +
        `(${copies === 1 ? "weights" : "weights, gradients and Adam moments"}; largest tensor ${gib(largest * 4)}), ` +
        `but this machine has ${gib(totalmem())}${largest > MAX_TENSOR_ELEMENTS ? ` and one tensor may hold at most ${gib(MAX_TENSOR_ELEMENTS * 4)}` : ""}; ` +
        `choose smaller --hidden / --embed / --layers`,
    );
  }
}

function describe(v: unknown): string {
  if (v === null) return "null";
  if (v === undefined) return "missing";
  if (Array.isArray(v)) return `an array of ${v.length}`;
  return typeof v === "object" ? "an object" : `${typeof v} ${JSON.stringify(v).slice(0, 60)}`;
}

const isObject = (v: unknown): v is Record<string, unknown> =>
  typeof v === "object" && v !== null && !Array.isArray(v);

// ---- Transformer checkpoints (models/transformer), checked as strictly as seq2seq ones ----

/** The Transformer config with TransformerModel's defaults (resolveTransformerConfig, without its checks). */
function transformerDims(c: TransformerModelConfig) {
  const d = c.dModel ?? 64;
  return {
    d,
    nhead: c.nhead ?? 4,
    Le: c.numEncoderLayers ?? 2,
    Ld: c.numDecoderLayers ?? 2,
    F: c.dimFeedforward ?? 4 * d,
    positions: c.positions ?? "sinusoidal",
    maxLength: c.maxLength ?? 256,
    tie: c.tieOutput ?? true,
  };
}

/**
 * The weights of a `TransformerModel` with this config by their state-dict names, as shapes — computed,
 * not allocated. `layers` caps the layers listed (the rest are alike). A tied output projection is
 * saved under both `tgt_embed.weight` and `out.weight`.
 */
export function transformerParameterShapes(
  config: TransformerModelConfig,
  layers = Number.POSITIVE_INFINITY,
): Record<string, number[]> {
  const { d, Le, Ld, F, positions, maxLength } = transformerDims(config);
  const shapes: Record<string, number[]> = Object.create(null);
  shapes["src_embed.weight"] = [config.srcVocabSize, d];
  shapes["tgt_embed.weight"] = [config.tgtVocabSize, d];
  if (positions === "learned") shapes["pos_embed.weight"] = [maxLength, d];
  const attn = (p: string) => {
    shapes[`${p}.in_proj_weight`] = [3 * d, d];
    shapes[`${p}.in_proj_bias`] = [3 * d];
    shapes[`${p}.out_proj.weight`] = [d, d];
    shapes[`${p}.out_proj.bias`] = [d];
  };
  const common = (p: string, norms: number) => {
    shapes[`${p}.linear1.weight`] = [F, d];
    shapes[`${p}.linear1.bias`] = [F];
    shapes[`${p}.linear2.weight`] = [d, F];
    shapes[`${p}.linear2.bias`] = [d];
    for (let n = 1; n <= norms; n++) {
      shapes[`${p}.norm${n}.weight`] = [d];
      shapes[`${p}.norm${n}.bias`] = [d];
    }
  };
  for (let l = 0; l < Math.min(Le, layers); l++) {
    const p = `transformer.encoder.layers.${l}`;
    attn(`${p}.self_attn`);
    common(p, 2);
  }
  for (let l = 0; l < Math.min(Ld, layers); l++) {
    const p = `transformer.decoder.layers.${l}`;
    attn(`${p}.self_attn`);
    attn(`${p}.multihead_attn`);
    common(p, 3);
  }
  for (const side of ["encoder", "decoder"]) {
    shapes[`transformer.${side}.norm.weight`] = [d];
    shapes[`transformer.${side}.norm.bias`] = [d];
  }
  shapes["out.weight"] = [config.tgtVocabSize, d];
  shapes["out.bias"] = [config.tgtVocabSize];
  if (config.latentAlignment === true) {
    shapes["align_q.weight"] = [d, d];
    shapes["align_k.weight"] = [d, d];
    shapes["align_combine.weight"] = [d, 2 * d];
  }
  return shapes;
}

/** The exact number of parameters of a `TransformerModel` with this config (a tied weight once). */
export function transformerParameterCount(config: TransformerModelConfig): number {
  const { d, Le, Ld, tie } = transformerDims(config);
  const one = transformerParameterShapes({ ...config, numEncoderLayers: 1, numDecoderLayers: 1 }, 1);
  const count = (re: RegExp) =>
    Object.entries(one)
      .filter(([k]) => re.test(k))
      .reduce((p, [, s]) => p + sizeOf(s), 0);
  const enc = count(/^transformer\.encoder\.layers\./);
  const dec = count(/^transformer\.decoder\.layers\./);
  const rest = count(/^(?!transformer\.(en|de)coder\.layers\.)/);
  return rest - (tie ? config.tgtVocabSize * d : 0) + Le * enc + Ld * dec;
}

/**
 * Throws unless `weights` holds exactly the tensors a `TransformerModel` with `config` saves, each of
 * the right shape, and — when the output projection is tied — `out.weight` equal to `tgt_embed.weight`.
 */
export function checkTransformerWeightsMatchConfig(
  weights: Record<string, Tensor>,
  config: TransformerModelConfig,
  file: string,
): void {
  const dims = transformerDims(config);
  for (const side of ["encoder", "decoder"] as const) {
    const re = new RegExp(`^transformer\\.${side}\\.layers\\.(\\d+)\\.linear1\\.weight$`);
    const found = Object.keys(weights).filter((k) => re.test(k)).length;
    const want = side === "encoder" ? dims.Le : dims.Ld;
    if (found !== want) {
      const key = side === "encoder" ? "numEncoderLayers" : "numDecoderLayers";
      throw new Error(
        `checkpoint ${file}: meta.config.${key} is ${want} but the weights hold ${found} ${side} layers`,
      );
    }
  }
  const want = transformerParameterShapes(config);
  const fmt = (s: readonly number[]) => `[${s.join(", ")}]`;
  const head = `checkpoint ${file}: the weights do not match meta.config (transformer dModel ${dims.d}, ${dims.Le}+${dims.Ld} layers, ff ${dims.F})`;
  for (const [name, shape] of Object.entries(want)) {
    const t = weights[name];
    if (!t) throw new Error(`${head}: weight "${name}" ${fmt(shape)} is missing`);
    if (t.shape.length !== shape.length || t.shape.some((x, i) => x !== shape[i])) {
      throw new Error(`${head}: weight "${name}" has shape ${fmt(t.shape)}, the config needs ${fmt(shape)}`);
    }
  }
  const extra = Object.keys(weights).filter((k) => !(k in want));
  if (extra.length) throw new Error(`${head}: unexpected weights ${extra.map((k) => `"${k}"`).join(", ")}`);
  if (dims.tie) {
    const a = weights["tgt_embed.weight"].data;
    const b = weights["out.weight"].data;
    for (let i = 0; i < a.length; i++) {
      if (a[i] !== b[i] && !(Number.isNaN(a[i]) && Number.isNaN(b[i]))) {
        throw new Error(
          `checkpoint ${file}: meta.config.tieOutput is true but "out.weight" differs from "tgt_embed.weight" at index ${i}`,
        );
      }
    }
  }
}

/** As `checkModelFits`, for a Transformer config (layers counted by multiplication). */
export function checkTransformerFits(
  fn: string,
  config: TransformerModelConfig,
  copies: number,
  what: string,
): void {
  const { d, Le, Ld, F } = transformerDims(config);
  const count = transformerParameterCount(config);
  const largest = Math.max(
    ...Object.values(
      transformerParameterShapes({ ...config, numEncoderLayers: 1, numDecoderLayers: 1 }, 1),
    ).map(sizeOf),
  );
  const bytes = count * 4 * copies;
  if (largest > MAX_TENSOR_ELEMENTS || bytes > totalmem() || !Number.isFinite(bytes)) {
    throw new Error(
      `${fn}: ${what} (transformer dModel ${d}, ${Le}+${Ld} layers, ff ${F}, vocabularies ${config.srcVocabSize}/${config.tgtVocabSize}) ` +
        `has ${count.toExponential(2)} parameters and would need ${gib(bytes)}, but this machine has ${gib(totalmem())}` +
        `${largest > MAX_TENSOR_ELEMENTS ? ` and one tensor may hold at most ${gib(MAX_TENSOR_ELEMENTS * 4)}` : ""}; ` +
        "choose smaller --d-model / --ff / --layers",
    );
  }
}

/** Validates a Transformer config from a checkpoint (types, ranges, nhead dividing dModel). */
function validateTransformerConfig(
  c: Record<string, unknown>,
  fail: (f: string, w: string, g: unknown) => never,
): void {
  for (const k of [
    "dModel",
    "nhead",
    "numEncoderLayers",
    "numDecoderLayers",
    "dimFeedforward",
    "maxLength",
  ]) {
    if (c[k] !== undefined && !followsRule(c[k], "int>=1")) fail(`config.${k}`, "an integer ≥ 1", c[k]);
  }
  const d = (c.dModel as number | undefined) ?? 64;
  const h = (c.nhead as number | undefined) ?? 4;
  if (d % h !== 0) fail("config.nhead", `a divisor of config.dModel (${d})`, h);
  for (const k of ["normFirst", "tieOutput", "latentAlignment"]) {
    if (c[k] !== undefined && typeof c[k] !== "boolean") fail(`config.${k}`, "true or false", c[k]);
  }
  if (c.dropout !== undefined && !followsRule(c.dropout, "fraction"))
    fail("config.dropout", "a number in [0, 1)", c.dropout);
  if (c.layerNormEps !== undefined && !followsRule(c.layerNormEps, "number>0"))
    fail("config.layerNormEps", "a number > 0", c.layerNormEps);
  if (c.activation !== undefined && c.activation !== "relu" && c.activation !== "gelu")
    fail("config.activation", '"relu" or "gelu"', c.activation);
  if (c.positions !== undefined && c.positions !== "sinusoidal" && c.positions !== "learned")
    fail("config.positions", '"sinusoidal" or "learned"', c.positions);
  if (
    c.crossAttentionValues !== undefined &&
    !CROSS_ATTENTION_VALUES.includes(c.crossAttentionValues as never)
  )
    fail(
      "config.crossAttentionValues",
      CROSS_ATTENTION_VALUES.map((v) => `"${v}"`).join(" or "),
      c.crossAttentionValues,
    );
}

/**
 * Validates a seq2seq checkpoint's metadata before a model is built from it: a config the model
 * accepts and that fits in memory, vocabularies (string arrays) of the sizes the config says, and —
 * with `forResume` — the training state `--resume` needs. `file` names the JSON in messages.
 */
export function validateCheckpointMeta(meta: unknown, file: string, { forResume = false } = {}): void {
  const fail = (field: string, want: string, got: unknown): never => {
    throw new Error(`checkpoint ${file}: meta.${field} must be ${want}, got ${describe(got)}`);
  };
  if (!isObject(meta)) fail("", "an object", meta);
  const m = meta as Record<string, unknown>;
  if (m.kind !== undefined && m.kind !== "seq2seq" && m.kind !== "transformer")
    fail("kind", '"seq2seq" or "transformer"', m.kind);
  const isTransformer = m.kind === "transformer";
  if (typeof m.task !== "string") fail("task", "a task name", m.task);
  if (m.taskOptions !== undefined && !isObject(m.taskOptions))
    fail("taskOptions", "an object", m.taskOptions);
  if (!isObject(m.config)) fail("config", "an object (the model's configuration)", m.config);
  const c = m.config as Record<string, unknown>;
  for (const k of ["srcVocabSize", "tgtVocabSize"] as const) {
    if (!Number.isSafeInteger(c[k]) || (c[k] as number) < 4) fail(`config.${k}`, "an integer ≥ 4", c[k]);
  }
  if (isTransformer) validateTransformerConfig(c, fail);
  else validateSeq2SeqConfig(c, fail);
  validateVocabsAndState(m, c, file, fail, isTransformer, forResume);
}

function validateSeq2SeqConfig(
  c: Record<string, unknown>,
  fail: (f: string, w: string, g: unknown) => never,
): void {
  for (const k of [
    "embedDim",
    "hiddenSize",
    "decoderHiddenSize",
    "encoderLayers",
    "attentionDim",
    "maxSourceLength",
  ]) {
    if (c[k] !== undefined && !followsRule(c[k], "int>=1")) fail(`config.${k}`, "an integer ≥ 1", c[k]);
  }
  for (const k of ["bidirectional", "inputFeeding", "bridge", "latentAlignment"]) {
    if (c[k] !== undefined && typeof c[k] !== "boolean") fail(`config.${k}`, "true or false", c[k]);
  }
  if (c.dropout !== undefined && !followsRule(c.dropout, "fraction"))
    fail("config.dropout", "a number in [0, 1)", c.dropout);
  if (c.attention !== undefined && !ATTENTION_KINDS.includes(c.attention as never)) {
    fail("config.attention", `one of ${ATTENTION_KINDS.join(", ")}`, c.attention);
  }
  if (c.attentionValues !== undefined && !ATTENTION_VALUES.includes(c.attentionValues as never)) {
    fail("config.attentionValues", `one of ${ATTENTION_VALUES.join(", ")}`, c.attentionValues);
  }
}

function validateVocabsAndState(
  m: Record<string, unknown>,
  c: Record<string, unknown>,
  file: string,
  fail: (f: string, w: string, g: unknown) => never,
  isTransformer: boolean,
  forResume: boolean,
): void {
  for (const [k, size] of [
    ["srcVocab", c.srcVocabSize],
    ["tgtVocab", c.tgtVocabSize],
  ] as const) {
    const v = m[k];
    if (!Array.isArray(v) || v.some((t) => typeof t !== "string")) fail(k, "an array of token strings", v);
    if ((v as string[]).length !== size) {
      fail(k, `${size} tokens (config.${k}Size)`, v);
    }
    if (new Set(v as string[]).size !== (v as string[]).length)
      fail(k, "free of duplicate tokens", "duplicates");
  }
  if (
    m.maxTargetLength !== undefined &&
    (!followsRule(m.maxTargetLength, "int>=1") || (m.maxTargetLength as number) > MAX_TARGET_LENGTH)
  ) {
    // Decoding runs up to 2·maxTargetLength + 10 steps: an unbounded value would never end.
    fail(
      "maxTargetLength",
      `an integer from 1 to ${MAX_TARGET_LENGTH} (MAX_TARGET_LENGTH)`,
      m.maxTargetLength,
    );
  }
  if (isTransformer) {
    checkTransformerFits(`checkpoint ${file}`, c as unknown as TransformerModelConfig, 1, "its model");
  } else checkModelFits(`checkpoint ${file}`, c as unknown as Seq2SeqConfig, 1, "its model");
  if (m.scheduler !== undefined) {
    const sc = m.scheduler;
    if (
      !isObject(sc) ||
      sc.kind !== "noam" ||
      !followsRule(sc.warmup, "int>=1") ||
      !followsRule(sc.lastEpoch, "int>=0") ||
      !Array.isArray(sc.baseLrs) ||
      sc.baseLrs.some((x) => !followsRule(x, "number>0"))
    ) {
      fail("scheduler", '{ kind: "noam", warmup ≥ 1, lastEpoch ≥ 0, baseLrs: numbers > 0 }', sc);
    }
  }
  if (!forResume) return;
  for (const k of ["epoch", "batchIndex", "step"]) {
    if (!followsRule(m[k], "int>=0")) fail(k, "an integer ≥ 0", m[k]);
  }
  if (typeof m.rngState !== "number" || !Number.isFinite(m.rngState))
    fail("rngState", "a number", m.rngState);
  const o = m.optimizer;
  if (!isObject(o) || !Array.isArray(o.paramGroups) || !isObject(o.scalars)) {
    fail("optimizer", "{ paramGroups: [...], scalars: {...} }", o);
  }
  if (!Array.isArray(m.history)) fail("history", "an array", m.history);
  const b = m.best;
  if (!isObject(b) || typeof b.epoch !== "number" || (typeof b.score !== "number" && b.score !== null)) {
    fail("best", "{ epoch, score }", b);
  }
}

/** Throws naming the tensor and index when a weight is NaN or ±Infinity (a diverged or damaged model). */
export function checkFiniteWeights(tensors: Record<string, Tensor>, file: string): void {
  for (const [name, t] of Object.entries(tensors)) {
    const d = t.data;
    for (let i = 0; i < d.length; i++) {
      if (!Number.isFinite(d[i])) {
        throw new Error(
          `checkpoint ${file}: weight "${name}" holds ${d[i]} at index ${i}; a model with non-finite weights ` +
            `cannot translate (did training diverge? try a lower --lr)`,
        );
      }
    }
  }
}
