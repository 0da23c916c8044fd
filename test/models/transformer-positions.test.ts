/**
 * The Transformer model's modern attention options: positions "rope" / "alibi" (inside the
 * self-attention), grouped-query attention (kvHeads) and a sliding window. For every position kind ×
 * kvHeads ∈ {nhead, 2, 1} × window on/off, on every backend, cached incremental decoding (step) gives the full
 * teacher-forced forward's logits and weights, and the cache holds kvHeads heads; the window's reach
 * is checked on the model (a token out of every layer's reach changes nothing); configs are refused
 * with the field named.
 */
import { describe, expect, it } from "vitest";
import { withBackend } from "../../src/kernels/registry.js";
import { MODEL_KINDS } from "../../src/models/registry.js";
import { POSITION_KINDS, TransformerModel } from "../../src/models/transformer/index.js";
import { manualSeed, noGrad } from "../../src/tensor/index.js";
import { loadTestBackends } from "../helpers/backends.js";

const backends = await loadTestBackends();

const B = 2;
const S = 5;
const T = 6;
const V = 11;
const src = [5, 6, 7, 8, 9, 10, 4, 5, 0, 0];
const srcLengths = [5, 3];
const tgtIn = [2, 4, 5, 6, 7, 8, 2, 6, 9, 4, 0, 0];

function model(extra: Partial<ConstructorParameters<typeof TransformerModel>[0]>) {
  return new TransformerModel({
    srcVocabSize: 12,
    tgtVocabSize: V,
    dModel: 16,
    nhead: 4,
    numEncoderLayers: 2,
    numDecoderLayers: 2,
    dimFeedforward: 24,
    dropout: 0,
    normFirst: true,
    ...extra,
  }).eval();
}

function maxDiff(a: ArrayLike<number>, b: ArrayLike<number>): number {
  let m = 0;
  for (let i = 0; i < a.length; i++) m = Math.max(m, Math.abs(a[i] - b[i]));
  return m;
}

describe("TransformerModel positions, kvHeads and window", () => {
  for (const positions of POSITION_KINDS) {
    for (const kvHeads of [4, 2, 1]) {
      for (const window of [null, 2]) {
        it(`cached steps = full forward: positions ${positions}, kvHeads ${kvHeads}, window ${window}, every backend`, () => {
          for (const backend of backends)
            withBackend(backend, () =>
              noGrad(() => {
                manualSeed(7);
                const m = model({ positions, kvHeads, window });
                const full = m.forward(src, srcLengths, tgtIn, B, S, T, { needWeights: true });
                let state = m.encode(src, B, S, srcLengths);
                for (let t = 0; t < T; t++) {
                  const r = m.step(state, [tgtIn[t], tgtIn[T + t]]);
                  state = r.state;
                  for (let b = 0; b < B; b++) {
                    const row = full.logits.data.subarray((b * T + t) * V, (b * T + t + 1) * V);
                    expect(maxDiff(r.logits.data.subarray(b * V, (b + 1) * V), row)).toBeLessThanOrEqual(
                      2e-5,
                    );
                    const w = full.weights!.data.subarray((b * T + t) * S, (b * T + t + 1) * S);
                    expect(maxDiff(r.weights.data.subarray(b * S, (b + 1) * S), w)).toBeLessThanOrEqual(2e-5);
                  }
                }
                const self = state.cache.layers[0].self;
                expect(self.key!.shape).toEqual([B, kvHeads, T, 4]);
                expect(state.cache.layers[1].cross.value!.shape).toEqual([B, kvHeads, S, 4]);
              }),
            );
        });
      }
    }
  }

  it("K/V projections of kvHeads·d_head rows; rope and alibi add no parameters; each option changes the output", () =>
    noGrad(() => {
      const shapes = (m: TransformerModel) =>
        Object.fromEntries(m.namedParameters().map(([n, p]) => [n, p.shape]));
      const base = shapes(model({}));
      expect(base["transformer.decoder.layers.0.self_attn.in_proj_weight"]).toEqual([48, 16]);
      const gqa = shapes(model({ kvHeads: 1 }));
      expect(gqa["transformer.decoder.layers.0.self_attn.in_proj_weight"]).toEqual([16 + 2 * 4, 16]);
      expect(gqa["transformer.encoder.layers.1.self_attn.in_proj_bias"]).toEqual([24]);
      expect(gqa["transformer.decoder.layers.1.multihead_attn.in_proj_weight"]).toEqual([24, 16]);
      for (const positions of ["rope", "alibi"] as const) {
        expect(Object.keys(shapes(model({ positions })))).toEqual(Object.keys(base));
        expect(Object.keys(model({ positions }).stateDict())).not.toContain("pos_embed.weight");
      }
      // The same weights under each option: the logits differ from the plain model's.
      manualSeed(3);
      const plain = model({});
      const logits = (m: TransformerModel) => m.forward(src, srcLengths, tgtIn, B, S, T).logits.data;
      const ref = logits(plain);
      for (const extra of [{ positions: "rope" as const }, { positions: "alibi" as const }, { window: 2 }]) {
        const m = model(extra);
        m.loadStateDict(plain.stateDict());
        expect(maxDiff(logits(m), ref), JSON.stringify(extra)).toBeGreaterThan(1e-3);
      }
    }));

  it("window: a target token out of every decoder layer's reach changes nothing, one inside does", () =>
    noGrad(() => {
      for (const positions of POSITION_KINDS) {
        manualSeed(4);
        // 2 decoder layers, window 2: position t reads tokens t−2 … t (each layer reaches one back).
        const m = model({ positions, window: 2 });
        const a = m.forward(src, srcLengths, tgtIn, B, S, T).logits.data;
        const changed = [...tgtIn];
        changed[0] = 9; // batch row 0, position 0
        const b = m.forward(src, srcLengths, changed, B, S, T).logits.data;
        expect(maxDiff(a.subarray(3 * V, T * V), b.subarray(3 * V, T * V)), positions).toBe(0);
        expect(maxDiff(a.subarray(2 * V, 3 * V), b.subarray(2 * V, 3 * V)), positions).toBeGreaterThan(0);
        // Without the window, position 5 does see position 0.
        const w = model({ positions });
        w.loadStateDict(m.stateDict());
        const c = w.forward(src, srcLengths, tgtIn, B, S, T).logits.data;
        const d = w.forward(src, srcLengths, changed, B, S, T).logits.data;
        expect(maxDiff(c.subarray(5 * V, 6 * V), d.subarray(5 * V, 6 * V)), positions).toBeGreaterThan(0);
      }
    }));

  it("refuses bad configs, naming the field (model and checkpoint meta)", () => {
    expect(() => model({ kvHeads: 3 })).toThrow(/kvHeads must be a positive divisor of nhead \(4\), got 3/);
    expect(() => model({ kvHeads: 0 })).toThrow(/kvHeads/);
    expect(() => model({ window: 0 })).toThrow(/window must be an integer ≥ 1 or null, got 0/);
    expect(() => model({ window: 1.5 })).toThrow(/window/);
    expect(() => model({ positions: "rotary" as never })).toThrow(
      /positions must be one of .*"rope".*got "rotary"/,
    );
    expect(() => model({ positions: "rope", dModel: 12, nhead: 4 })).toThrow(/even head size.*12\/4 = 3/);
    const fail = (field: string, want: string, got: unknown): never => {
      throw new Error(`meta.${field} must be ${want}, got ${JSON.stringify(got)}`);
    };
    const check = (c: Record<string, unknown>) => () => MODEL_KINDS.transformer.checkConfig(c, fail);
    expect(check({ positions: "rope", kvHeads: 2, window: 8 })).not.toThrow();
    expect(check({})).not.toThrow(); // an old checkpoint's config: the defaults
    expect(check({ kvHeads: 3 })).toThrow(
      /meta\.config\.kvHeads must be a divisor of config\.nhead \(4\), got 3/,
    );
    expect(check({ window: -1 })).toThrow(/meta\.config\.window/);
    expect(check({ positions: "relative" })).toThrow(/meta\.config\.positions/);
    const old = MODEL_KINDS.transformer.resolve({ srcVocabSize: 4, tgtVocabSize: 4 });
    expect([old.positions, old.kvHeads, old.window]).toEqual(["sinusoidal", old.nhead, null]);
    expect(
      MODEL_KINDS.transformer.describe({
        srcVocabSize: 4,
        tgtVocabSize: 4,
        positions: "rope",
        kvHeads: 1,
        window: 8,
      }),
    ).toMatch(/positions rope, kvHeads 1, window 8/);
  });
});
