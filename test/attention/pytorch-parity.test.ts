/**
 * Values and gradients of every score, mask kind, scaled dot-product attention (incl. grouped-query
 * heads) and MultiHeadAttention against PyTorch fixtures (scripts/make_fixtures.py, torch in float64).
 * Tolerance: 1e-5 relative + 1e-6 absolute. Runs on every kernel backend.
 */
import { afterAll, describe, expect, it } from "vitest";
import {
  type AttentionMask,
  additiveMask,
  attend,
  causalMask,
  combineMasks,
  fromTorchAttnMask,
  fromTorchKeyPaddingMask,
  maskFromAllowed,
  multiHeadAttentionForward,
  paddingMask,
  scaledDotProductAttention,
} from "../../src/attention/index.js";
import {
  additive,
  concat,
  dot,
  general,
  location,
  type Score,
  scaledDot,
} from "../../src/attention/scores.js";
import { withBackend } from "../../src/kernels/registry.js";
import { MultiHeadAttention } from "../../src/nn/index.js";
import { mul, sum, type Tensor, tensor } from "../../src/tensor/index.js";
import { loadTestBackends } from "../helpers/backends.js";
import {
  type AttendCase,
  expectClose,
  loadFixtures,
  type MaskSpec,
  type MhaCase,
  type SdpaCase,
  type TensorData,
} from "../helpers/fixtures.js";

const backends = await loadTestBackends();
/** Largest |a − e| seen, and the largest |a − e| / (atol + rtol·|e|) (1 = at the tolerance). */
const worst = { abs: 0, where: "", ratio: 0, ratioWhere: "" };

function t(d: TensorData, requiresGrad = false): Tensor {
  return tensor(Float32Array.from(d.data), d.shape, { requiresGrad });
}

function maskOf(spec: MaskSpec | null): AttentionMask | null {
  if (!spec) return null;
  switch (spec.kind) {
    case "padding":
      return paddingMask(spec.lengths);
    case "causal":
      return causalMask();
    case "allowed":
      return maskFromAllowed(t(spec.allowed));
    case "bias":
      return additiveMask(t(spec.bias));
    case "combined":
      return combineMasks(...spec.parts.map(maskOf));
  }
}

function check(label: string, actual: Tensor | null, expected: TensorData | null): void {
  if (expected === null) {
    expect(actual).toBeNull();
    return;
  }
  if (actual === null) {
    // No gradient flowed (e.g. keys of a location score): PyTorch's must be zero.
    expect(
      expected.data.every((v) => v === 0),
      `${label}: expected a zero gradient`,
    ).toBe(true);
    return;
  }
  expect([...actual.shape], `${label} shape`).toEqual(expected.shape);
  const r = expectClose(actual.data, expected, { rtol: 1e-5, atol: 1e-6, label });
  if (r.maxAbs > worst.abs) Object.assign(worst, { abs: r.maxAbs, where: label });
  expected.data.forEach((e, i) => {
    const ratio = Math.abs(actual.data[i] - e) / (1e-6 + 1e-5 * Math.abs(e));
    if (ratio > worst.ratio) Object.assign(worst, { ratio, ratioWhere: label });
  });
}

/** loss = Σ output ⊙ R_out + Σ weights ⊙ R_w, as in the fixture script. */
function lossOf(
  c: { loss: { output: TensorData; weights: TensorData | null } },
  out: Tensor,
  w: Tensor | null,
) {
  let loss = sum(mul(out, t(c.loss.output)));
  if (w && c.loss.weights) loss = loss.add(sum(mul(w, t(c.loss.weights))));
  return loss;
}

function scoreOf(c: AttendCase, p: Record<string, Tensor>): Score {
  switch (c.config.score) {
    case "dot":
      return dot();
    case "scaledDot":
      return scaledDot(c.config.scale);
    case "general":
      return general({ weight: p.W });
    case "concat":
      return concat({ weight: p.W, v: p.v });
    case "additive":
      return additive({ wQuery: p.W1, wKey: p.W2, v: p.v, bias: p.b });
    case "location":
      return location({ weight: p.W });
  }
}

afterAll(() => {
  console.log(
    `PyTorch parity: largest abs error ${worst.abs.toExponential(2)} (${worst.where}); ` +
      `largest error as a fraction of the tolerance 1e-6 + 1e-5·|e|: ${worst.ratio.toFixed(3)} (${worst.ratioWhere})`,
  );
});

describe.each(backends)("PyTorch parity on the $name backend", (backend) => {
  describe("attend: every score and mask kind", () => {
    for (const c of loadFixtures("attend").cases) {
      it(c.name, () =>
        withBackend(backend, () => {
          const inputs = Object.fromEntries(Object.entries(c.inputs).map(([k, v]) => [k, t(v, true)]));
          const params = Object.fromEntries(Object.entries(c.params).map(([k, v]) => [k, t(v, true)]));
          const r = attend(inputs.query, inputs.keys, inputs.values, {
            score: scoreOf(c, params),
            mask: maskOf(c.mask),
          });
          check(`${c.name}.output`, r.output, c.expected.output);
          check(`${c.name}.weights`, r.weights, c.expected.weights);
          lossOf(c, r.output, r.weights).backward();
          const all = { ...inputs, ...params };
          for (const [name, g] of Object.entries(c.grads)) check(`${c.name}.grad.${name}`, all[name].grad, g);
        }),
      );
    }
  });

  describe("scaledDotProductAttention (mask, causal, scale, grouped-query heads)", () => {
    for (const c of loadFixtures("sdpa").cases as SdpaCase[]) {
      it(c.name, () =>
        withBackend(backend, () => {
          const q = t(c.inputs.query, true);
          const k = t(c.inputs.key, true);
          const v = t(c.inputs.value, true);
          const r = scaledDotProductAttention(q, k, v, {
            mask: maskOf(c.mask),
            causal: c.config.causal,
            scale: c.config.scale ?? undefined,
          });
          check(`${c.name}.output`, r.output, c.expected.output);
          check(`${c.name}.weights`, r.weights, c.expected.weights);
          lossOf(c, r.output, r.weights).backward();
          check(`${c.name}.grad.query`, q.grad, c.grads.query);
          check(`${c.name}.grad.key`, k.grad, c.grads.key);
          check(`${c.name}.grad.value`, v.grad, c.grads.value);
        }),
      );
    }
  });

  describe("multiHeadAttentionForward (the functional core: weights as arguments)", () => {
    for (const c of loadFixtures("mha").cases as MhaCase[]) {
      it(c.name, () =>
        withBackend(backend, () => {
          const cfg = c.config;
          const p = Object.fromEntries(Object.entries(c.params).map(([k, v]) => [k, t(v, true)]));
          const q = t(c.inputs.query, true);
          const k = cfg.self ? q : t(c.inputs.key, true);
          const v = cfg.self ? q : t(c.inputs.value, true);
          const tm = c.torch_masks;
          const r = multiHeadAttentionForward(q, k, v, {
            numHeads: cfg.numHeads,
            batchFirst: cfg.batchFirst,
            inProjWeight: p.in_proj_weight,
            qProjWeight: p.q_proj_weight,
            kProjWeight: p.k_proj_weight,
            vProjWeight: p.v_proj_weight,
            inProjBias: p.in_proj_bias,
            outProjWeight: p["out_proj.weight"],
            outProjBias: p["out_proj.bias"],
            keyPaddingMask: tm.key_padding_mask ? fromTorchKeyPaddingMask(t(tm.key_padding_mask)) : null,
            attnMask: tm.attn_mask ? fromTorchAttnMask(t(tm.attn_mask), tm.attn_mask.dtype) : null,
            needWeights: cfg.needWeights,
            averageWeights: cfg.averageWeights,
          });
          check(`${c.name}.output`, r.output, c.expected.output);
          check(`${c.name}.weights`, r.weights, c.expected.weights);
          lossOf(c, r.output, r.weights).backward();
          check(`${c.name}.grad.query`, q.grad, c.grads.query);
          for (const name of Object.keys(c.params))
            check(`${c.name}.grad.${name}`, p[name].grad, c.grads[name]);
        }),
      );
    }
  });

  describe("MultiHeadAttention (PyTorch names, masks, layouts, weights)", () => {
    for (const c of loadFixtures("mha").cases as MhaCase[]) {
      it(c.name, () =>
        withBackend(backend, () => {
          const cfg = c.config;
          const mha = new MultiHeadAttention({
            embedDim: cfg.embedDim,
            numHeads: cfg.numHeads,
            kdim: cfg.kdim,
            vdim: cfg.vdim,
            bias: cfg.bias,
            batchFirst: cfg.batchFirst,
          });
          mha.loadStateDict(Object.fromEntries(Object.entries(c.params).map(([k, v]) => [k, t(v)])));
          expect(Object.keys(mha.stateDict()).sort()).toEqual(Object.keys(c.params).sort());
          const q = t(c.inputs.query, true);
          const k = cfg.self ? q : t(c.inputs.key, true);
          const v = cfg.self ? q : t(c.inputs.value, true);
          const tm = c.torch_masks;
          const r = mha.forward(q, k, v, {
            keyPaddingMask: tm.key_padding_mask ? fromTorchKeyPaddingMask(t(tm.key_padding_mask)) : null,
            attnMask: tm.attn_mask ? fromTorchAttnMask(t(tm.attn_mask), tm.attn_mask.dtype) : null,
            needWeights: cfg.needWeights,
            averageWeights: cfg.averageWeights,
          });
          check(`${c.name}.output`, r.output, c.expected.output);
          check(`${c.name}.weights`, r.weights, c.expected.weights);
          lossOf(c, r.output, r.weights).backward();
          check(`${c.name}.grad.query`, q.grad, c.grads.query);
          if (!cfg.self) {
            check(`${c.name}.grad.key`, k.grad, c.grads.key);
            check(`${c.name}.grad.value`, v.grad, c.grads.value);
          }
          // The module's parameters (stateDict() returns copies, as a snapshot).
          const sd = Object.fromEntries(mha.namedParameters());
          for (const name of Object.keys(c.params))
            check(`${c.name}.grad.${name}`, sd[name].grad, c.grads[name]);
        }),
      );
    }
  });
});
