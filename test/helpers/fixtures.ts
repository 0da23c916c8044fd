import { readFileSync } from "node:fs";

/**
 * PyTorch reference fixtures written by `scripts/make_fixtures.py` (run `npm run fixtures`).
 *
 * Every input was drawn in float32 and everything was computed in float64, so `expected` and `grads`
 * are exact references. Each case defines the scalar loss
 *   L = sum(output * loss.output) + sum(weights * loss.weights)
 * (the second term only when `loss.weights` is not null) and `grads` holds dL/d(input or parameter).
 */

/** A tensor as stored in the JSON: shape plus flat row-major data. */
export interface TensorData {
  shape: number[];
  data: number[];
}

/** qkv's mask convention: a mask says which keys are ALLOWED (allowed → +0, disallowed → −∞). */
export type MaskSpec =
  /** key j of batch b allowed iff j < lengths[b]; broadcast over queries (and heads). */
  | { kind: "padding"; lengths: number[] }
  /** allowed iff j <= i (top-left aligned: tril of a (T, S) ones matrix). */
  | { kind: "causal" }
  /** (T, S) of 0/1, 1 = allowed. */
  | { kind: "allowed"; allowed: TensorData }
  /** float added to the scores, broadcastable: (T, S) or (B, T, S). */
  | { kind: "bias"; bias: TensorData }
  /** sum of the parts' biases. */
  | { kind: "combined"; parts: MaskSpec[] };

export interface FixtureCase<Op extends string, Config> {
  name: string;
  op: Op;
  config: Config;
  inputs: Record<string, TensorData>;
  params: Record<string, TensorData>;
  mask: MaskSpec | null;
  /** The loss weights R_out and R_w. */
  loss: { output: TensorData; weights: TensorData | null };
  expected: { output: TensorData; weights: TensorData | null };
  grads: Record<string, TensorData>;
}

export type AttendScore = "dot" | "scaledDot" | "general" | "concat" | "additive" | "location";

export interface AttendConfig {
  score: AttendScore;
  /** Only for "scaledDot"; absent means 1 / sqrt(Dk). */
  scale?: number;
}

/**
 * inputs: query (B,T,Dq) | (T,Dq), keys (B,S,Dk) | (S,Dk), values (B,S,Dv) | (S,Dv).
 * params by score: general {W (Dq,Dk)}; concat {W (A,Dq+Dk), v (A)}; additive {W1 (A,Dq), W2 (A,Dk), v (A), b? (A)};
 * location {W (S,Dq)}. grads: query, keys, values and every param.
 */
export type AttendCase = FixtureCase<"attend", AttendConfig>;

export interface SdpaConfig {
  /** null means 1 / sqrt(D). */
  scale: number | null;
  causal: boolean;
}

/**
 * inputs: query (B,Hq,T,D), key (B,Hk,S,D), value (B,Hk,S,Dv); query head h uses kv head floor(h / (Hq/Hk)).
 * output (B,Hq,T,Dv), weights (B,Hq,T,S). grads: query, key, value.
 */
export type SdpaCase = FixtureCase<"sdpa", SdpaConfig>;

export interface MhaConfig {
  embedDim: number;
  numHeads: number;
  kdim: number;
  vdim: number;
  bias: boolean;
  batchFirst: boolean;
  needWeights: boolean;
  averageWeights: boolean;
  /** One tensor x passed as query, key and value; stored only as inputs.query (grad under "query"). */
  self: boolean;
  /** torch.manual_seed used before constructing the module. */
  seed?: number;
}

/** PyTorch's own mask arguments for nn.MultiheadAttention. */
export interface MhaTorchMasks {
  /** (B, S) of 0/1, 1 = IGNORE that key. */
  key_padding_mask: TensorData | null;
  /** bool: 1 = NOT allowed; float: added to the scores. */
  attn_mask: (TensorData & { dtype: "bool" | "float" }) | null;
}

/**
 * params use PyTorch's state_dict names: in_proj_weight (or q_proj_weight / k_proj_weight / v_proj_weight when
 * kdim/vdim differ from embedDim), in_proj_bias, out_proj.weight, out_proj.bias (biases only when bias = true).
 * Inputs are (B,T,E) when batchFirst, else (T,B,E); weights are (B,T,S) averaged or (B,H,T,S) per head.
 * `mask` is always null: masks are in `torch_masks`.
 */
export interface MhaCase extends FixtureCase<"mha", MhaConfig> {
  torch_masks: MhaTorchMasks;
}

export interface FixtureFile<C> {
  generator: string;
  torch: string;
  cases: C[];
}

export interface FixtureCases {
  attend: AttendCase;
  sdpa: SdpaCase;
  mha: MhaCase;
}

export type FixtureName = keyof FixtureCases;

const cache = new Map<FixtureName, FixtureFile<unknown>>();

/** Reads test/fixtures/attention/<file>.json (parsed once per process). */
export function loadFixtures<F extends FixtureName>(file: F): FixtureFile<FixtureCases[F]> {
  let doc = cache.get(file);
  if (!doc) {
    const url = new URL(`../fixtures/attention/${file}.json`, import.meta.url);
    let text: string;
    try {
      text = readFileSync(url, "utf8");
    } catch (err) {
      throw new Error(
        `fixture file ${url.pathname} could not be read (regenerate with \`npm run fixtures\`): ${String(err)}`,
      );
    }
    doc = JSON.parse(text) as FixtureFile<unknown>;
    cache.set(file, doc);
  }
  return doc as FixtureFile<FixtureCases[F]>;
}

/** Case `name` of fixture file `file`; throws when absent. */
export function getCase<F extends FixtureName>(file: F, name: string): FixtureCases[F] {
  const found = loadFixtures(file).cases.find((c) => (c as { name: string }).name === name);
  if (!found) throw new Error(`fixture ${file}.json has no case named "${name}"`);
  return found;
}

export function numel(shape: readonly number[]): number {
  return shape.reduce((a, b) => a * b, 1);
}

function coords(index: number, shape: readonly number[]): string {
  const out: number[] = new Array(shape.length);
  let rest = index;
  for (let d = shape.length - 1; d >= 0; d--) {
    out[d] = rest % shape[d];
    rest = Math.floor(rest / shape[d]);
  }
  return `[${out.join(", ")}]`;
}

export interface CloseOptions {
  rtol?: number;
  atol?: number;
  label?: string;
}

export interface CloseReport {
  /** Largest |actual - expected|. */
  maxAbs: number;
  /** Largest |actual - expected| / |expected| over elements with expected != 0. */
  maxRel: number;
}

/**
 * Checks |a - e| <= atol + rtol * |e| element-wise (NaN never passes). Throws a descriptive Error naming the
 * label, the first failing index (flat and as coordinates), the values and the max abs/rel errors; otherwise
 * returns the largest errors so a test can report them.
 */
export function expectClose(
  actual: Float32Array | Float64Array | readonly number[],
  expected: TensorData,
  { rtol = 1e-5, atol = 1e-6, label = "tensor" }: CloseOptions = {},
): CloseReport {
  const n = numel(expected.shape);
  if (expected.data.length !== n) {
    throw new Error(
      `${label}: fixture data has ${expected.data.length} values but shape [${expected.shape.join(", ")}] needs ${n}`,
    );
  }
  if (actual.length !== n) {
    throw new Error(
      `${label}: got ${actual.length} values, expected ${n} (shape [${expected.shape.join(", ")}])`,
    );
  }
  let maxAbs = 0;
  let maxRel = 0;
  let firstBad = -1;
  let badCount = 0;
  for (let i = 0; i < n; i++) {
    const a = actual[i];
    const e = expected.data[i];
    const diff = Math.abs(a - e);
    if (!(diff <= atol + rtol * Math.abs(e))) {
      if (firstBad < 0) firstBad = i;
      badCount++;
    }
    if (Number.isNaN(diff)) {
      maxAbs = Number.NaN;
      maxRel = Number.NaN;
      continue;
    }
    if (diff > maxAbs) maxAbs = diff;
    if (e !== 0) {
      const rel = diff / Math.abs(e);
      if (rel > maxRel) maxRel = rel;
    }
  }
  if (firstBad >= 0) {
    const a = actual[firstBad];
    const e = expected.data[firstBad];
    throw new Error(
      `${label}: ${badCount} of ${n} values differ (rtol=${rtol}, atol=${atol}); first at index ${firstBad} ` +
        `${coords(firstBad, expected.shape)} of shape [${expected.shape.join(", ")}]: actual ${a}, expected ${e}, ` +
        `|diff| ${Math.abs(a - e)}; max abs error ${maxAbs}, max rel error ${maxRel}`,
    );
  }
  return { maxAbs, maxRel };
}
