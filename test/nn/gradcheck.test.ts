/**
 * Finite-difference gradient checks in float32 (independent of PyTorch): central differences of
 * L = Σ out ⊙ R (accumulated in float64) against autograd, on a sample of coordinates of every input
 * and parameter. Step 1e-2; tolerance 5e-4 absolute + 5e-3 relative (float32 rounding of the outputs
 * divided by the step, plus the O(h²) truncation error).
 */
import { afterAll, expect, it } from "vitest";
import { crossEntropy, LayerNorm, LSTM, LSTMCell, layerNorm } from "../../src/nn/index.js";
import {
  concat,
  createRng,
  manualSeed,
  mul,
  noGrad,
  randn,
  sum,
  type Tensor,
} from "../../src/tensor/index.js";
import { describeOnEveryBackend } from "../helpers/on-backend.js";

const STEP = 1e-2;
const ATOL = 5e-4;
const RTOL = 5e-3;

/** Flattens and concatenates tensors (keeping the graph) into one vector. */
function flatConcat(ts: Tensor[]): Tensor {
  return concat(
    ts.map((t) => t.reshape([-1])),
    0,
  );
}

interface Leaf {
  name: string;
  tensor: Tensor;
}

/** Checks autograd against central differences; returns the largest |fd − autograd|. */
function gradcheck(run: () => Tensor, leaves: Leaf[], samples = 10): number {
  const out0 = run();
  const rng = createRng(11);
  const R = randn(out0.shape); // fixed loss weights
  const lossValue = (): number =>
    noGrad(() => {
      const o = run().data;
      let s = 0;
      for (let i = 0; i < o.length; i++) s += o[i] * R.data[i];
      return s;
    });
  for (const { tensor } of leaves) tensor.zeroGrad();
  sum(mul(run(), R)).backward();
  let worst = 0;
  for (const { name, tensor } of leaves) {
    const g = tensor.grad;
    expect(g, `${name}: no gradient`).not.toBeNull();
    const n = tensor.size;
    const picks =
      n <= samples ? [...Array(n).keys()] : Array.from({ length: samples }, () => Math.floor(rng() * n));
    for (const i of picks) {
      const orig = tensor.data[i];
      tensor.data[i] = orig + STEP;
      const xPlus = tensor.data[i];
      const lPlus = lossValue();
      tensor.data[i] = orig - STEP;
      const xMinus = tensor.data[i];
      const lMinus = lossValue();
      tensor.data[i] = orig;
      const fd = (lPlus - lMinus) / (xPlus - xMinus);
      const an = g!.data[i];
      const err = Math.abs(fd - an);
      worst = Math.max(worst, err);
      worstOverall = Math.max(worstOverall, err);
      expect(err, `${name}[${i}]: finite difference ${fd}, autograd ${an}`).toBeLessThanOrEqual(
        ATOL + RTOL * Math.abs(fd),
      );
    }
  }
  return worst;
}

let worstOverall = 0;
afterAll(() => console.log(`finite differences: largest |fd − autograd| ${worstOverall.toExponential(2)}`));

describeOnEveryBackend("finite-difference gradient checks (float32)", () => {
  it("LSTM: 2 layers, bidirectional, batch first, initial state, per-example lengths", () => {
    manualSeed(21);
    const lstm = new LSTM({
      inputSize: 3,
      hiddenSize: 4,
      numLayers: 2,
      bidirectional: true,
      batchFirst: true,
    });
    const x = randn([3, 6, 3], 1, 0, { requiresGrad: true });
    const h0 = randn([4, 3, 4], 0.5, 0, { requiresGrad: true });
    const c0 = randn([4, 3, 4], 0.5, 0, { requiresGrad: true });
    const lengths = [6, 2, 4];
    const leaves: Leaf[] = [
      { name: "x", tensor: x },
      { name: "h0", tensor: h0 },
      { name: "c0", tensor: c0 },
      ...lstm.namedParameters().map(([name, tensor]) => ({ name, tensor })),
    ];
    const run = () => {
      const r = lstm.forward(x, { h: h0, c: c0 }, { lengths });
      return flatConcat([r.output, r.h, r.c]); // all three outputs in one vector
    };
    gradcheck(run, leaves, 8);
  });

  it("LSTMCell", () => {
    manualSeed(22);
    const cell = new LSTMCell({ inputSize: 3, hiddenSize: 5 });
    const x = randn([2, 3], 1, 0, { requiresGrad: true });
    const h = randn([2, 5], 1, 0, { requiresGrad: true });
    const c = randn([2, 5], 1, 0, { requiresGrad: true });
    const leaves: Leaf[] = [
      { name: "x", tensor: x },
      { name: "h", tensor: h },
      { name: "c", tensor: c },
      ...cell.namedParameters().map(([name, tensor]) => ({ name, tensor })),
    ];
    gradcheck(() => {
      const r = cell.forward(x, { h, c });
      return flatConcat([r.h, r.c]);
    }, leaves);
  });

  it("LayerNorm over the last two dims with affine parameters", () => {
    manualSeed(23);
    const ln = new LayerNorm([3, 4]);
    ln.weight!.data.set(randn([3, 4]).data);
    ln.bias!.data.set(randn([3, 4]).data);
    const x = randn([2, 3, 4], 2, 0.3, { requiresGrad: true });
    const leaves: Leaf[] = [
      { name: "x", tensor: x },
      { name: "weight", tensor: ln.weight! },
      { name: "bias", tensor: ln.bias! },
    ];
    gradcheck(() => ln.forward(x), leaves, 24);
  });

  it("functional layerNorm without affine", () => {
    manualSeed(24);
    const x = randn([4, 5], 1, 0, { requiresGrad: true });
    gradcheck(() => layerNorm(x, [5]), [{ name: "x", tensor: x }], 20);
  });

  it("crossEntropy with label smoothing and ignored rows", () => {
    manualSeed(25);
    const logits = randn([2, 3, 5], 2, 0, { requiresGrad: true });
    gradcheck(
      () => crossEntropy(logits, [1, 4, -100, 0, 2, 2], { labelSmoothing: 0.1, reduction: "none" }),
      [{ name: "logits", tensor: logits }],
      30,
    );
  });
});
