/**
 * PyTorch reference fixtures for src/nn, written by `scripts/make_nn_fixtures.py` into test/fixtures/nn.
 *
 * Every input and parameter was drawn in float32 and everything was computed in float64. A case with
 * outputs o_k defines the scalar loss L = Σ_k sum(o_k ⊙ loss[k]); `grads` holds dL/d(every float input
 * and parameter). Integer inputs (ids, targets) are under `indices`.
 */
import { readFileSync } from "node:fs";
import { expect } from "vitest";
import { mul, sum, Tensor, tensor } from "../../src/tensor/index.js";
import { expectClose, type TensorData } from "../helpers/fixtures.js";

export type { TensorData };

export interface IntData {
  shape: number[];
  data: number[];
}

export interface NnCase<Op extends string = string, Config = Record<string, unknown>> {
  name: string;
  op: Op;
  config: Config;
  inputs: Record<string, TensorData>;
  indices: Record<string, IntData>;
  /** PyTorch state_dict names. */
  params: Record<string, TensorData>;
  loss: Record<string, TensorData>;
  expected: Record<string, TensorData>;
  grads: Record<string, TensorData>;
}

export interface LstmConfig {
  inputSize: number;
  hiddenSize: number;
  numLayers: number;
  bidirectional: boolean;
  batchFirst: boolean;
  bias: boolean;
  /** Per-example lengths (PyTorch: pack_padded_sequence(enforce_sorted=False), padded back to T). */
  lengths: number[] | null;
}

export interface OptimCase {
  name: string;
  op: "optim";
  optimizer: "SGD" | "Adam" | "AdamW";
  /** qkv option names (lr, momentum, dampening, nesterov, weightDecay, betas, eps, amsgrad, maximize). */
  options: Record<string, number | boolean | number[]>;
  /** Two groups: [W] with the options, [b] with lr × 10. */
  groups: boolean;
  /** clipGradNorm(maxNorm) before each step. */
  clip: number | null;
  scheduler: { kind: "StepLR"; stepSize: number; gamma: number } | null;
  /** Model y = X Wᵀ + b, loss mean((y − Y)²). */
  data: { X: TensorData; Y: TensorData };
  init: { W: TensorData; b: TensorData };
  /** Loss before each step. */
  losses: number[];
  clipNorms: number[] | null;
  /** Parameters after each step. */
  trajectory: { W: TensorData; b: TensorData }[];
}

export interface ScheduleCase {
  name: string;
  op: "schedule";
  scheduler: "StepLR" | "ExponentialLR" | "CosineAnnealingLR" | "NoamLR" | "ReduceLROnPlateau";
  options: Record<string, number | string>;
  /** Base lr of the SGD optimizer. */
  lr: number;
  /** ReduceLROnPlateau: the metric passed to step() after each epoch. */
  metrics: number[] | null;
  /** lr during each epoch (before step). */
  lrs: number[];
}

interface FixtureFile<C> {
  generator: string;
  torch: string;
  cases: C[];
}

export interface NnFixtures {
  lstm: NnCase;
  layers: NnCase;
  losses: NnCase;
  optim: OptimCase | ScheduleCase;
  /** scripts/make_transformer_fixtures.py */
  transformer: NnCase;
}

const cache = new Map<string, unknown>();

/** Reads test/fixtures/nn/<file>.json (parsed once per process). */
export function loadNnFixtures<F extends keyof NnFixtures>(file: F): NnFixtures[F][] {
  let doc = cache.get(file) as FixtureFile<NnFixtures[F]> | undefined;
  if (!doc) {
    const url = new URL(`../fixtures/nn/${file}.json`, import.meta.url);
    let text: string;
    try {
      text = readFileSync(url, "utf8");
    } catch (err) {
      throw new Error(
        `fixture file ${url.pathname} could not be read (regenerate with npm run fixtures): ${String(err)}`,
      );
    }
    doc = JSON.parse(text) as FixtureFile<NnFixtures[F]>;
    cache.set(file, doc);
  }
  return doc.cases;
}

/** A float32 tensor from fixture data. */
export function t(d: TensorData, requiresGrad = false): Tensor {
  return tensor(Float32Array.from(d.data), d.shape, { requiresGrad });
}

/** The largest error seen by `check`, absolute and as a fraction of the tolerance (1 = at the limit). */
export const worst = { abs: 0, where: "", ratio: 0, ratioWhere: "" };

export const RTOL = 1e-5;
export const ATOL = 1e-6;

/** Compares a tensor (or plain numbers) with fixture data at 1e-5 rel + 1e-6 abs, recording the worst error. */
export function check(
  label: string,
  actual: Tensor | Float32Array | readonly number[] | null,
  expected: TensorData,
  { rtol = RTOL, atol = ATOL } = {},
): void {
  if (actual === null) {
    expect(
      expected.data.every((v) => v === 0),
      `${label}: no gradient flowed, so PyTorch's must be zero`,
    ).toBe(true);
    return;
  }
  let data: Float32Array | readonly number[];
  if (actual instanceof Tensor) {
    expect([...actual.shape], `${label} shape`).toEqual(expected.shape);
    data = actual.data;
  } else {
    data = actual;
  }
  const r = expectClose(data, expected, { rtol, atol, label });
  if (r.maxAbs > worst.abs) Object.assign(worst, { abs: r.maxAbs, where: label });
  expected.data.forEach((e, i) => {
    const ratio = Math.abs(data[i] - e) / (atol + rtol * Math.abs(e));
    if (ratio > worst.ratio) Object.assign(worst, { ratio, ratioWhere: label });
  });
}

/** L = Σ_k sum(outputs[k] ⊙ loss[k]). */
export function fixtureLoss(
  c: { loss: Record<string, TensorData> },
  outputs: Record<string, Tensor>,
): Tensor {
  let total: Tensor | null = null;
  for (const [k, r] of Object.entries(c.loss)) {
    const out = outputs[k];
    if (!out) throw new Error(`fixtureLoss: no output named "${k}"`);
    const term = sum(mul(out, t(r)));
    total = total ? total.add(term) : term;
  }
  if (!total) throw new Error("fixtureLoss: the case has no loss weights");
  return total;
}

export function reportWorst(what: string): void {
  console.log(
    `${what}: largest abs error ${worst.abs.toExponential(2)} (${worst.where}); ` +
      `largest error as a fraction of the tolerance 1e-6 + 1e-5·|e|: ${worst.ratio.toFixed(3)} (${worst.ratioWhere})`,
  );
}
