/**
 * Values and gradients of LSTM, LSTMCell, Linear, Embedding, LayerNorm and the losses against PyTorch
 * fixtures (scripts/make_nn_fixtures.py, torch in float64 from float32 inputs). Tolerance: 1e-5
 * relative + 1e-6 absolute, on every kernel backend. Parameters are loaded by their PyTorch
 * state-dict names, so this also checks the names.
 */
import { afterAll, describe, expect, it } from "vitest";
import { withBackend } from "../../src/kernels/registry.js";
import {
  crossEntropy,
  Embedding,
  LayerNorm,
  Linear,
  LSTM,
  LSTMCell,
  type Module,
  mseLoss,
  nllLoss,
  type Reduction,
} from "../../src/nn/index.js";
import { logSoftmax, type Tensor } from "../../src/tensor/index.js";
import { loadTestBackends } from "../helpers/backends.js";
import {
  check,
  fixtureLoss,
  type LstmConfig,
  loadNnFixtures,
  type NnCase,
  reportWorst,
  t,
} from "./helpers.js";

const backends = await loadTestBackends();

afterAll(() => reportWorst("nn PyTorch parity"));

/** Loads the case's parameters by name (strict: the names must be exactly PyTorch's). */
function load(m: Module, c: NnCase): void {
  m.loadStateDict(Object.fromEntries(Object.entries(c.params).map(([k, v]) => [k, t(v)])));
  expect(Object.keys(m.stateDict())).toEqual(Object.keys(c.params));
}

/** Checks outputs, back-propagates the fixture loss and checks every input and parameter gradient. */
function checkCase(
  c: NnCase,
  m: Module | null,
  inputs: Record<string, Tensor>,
  outputs: Record<string, Tensor>,
) {
  for (const [k, e] of Object.entries(c.expected)) check(`${c.name}.${k}`, outputs[k], e);
  fixtureLoss(c, outputs).backward();
  const params = m ? Object.fromEntries(m.namedParameters()) : {};
  for (const [k, g] of Object.entries(c.grads)) {
    const leaf = inputs[k] ?? params[k];
    expect(leaf, `${c.name}: no input or parameter "${k}"`).toBeDefined();
    check(`${c.name}.grad.${k}`, leaf.grad, g);
  }
}

function inputsOf(c: NnCase): Record<string, Tensor> {
  return Object.fromEntries(Object.entries(c.inputs).map(([k, v]) => [k, t(v, true)]));
}

describe.each(backends)("nn vs PyTorch on the $name backend", (backend) => {
  describe("LSTM and LSTMCell", () => {
    for (const c of loadNnFixtures("lstm")) {
      it(c.name, () =>
        withBackend(backend, () => {
          const inputs = inputsOf(c);
          const state = inputs.h0 ? { h: inputs.h0, c: inputs.c0 } : null;
          if (c.op === "lstm") {
            const cfg = c.config as unknown as LstmConfig;
            const lstm = new LSTM(cfg);
            load(lstm, c);
            const r = lstm.forward(inputs.x, state, { lengths: cfg.lengths });
            checkCase(c, lstm, inputs, { output: r.output, h: r.h, c: r.c });
          } else {
            const cfg = c.config as { inputSize: number; hiddenSize: number; bias: boolean };
            const cell = new LSTMCell(cfg);
            load(cell, c);
            const r = cell.forward(inputs.x, state);
            checkCase(c, cell, inputs, { h: r.h, c: r.c });
          }
        }),
      );
    }
  });

  describe("Linear, Embedding, LayerNorm", () => {
    for (const c of loadNnFixtures("layers")) {
      it(c.name, () =>
        withBackend(backend, () => {
          const inputs = inputsOf(c);
          const cfg = c.config as Record<string, never>;
          let m: Module;
          let out: Tensor;
          if (c.op === "linear") {
            const l = new Linear(cfg.inFeatures, cfg.outFeatures, { bias: cfg.bias });
            load(l, c);
            out = l.forward(inputs.x);
            m = l;
          } else if (c.op === "embedding") {
            const e = new Embedding(cfg.numEmbeddings, cfg.embeddingDim, { paddingIdx: cfg.paddingIdx });
            load(e, c);
            const ids = c.indices.ids;
            out = e.forward(ids.data, ids.shape);
            m = e;
          } else {
            const ln = new LayerNorm(cfg.normalizedShape, {
              eps: cfg.eps,
              elementwiseAffine: cfg.elementwiseAffine,
            });
            load(ln, c);
            out = ln.forward(inputs.x);
            m = ln;
          }
          checkCase(c, m, inputs, { output: out });
        }),
      );
    }
  });

  describe("crossEntropy, nllLoss, mseLoss", () => {
    for (const c of loadNnFixtures("losses")) {
      it(c.name, () =>
        withBackend(backend, () => {
          const inputs = inputsOf(c);
          const cfg = c.config as { reduction: Reduction; ignoreIndex: number; labelSmoothing: number };
          let out: Tensor;
          if (c.op === "crossEntropy") {
            out = crossEntropy(inputs.logits, c.indices.targets.data, cfg);
          } else if (c.op === "nllLoss") {
            out = nllLoss(logSoftmax(inputs.logits, -1), c.indices.targets.data, cfg);
          } else {
            out = mseLoss(inputs.input, inputs.target, cfg);
          }
          checkCase(c, null, inputs, { output: out });
        }),
      );
    }
  });
});
