/**
 * The model registry: every kind of translation model qkv builds, described once — what a checkpoint's
 * `meta.kind` names, as transformers.js maps a model type to its class:
 *
 *   kind           config                   model
 *   "seq2seq"      Seq2SeqConfig            Seq2Seq            (LSTM encoder–decoder, models/seq2seq)
 *   "transformer"  TransformerModelConfig   TransformerModel   (models/transformer)
 *
 * Each entry says how to fill a config's defaults (`resolve`), check a config read from a file
 * (`checkConfig`), build the model (`build`), recognise one (`owns`), name it (`title`, `describe`), and
 * which of its layers repeat (`layers`). Everything else is derived, never re-typed:
 *
 *   parameterShapes(kind, config)   the model built on the meta device (tensor/meta.ts: shapes, no
 *                                   storage) and its state dict read — the constructor's own answer;
 *   parameterCount(kind, config)    Σ over distinct parameters, with repeated layers counted by
 *                                   multiplication (a config may ask for 10⁹ layers: count(1 layer) +
 *                                   (L − 1)·(count(2 layers) − count(1 layer)) for each repeated stack);
 *   checkWeights(kind, …)           a checkpoint's tensors against those shapes, before building;
 *   checkFits(kind, …)              the memory the model needs against a budget, before allocating.
 *
 * Browser-safe: no Node built-ins (the memory budget is an argument; Node passes `os.totalmem()`).
 */
import { onMetaDevice, type Tensor } from "../tensor/index.js";
import { ATTENTION_KINDS, ATTENTION_VALUES, resolveConfig, type Seq2SeqConfig } from "./seq2seq/config.js";
import { Seq2Seq } from "./seq2seq/model.js";
import {
  CROSS_ATTENTION_VALUES,
  POSITION_KINDS,
  resolveTransformerConfig,
  type TransformerModelConfig,
} from "./transformer/config.js";
import { TransformerModel } from "./transformer/model.js";

/** Every model a checkpoint can hold. */
export type TranslationModel = Seq2Seq | TransformerModel;

/** What every model config has: the sizes of its vocabularies. */
export interface VocabSizes {
  srcVocabSize: number;
  tgtVocabSize: number;
}

/** Throws `meta.<field> must be <want>, got <what>` (the checkpoint validator's reporter). */
export type FieldFail = (field: string, want: string, got: unknown) => never;

/** A stack of alike layers: its config key and the state-dict name that occurs once per layer. */
export interface LayerStack {
  key: string;
  /** "encoder" / "decoder": said in messages ("the weights hold 3 encoder layers"). */
  name: string;
  /** Matches exactly one state-dict name per layer of this stack. */
  perLayer: RegExp;
}

/** One kind of model. */
export interface ModelKind<C extends VocabSizes = VocabSizes, M extends TranslationModel = TranslationModel> {
  readonly name: "seq2seq" | "transformer";
  /** The config with every default filled in (throws on a config the model refuses). */
  resolve(config: C): Required<C>;
  /** Checks a config read from a file, field by field (types and ranges), reporting through `fail`. */
  checkConfig(c: Record<string, unknown>, fail: FieldFail): void;
  /** Builds the model from a filled-in config. */
  build(config: C): M;
  /** Whether `model` is of this kind. */
  owns(model: TranslationModel): model is M;
  /** A short name for titles: "luong-general", "transformer 2×4 d64". */
  title(config: C): string;
  /** What a weights mismatch names: "attention luong-general, embed 64, hidden 128". */
  describe(config: C): string;
  /** What a memory message names: "embed 64, hidden 128, layers 1". */
  sizes(config: C): string;
  /** What to shrink when a model does not fit ("--hidden / --embed / --layers"). */
  readonly shrink: string;
  readonly layers: readonly LayerStack[];
  /** The model width the Noam schedule scales by (d_model^−½); undefined: the schedule's default. */
  scheduleWidth(config: C): number | undefined;
  /** Checks beyond shapes (a tied output projection equal to the embedding). */
  checkTensors?(weights: Record<string, Tensor>, config: C, file: string): void;
}

const isInt1 = (v: unknown) => Number.isSafeInteger(v) && (v as number) >= 1;
const isFraction = (v: unknown) => typeof v === "number" && v >= 0 && v < 1;

function checkFields(
  c: Record<string, unknown>,
  fail: FieldFail,
  ints: readonly string[],
  flags: readonly string[],
  choices: Record<string, readonly string[]>,
  quoted = false,
): void {
  for (const k of ints) if (c[k] !== undefined && !isInt1(c[k])) fail(`config.${k}`, "an integer ≥ 1", c[k]);
  for (const k of flags) {
    if (c[k] !== undefined && typeof c[k] !== "boolean") fail(`config.${k}`, "true or false", c[k]);
  }
  if (c.dropout !== undefined && !isFraction(c.dropout))
    fail("config.dropout", "a number in [0, 1)", c.dropout);
  for (const [k, allowed] of Object.entries(choices)) {
    if (c[k] !== undefined && !allowed.includes(c[k] as string)) {
      const want = quoted ? allowed.map((v) => `"${v}"`).join(" or ") : `one of ${allowed.join(", ")}`;
      fail(`config.${k}`, want, c[k]);
    }
  }
}

const SEQ2SEQ: ModelKind<Seq2SeqConfig, Seq2Seq> = {
  name: "seq2seq",
  resolve: resolveConfig,
  checkConfig(c, fail) {
    checkFields(
      c,
      fail,
      [
        "embedDim",
        "hiddenSize",
        "decoderHiddenSize",
        "encoderLayers",
        "attentionDim",
        "maxSourceLength",
        "attentionWindow",
      ],
      ["bidirectional", "inputFeeding", "bridge", "latentAlignment"],
      { attention: ATTENTION_KINDS, attentionValues: ATTENTION_VALUES },
    );
  },
  build: (config) => new Seq2Seq(config),
  owns: (m): m is Seq2Seq => m instanceof Seq2Seq,
  title: (config) => resolveConfig(config).attention,
  describe(config) {
    const r = resolveConfig(config);
    return `attention ${r.attention}, embed ${r.embedDim}, hidden ${r.hiddenSize}`;
  },
  sizes(config) {
    const r = resolveConfig(config);
    return `embed ${r.embedDim}, hidden ${r.hiddenSize}, layers ${r.encoderLayers}`;
  },
  shrink: "--hidden / --embed / --layers",
  scheduleWidth: () => undefined,
  layers: [{ key: "encoderLayers", name: "encoder", perLayer: /^encoder\.weight_ih_l\d+$/ }],
};

const TRANSFORMER: ModelKind<TransformerModelConfig, TransformerModel> = {
  name: "transformer",
  resolve: resolveTransformerConfig,
  checkConfig(c, fail) {
    checkFields(
      c,
      fail,
      ["dModel", "nhead", "numEncoderLayers", "numDecoderLayers", "dimFeedforward", "maxLength"],
      ["normFirst", "tieOutput", "latentAlignment"],
      {
        activation: ["relu", "gelu"],
        positions: POSITION_KINDS,
        crossAttentionValues: CROSS_ATTENTION_VALUES,
      },
      true,
    );
    if (c.layerNormEps !== undefined && !(typeof c.layerNormEps === "number" && c.layerNormEps > 0))
      fail("config.layerNormEps", "a number > 0", c.layerNormEps);
    const defaults = resolveTransformerConfig({ srcVocabSize: 4, tgtVocabSize: 4 });
    const d = (c.dModel as number | undefined) ?? defaults.dModel;
    const h = (c.nhead as number | undefined) ?? defaults.nhead;
    if (d % h !== 0) fail("config.nhead", `a divisor of config.dModel (${d})`, h);
    if (c.kvHeads !== undefined && (!isInt1(c.kvHeads) || h % (c.kvHeads as number) !== 0))
      fail("config.kvHeads", `a divisor of config.nhead (${h})`, c.kvHeads);
    if (c.window !== undefined && c.window !== null && !isInt1(c.window))
      fail("config.window", "an integer ≥ 1 or null", c.window);
    if (c.positions === "rope" && (d / h) % 2 !== 0)
      fail(
        "config.nhead",
        `a divisor of config.dModel (${d}) leaving an even head size (positions "rope")`,
        h,
      );
  },
  build: (config) => new TransformerModel(config),
  owns: (m): m is TransformerModel => m instanceof TransformerModel,
  title(config) {
    const r = resolveTransformerConfig(config);
    return `transformer ${r.numEncoderLayers}×${r.nhead} d${r.dModel}`;
  },
  describe(config) {
    const r = resolveTransformerConfig(config);
    const extra = [
      r.positions !== "sinusoidal" ? `positions ${r.positions}` : "",
      r.kvHeads !== r.nhead ? `kvHeads ${r.kvHeads}` : "",
      r.window !== null ? `window ${r.window}` : "",
    ].filter((x) => x);
    return `transformer dModel ${r.dModel}, ${r.numEncoderLayers}+${r.numDecoderLayers} layers, ff ${r.dimFeedforward}${extra.map((x) => `, ${x}`).join("")}`;
  },
  sizes(config) {
    return TRANSFORMER.describe(config);
  },
  shrink: "--d-model / --ff / --layers",
  scheduleWidth: (config) => resolveTransformerConfig(config).dModel,
  layers: [
    {
      key: "numEncoderLayers",
      name: "encoder",
      perLayer: /^transformer\.encoder\.layers\.\d+\.linear1\.weight$/,
    },
    {
      key: "numDecoderLayers",
      name: "decoder",
      perLayer: /^transformer\.decoder\.layers\.\d+\.linear1\.weight$/,
    },
  ],
  checkTensors(weights, config, file) {
    if (!resolveTransformerConfig(config).tieOutput) return;
    const a = weights["tgt_embed.weight"].data;
    const b = weights["out.weight"].data;
    for (let i = 0; i < a.length; i++) {
      if (a[i] !== b[i] && !(Number.isNaN(a[i]) && Number.isNaN(b[i]))) {
        throw new Error(
          `checkpoint ${file}: meta.config.tieOutput is true but "out.weight" differs from "tgt_embed.weight" at index ${i}`,
        );
      }
    }
  },
};

/** Every kind, by its checkpoint name. */
export const MODEL_KINDS = { seq2seq: SEQ2SEQ, transformer: TRANSFORMER } as const;
/** A checkpoint's `meta.kind`: "seq2seq" or "transformer". */
export type ModelKindName = keyof typeof MODEL_KINDS;
/** Every kind's checkpoint name. */
export const MODEL_KIND_NAMES = Object.keys(MODEL_KINDS) as ModelKindName[];

/** What a checkpoint says about its model: its kind and config. */
export type ModelSpec =
  | { kind: "seq2seq"; config: Seq2SeqConfig }
  | { kind: "transformer"; config: TransformerModelConfig };

/** The entry of a kind name (a checkpoint's `meta.kind`; absent in old files: "seq2seq"). */
export function modelKind(name: string | undefined): ModelKind {
  const k = MODEL_KINDS[(name ?? "seq2seq") as ModelKindName];
  if (!k || !Object.hasOwn(MODEL_KINDS, name ?? "seq2seq")) {
    throw new Error(
      `unknown model kind ${JSON.stringify(name)} (one of ${MODEL_KIND_NAMES.map((n) => `"${n}"`).join(", ")})`,
    );
  }
  return k as unknown as ModelKind;
}

/** The entry of a built model. */
export function kindOf(model: TranslationModel): ModelKind {
  for (const k of Object.values(MODEL_KINDS))
    if ((k as unknown as ModelKind).owns(model)) return k as unknown as ModelKind;
  throw new Error("kindOf: not a qkv translation model");
}

/**
 * True when `model` is of the "transformer" kind: what architecture-specific code asks (its ONNX
 * export, its per-layer and per-head readings) instead of testing classes itself.
 */
export function isTransformer(model: TranslationModel): model is TransformerModel {
  return kindOf(model).name === "transformer";
}

/** The spec (kind + config) of a built model: what its checkpoint records. */
export function specOf(model: TranslationModel): ModelSpec {
  return { kind: kindOf(model).name, config: model.config } as ModelSpec;
}

/** Builds the model a spec describes (freshly initialised from the seeded generator). */
export function buildModel(spec: ModelSpec): TranslationModel {
  return modelKind(spec.kind).build(spec.config);
}

/** The model's parameters and buffers by state-dict name, as shapes: built on the meta device. */
export function parameterShapes(spec: ModelSpec): Record<string, number[]> {
  return onMetaDevice(() => {
    const model = buildModel(spec);
    const out: Record<string, number[]> = Object.create(null);
    for (const [name, t] of Object.entries(model.stateDict())) out[name] = [...t.shape];
    return out;
  });
}

const sizeOf = (shape: readonly number[]) => shape.reduce((a, b) => a * b, 1);

/** Parameter count and largest tensor of a model built on the meta device (distinct tensors, a tied one once). */
function metaCount(spec: ModelSpec): { count: number; largest: number } {
  return onMetaDevice(() => {
    const model = buildModel(spec);
    let count = 0;
    let largest = 0;
    for (const p of model.parameters()) {
      const n = sizeOf(p.shape);
      count += n;
      largest = Math.max(largest, n);
    }
    return { count, largest };
  });
}

/**
 * The exact number of parameters (and the largest one) of the model a spec describes, each stack of
 * repeated layers counted by multiplication, so that no config is too large to ask about.
 */
export function parameterStats(spec: ModelSpec): { count: number; largest: number } {
  const kind = modelKind(spec.kind);
  const config = spec.config as unknown as Record<string, unknown>;
  const resolved = kind.resolve(spec.config as never) as unknown as Record<string, number>;
  const withLayers = (n: Record<string, number>) =>
    ({ kind: spec.kind, config: { ...config, ...n } }) as unknown as ModelSpec;
  const ones = Object.fromEntries(kind.layers.map((s) => [s.key, 1]));
  const base = metaCount(withLayers(ones));
  let count = base.count;
  let largest = base.largest;
  for (const s of kind.layers) {
    const L = resolved[s.key];
    if (L <= 1) continue;
    const two = metaCount(withLayers({ ...ones, [s.key]: 2 }));
    count += (L - 1) * (two.count - base.count);
    largest = Math.max(largest, two.largest);
  }
  return { count, largest };
}

/** The exact number of parameters of the model a spec describes. */
export function parameterCount(spec: ModelSpec): number {
  return parameterStats(spec).count;
}

const fmtShape = (s: readonly number[]) => `[${s.join(", ")}]`;

/**
 * Throws unless `weights` holds exactly the tensors the spec's model saves, each of the right shape
 * (and whatever the kind checks beyond shapes) — checked before a model is built from a file.
 */
export function checkWeights(spec: ModelSpec, weights: Record<string, Tensor>, file: string): void {
  const kind = modelKind(spec.kind);
  const resolved = kind.resolve(spec.config as never) as unknown as Record<string, number>;
  for (const s of kind.layers) {
    const found = Object.keys(weights).filter((k) => s.perLayer.test(k)).length;
    if (found !== resolved[s.key]) {
      throw new Error(
        `checkpoint ${file}: meta.config.${s.key} is ${resolved[s.key]} but the weights hold ${found} ${s.name} layers`,
      );
    }
  }
  const want = parameterShapes(spec);
  const head = `checkpoint ${file}: the weights do not match meta.config (${kind.describe(spec.config as never)})`;
  for (const [name, shape] of Object.entries(want)) {
    const t = weights[name];
    if (!t) throw new Error(`${head}: weight "${name}" ${fmtShape(shape)} is missing`);
    if (t.shape.length !== shape.length || t.shape.some((d, i) => d !== shape[i])) {
      throw new Error(
        `${head}: weight "${name}" has shape ${fmtShape(t.shape)}, the config needs ${fmtShape(shape)}`,
      );
    }
  }
  const extra = Object.keys(weights).filter((k) => !(k in want));
  if (extra.length) {
    // At most 20 names (10⁶ unexpected names made a 10.9 MB message); the rest counted.
    const shown = extra.slice(0, 20).map((k) => JSON.stringify(k.length > 100 ? `${k.slice(0, 100)}…` : k));
    const more = extra.length > 20 ? ` and ${extra.length - 20} more` : "";
    throw new Error(`${head}: unexpected weights ${shown.join(", ")}${more}`);
  }
  kind.checkTensors?.(weights, spec.config as never, file);
}

/** Largest tensor allocated in one piece (4 GiB of float32). */
export const MAX_TENSOR_ELEMENTS = 2 ** 30;

const gib = (bytes: number) => `${(bytes / 2 ** 30).toFixed(bytes < 2 ** 30 ? 2 : 1)} GiB`;

/**
 * Throws before allocation when the model cannot be built: `copies` float32 values per parameter (1
 * for inference; 4 for training: weights, gradients and Adam's two moments) must fit in `memoryBytes`,
 * and no single tensor may exceed `MAX_TENSOR_ELEMENTS`. `fn` and `what` start the message.
 */
export function checkFits(
  spec: ModelSpec,
  fn: string,
  copies: number,
  what: string,
  memoryBytes: number,
): void {
  const kind = modelKind(spec.kind);
  const { count, largest } = parameterStats(spec);
  const bytes = count * 4 * copies;
  if (largest <= MAX_TENSOR_ELEMENTS && bytes <= memoryBytes && Number.isFinite(bytes)) return;
  const c = spec.config;
  throw new Error(
    `${fn}: ${what} (${kind.sizes(c as never)}, vocabularies ${c.srcVocabSize}/${c.tgtVocabSize}) ` +
      `has ${count.toExponential(2)} parameters and would need ${gib(bytes)} ` +
      `(${copies === 1 ? "weights" : "weights, gradients and Adam moments"}; largest tensor ${gib(largest * 4)}), ` +
      `but this machine has ${gib(memoryBytes)}${largest > MAX_TENSOR_ELEMENTS ? ` and one tensor may hold at most ${gib(MAX_TENSOR_ELEMENTS * 4)}` : ""}; ` +
      `choose smaller ${kind.shrink}`,
  );
}
