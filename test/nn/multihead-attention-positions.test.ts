/**
 * MultiheadAttention with RoPE, ALiBi, grouped-query attention (kvHeads) and a sliding window, against
 * PyTorch (scripts/make_position_fixtures.py → test/fixtures/attention/positions.json): RoPE against a
 * complex-number reference written in the script, ALiBi (the paper's slopes) and GQA through torch's
 * F.scaled_dot_product_attention (float attn_mask; enable_gqa), the window as a boolean mask; outputs
 * (1e-5 rel + 1e-6 abs) and the gradients of x and every weight (GRAD_TOL), float64 there, on every
 * backend. Causal cases are decoder self-attention, the others encoder self-attention over padded keys.
 */
import { readFileSync } from "node:fs";
import { describe, expect, it } from "vitest";
import { causalMask, paddingMask } from "../../src/attention/index.js";
import { RotaryEmbedding } from "../../src/attention/rotary.js";
import { withBackend } from "../../src/kernels/registry.js";
import { MultiheadAttention } from "../../src/nn/index.js";
import { noGrad } from "../../src/tensor/index.js";
import { loadTestBackends } from "../helpers/backends.js";
import type { TensorData } from "../helpers/fixtures.js";
import { check, fixtureLoss, t } from "./helpers.js";

interface PositionCase {
  name: string;
  config: {
    numHeads: number;
    kvHeads: number;
    positions: "none" | "rope" | "alibi";
    window: number | null;
    causal: boolean;
    lengths: number[];
  };
  inputs: { x: TensorData };
  params: Record<string, TensorData>;
  loss: Record<string, TensorData>;
  expected: { output: TensorData };
  grads: Record<string, TensorData>;
}

const doc = JSON.parse(
  readFileSync(new URL("../fixtures/attention/positions.json", import.meta.url), "utf8"),
) as { cases: PositionCase[] };
const backends = await loadTestBackends();
/**
 * Gradients are sums over B·T positions of float32 products (the none cases, with no position option,
 * differ from float64 by as much): 1e-4 rel + 1e-5 abs. A wrong slope, angle or head grouping moves
 * them by orders of magnitude more.
 */
const GRAD_TOL = { rtol: 1e-4, atol: 1e-5 };

describe("MultiheadAttention positions, kvHeads and window against PyTorch", () => {
  it("the fixture covers rope, alibi and none × kvHeads 4, 2, 1 × window on/off × causal/band", () => {
    const seen = (f: (c: PositionCase["config"]) => unknown) => new Set(doc.cases.map((c) => f(c.config)));
    expect(seen((c) => c.positions)).toEqual(new Set(["none", "rope", "alibi"]));
    expect(seen((c) => c.kvHeads)).toEqual(new Set([4, 2, 1]));
    expect(seen((c) => c.window)).toEqual(new Set([null, 2, 3]));
    expect(seen((c) => c.causal)).toEqual(new Set([true, false]));
  });

  for (const c of doc.cases) {
    it(`${c.name}, every backend`, () => {
      for (const backend of backends) {
        withBackend(backend, () => {
          const { numHeads, kvHeads, positions, window, causal, lengths } = c.config;
          const [, , E] = c.inputs.x.shape;
          const m = new MultiheadAttention({
            embedDim: E,
            numHeads,
            kvHeads,
            batchFirst: true,
            rotary: positions === "rope" ? new RotaryEmbedding(E / numHeads) : null,
            alibi: positions === "alibi",
            window,
            windowCausal: causal,
          });
          noGrad(() => {
            for (const [name, p] of m.namedParameters()) {
              expect([...p.shape], name).toEqual(c.params[name].shape);
              p.data.set(Float32Array.from(c.params[name].data));
            }
          });
          const x = t(c.inputs.x, true);
          const { output } = m.forward(x, x, x, {
            attnMask: causal ? causalMask() : null,
            keyPaddingMask: paddingMask(lengths),
            needWeights: false,
          });
          const at = `${c.name} (${backend.name})`;
          check(`${at} output`, output, c.expected.output);
          fixtureLoss(c, { output }).backward();
          check(`${at} grad x`, x.grad, c.grads.x, GRAD_TOL);
          for (const [name, p] of m.namedParameters()) {
            check(`${at} grad ${name}`, p.grad, c.grads[name], GRAD_TOL);
          }
        });
      }
    });
  }
});
