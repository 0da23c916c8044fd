/**
 * The Transformer's fused decoding path (src/models/transformer/fused-step.ts) against the modules
 * it replaces: the fused kernels (linearRows, decoderLayerStep, encoderLayer) of every backend
 * against the reference ones at odd sizes; fused steps and encoder against the layers (post-norm
 * ReLU sinusoidal tied, pre-norm GELU learned untied) on every backend, past the cache's first
 * capacity, with forks, row selection and the tensor view of the cache; no weight survives an
 * optimizer step; the fallbacks (gradients, training); and the bundled Transformer's greedy and beam
 * translations of real sentences, fused and not, token for token.
 */
import { readFileSync } from "node:fs";
import { describe, expect, it } from "vitest";
import { tokenizersOf, vocabsOf } from "../../src/checkpoint/format.js";
import { hasDataset } from "../../src/data/paths.js";
import { decodeAll, greedyDecode } from "../../src/decode/index.js";
import type { Backend } from "../../src/kernels/contract.js";
import { referenceBackend } from "../../src/kernels/reference/index.js";
import {
  encoderLayer as refEncoderLayer,
  decoderLayerStep as refLayerStep,
  linearRows as refLinearRows,
} from "../../src/kernels/reference/transformer-layers.js";
import { withBackend } from "../../src/kernels/registry.js";
import { fusedWeights } from "../../src/models/transformer/fused-step.js";
import {
  TransformerModel,
  type TransformerModelConfig,
  type TransformerState,
} from "../../src/models/transformer/index.js";
import { Adam, crossEntropy } from "../../src/nn/index.js";
import { manualSeed, noGrad, reshape, type Tensor } from "../../src/tensor/index.js";
import { loadCheckpoint } from "../../src/train/checkpoint.js";
import type { CheckpointMeta } from "../../src/train/trainer.js";
import { loadTestBackends } from "../helpers/backends.js";
import { requireDataset } from "../helpers/data.js";

const backends = await loadTestBackends();
/** The fastest backend here (native where built), for the long runs. */
const fastest = backends.find((b) => b.name === "native") ?? backends[backends.length - 1];

function randomArray(n: number, scale = 1): Float32Array {
  return Float32Array.from({ length: n }, () => (Math.random() * 2 - 1) * scale);
}

function maxDiff(a: ArrayLike<number>, b: ArrayLike<number>): number {
  expect(a.length).toBe(b.length);
  let m = 0;
  for (let i = 0; i < a.length; i++) m = Math.max(m, Math.abs(a[i] - b[i]));
  return m;
}

describe("fused Transformer kernels agree with the reference ones", () => {
  for (const b of backends.filter((x) => x.linearRows)) {
    it(`linearRows at odd sizes, with and without bias (${b.name})`, () => {
      for (const [N, K, M] of [
        [1, 37, 11],
        [6, 128, 9],
        [3, 5, 258],
      ]) {
        const x = randomArray(N * K);
        const w = randomArray(M * K);
        const bias = randomArray(M);
        for (const bb of [bias, null]) {
          const want = new Float32Array(N * M);
          const got = new Float32Array(N * M);
          refLinearRows(x, N, K, w, M, bb, want);
          b.linearRows?.(x, N, K, w, M, bb, got);
          expect(maxDiff(got, want)).toBeLessThan(1e-5);
        }
      }
    });
  }
  for (const b of backends.filter((x) => x.decoderLayerStep)) {
    it(`decoderLayerStep and encoderLayer, pre- and post-norm, ReLU and GELU (${b.name})`, () => {
      const d = 24;
      const H = 3;
      const ff = 40;
      const S = 5;
      const cap = 6;
      const w = () => ({
        selfIn: randomArray(3 * d * d, 0.3),
        selfInBias: randomArray(3 * d, 0.1),
        selfOut: randomArray(d * d, 0.3),
        selfOutBias: randomArray(d, 0.1),
        crossIn: randomArray(3 * d * d, 0.3),
        crossInBias: randomArray(3 * d, 0.1),
        crossOut: randomArray(d * d, 0.3),
        crossOutBias: randomArray(d, 0.1),
        linear1: randomArray(ff * d, 0.3),
        linear1Bias: randomArray(ff, 0.1),
        linear2: randomArray(d * ff, 0.3),
        linear2Bias: randomArray(d, 0.1),
        norm1: randomArray(d),
        norm1Bias: randomArray(d),
        norm2: randomArray(d),
        norm2Bias: randomArray(d),
        norm3: randomArray(d),
        norm3Bias: randomArray(d),
      });
      for (const N of [3, 6]) {
        for (const normFirst of [true, false]) {
          for (const activation of ["relu", "gelu"] as const) {
            const weights = w();
            const srcLengths = Int32Array.from({ length: N }, (_, n) => 1 + (n % S));
            const selfKey = randomArray(N * d * cap);
            const selfValue = randomArray(N * d * cap);
            const common = {
              rows: N,
              dModel: d,
              heads: H,
              dimFeedforward: ff,
              normFirst,
              activation,
              eps: 1e-5,
            };
            const p = {
              ...common,
              srcLength: S,
              capacity: cap,
              position: 2,
              memoryKey: randomArray(N * d * S),
              memoryValue: randomArray(N * d * S),
              srcLengths,
              rowMap: Int32Array.from({ length: N }, (_, n) => N - 1 - n), // rows reversed
              weights,
            };
            const x = randomArray(N * d);
            const [x1, x2] = [Float32Array.from(x), Float32Array.from(x)];
            const [k1, k2] = [Float32Array.from(selfKey), Float32Array.from(selfKey)];
            const [v1, v2] = [Float32Array.from(selfValue), Float32Array.from(selfValue)];
            const [c1, c2] = [new Float32Array(N * H * S), new Float32Array(N * H * S)];
            refLayerStep(x1, { ...p, selfKey: k1, selfValue: v1, crossProbs: c1 });
            b.decoderLayerStep?.(x2, { ...p, selfKey: k2, selfValue: v2, crossProbs: c2 });
            expect(maxDiff(x2, x1)).toBeLessThan(1e-4);
            expect(maxDiff(k2, k1)).toBeLessThan(1e-5);
            expect(maxDiff(v2, v1)).toBeLessThan(1e-5);
            expect(maxDiff(c2, c1)).toBeLessThan(1e-5);
            expect(maxDiff(k1, selfKey)).toBeGreaterThan(0); // the position's key was written
            // Masked memory keys get no weight.
            for (let n = 0; n < N; n++)
              for (let j = srcLengths[n]; j < S; j++) expect(c2[n * H * S + j]).toBe(0);
            const e = randomArray(N * S * d);
            const [e1, e2] = [Float32Array.from(e), Float32Array.from(e)];
            const ep = { ...common, srcLength: S, srcLengths, weights };
            refEncoderLayer(e1, ep);
            b.encoderLayer?.(e2, ep);
            expect(maxDiff(e2, e1)).toBeLessThan(1e-4);
            expect(maxDiff(e1, e)).toBeGreaterThan(1e-3);
          }
        }
      }
    });
  }
});

const src = [5, 6, 7, 8, 9, 10, 11, 0, 0, 0, 0, 0];
const srcLengths = [6, 2];

function model(extra: Partial<ConstructorParameters<typeof TransformerModel>[0]> = {}) {
  manualSeed(3);
  return new TransformerModel({
    srcVocabSize: 14,
    tgtVocabSize: 11,
    dModel: 16,
    nhead: 2,
    numEncoderLayers: 2,
    numDecoderLayers: 2,
    dimFeedforward: 24,
    dropout: 0.1,
    ...extra,
  }).eval();
}

const CONFIGS = {
  "post-norm, ReLU, sinusoidal, tied": {},
  "pre-norm, GELU, learned, untied": {
    normFirst: true,
    activation: "gelu" as const,
    positions: "learned" as const,
    maxLength: 64,
    tieOutput: false,
  },
  "latent alignment": { normFirst: true, latentAlignment: true },
};

/** Steps `tokens` (one per row per step) from an encoded state; every step's outputs. */
function run(m: TransformerModel, start: TransformerState, tokens: number[][]) {
  let state = start;
  return tokens.map((prev) => {
    const r = m.step(state, prev);
    state = r.state;
    return r;
  });
}

describe("fused steps equal the layers' steps", () => {
  for (const backend of backends) {
    for (const [name, extra] of Object.entries(CONFIGS)) {
      it(`${name}: encoder, 40 steps (past the first capacity), weights, cache view (${backend.name})`, () =>
        withBackend(backend, () =>
          noGrad(() => {
            const m = model(extra);
            expect(fusedWeights(m)).not.toBeNull();
            const tokens = Array.from({ length: 40 }, (_, t) => [1 + (t % 10), 1 + ((3 * t) % 10)]);
            m.useFusedStep = true;
            const a = m.encode(src, 2, 6, srcLengths);
            const fused = run(m, a, tokens);
            m.useFusedStep = false;
            const b = m.encode(src, 2, 6, srcLengths);
            const layers = run(m, b, tokens);
            expect(maxDiff(a.memory.data, b.memory.data)).toBeLessThan(1e-5);
            fused.forEach((r, t) => {
              expect(r.state.fused).toBeDefined();
              expect(layers[t].state.fused).toBeUndefined();
              expect(maxDiff(r.logits.data, layers[t].logits.data)).toBeLessThan(2e-5);
              expect(maxDiff(r.weights.data, layers[t].weights.data)).toBeLessThan(1e-5);
              r.layerWeights.forEach((w, l) => {
                expect(maxDiff(w.data, layers[t].layerWeights[l].data)).toBeLessThan(1e-5);
              });
            });
            // The tensor view of the fused cache equals the layers' cache.
            const viewOf = (s: TransformerState) => s.cache.layers.flatMap((l) => [l.self.key, l.self.value]);
            const fv = viewOf(fused[39].state);
            viewOf(layers[39].state).forEach((t, i) => {
              expect(fv[i]?.shape).toEqual(t?.shape);
              expect(maxDiff((fv[i] as Tensor).data, (t as Tensor).data)).toBeLessThan(1e-5);
            });
          }),
        ));
    }
  }

  it("a state stepped twice, and rows selected, give what fresh states give", () =>
    noGrad(() => {
      const m = model();
      let s = m.encode(src, 2, 6, srcLengths);
      for (const prev of [
        [2, 2],
        [4, 5],
        [6, 7],
      ])
        s = m.step(s, prev).state;
      const once = m.step(s, [3, 4]);
      const again = m.step(s, [8, 9]); // a second step from s must not disturb `once`'s cache
      const after1 = m.step(once.state, [1, 1]);
      m.useFusedStep = false;
      let u = m.encode(src, 2, 6, srcLengths);
      for (const prev of [
        [2, 2],
        [4, 5],
        [6, 7],
      ])
        u = m.step(u, prev).state;
      const want1 = m.step(m.step(u, [3, 4]).state, [1, 1]);
      const want2 = m.step(u, [8, 9]);
      expect(maxDiff(after1.logits.data, want1.logits.data)).toBeLessThan(2e-5);
      expect(maxDiff(again.logits.data, want2.logits.data)).toBeLessThan(2e-5);
      // Rows (1, 0, 1) of the fused state against the same rows of the layers' state.
      const wantRows = m.step(m.selectRows(u, [1, 0, 1]), [5, 6, 7]);
      m.useFusedStep = true;
      const gotRows = m.step(m.selectRows(s, [1, 0, 1]), [5, 6, 7]);
      expect(gotRows.logits.shape).toEqual([3, 11]);
      expect(maxDiff(gotRows.logits.data, wantRows.logits.data)).toBeLessThan(2e-5);
      // Rows without repeats share the cache through a row map; stepping them, then the state they
      // came from, gives what the layers give for both.
      const swapped = m.selectRows(s, [1, 0]);
      expect(swapped.fused?.storage).toBe(s.fused?.storage);
      const gotSwap = m.step(m.step(swapped, [5, 6]).state, [7, 8]);
      const gotBack = m.step(s, [5, 6]);
      m.useFusedStep = false;
      const wantSwap = m.step(m.step(m.selectRows(u, [1, 0]), [5, 6]).state, [7, 8]);
      const wantBack = m.step(u, [5, 6]);
      m.useFusedStep = true;
      expect(maxDiff(gotSwap.logits.data, wantSwap.logits.data)).toBeLessThan(2e-5);
      expect(maxDiff(gotBack.logits.data, wantBack.logits.data)).toBeLessThan(2e-5);
    }));

  it("no weight survives an optimizer step: the next fused step uses the updated weights", () => {
    const m = model({ dropout: 0 });
    const prev = [
      [2, 2],
      [4, 5],
      [6, 7],
    ];
    const stepLogits = () =>
      noGrad(() => {
        const out = run(m, m.encode(src, 2, 6, srcLengths), prev);
        return out[2].logits.data;
      });
    const before = stepLogits();
    expect(noGrad(() => fusedWeights(m))).not.toBeNull();
    const opt = new Adam(m.parameters(), { lr: 0.05 });
    m.train();
    const tgtIn = [2, 4, 5, 2, 6, 0];
    const tgtOut = [4, 5, 3, 6, 3, 0];
    const { logits } = m.forward(src, srcLengths, tgtIn, 2, 6, 3);
    crossEntropy(reshape(logits, [6, 11]), tgtOut, { ignoreIndex: 0 }).backward();
    opt.step();
    m.eval();
    const fusedAfter = stepLogits();
    m.useFusedStep = false;
    const layersAfter = stepLogits();
    expect(maxDiff(fusedAfter, before)).toBeGreaterThan(1e-3); // the update changed the logits
    expect(maxDiff(fusedAfter, layersAfter)).toBeLessThan(2e-5);
  });

  it("falls back to the layers while gradients are recorded, in training mode, or for an unknown option", () => {
    const m = model({ dropout: 0 });
    const s = noGrad(() => m.encode(src, 2, 6, srcLengths));
    const r = m.step(s, [2, 2]); // gradients on
    expect(r.state.fused).toBeUndefined();
    expect(r.logits.requiresGrad).toBe(true);
    m.train();
    expect(noGrad(() => m.step(s, [2, 2]).state.fused)).toBeUndefined();
    m.eval();
    expect(noGrad(() => m.step(s, [2, 2]).state.fused)).toBeDefined();
    const odd = model();
    (odd.config as unknown as Record<string, unknown>).someNewOption = "on";
    expect(noGrad(() => fusedWeights(odd))).toBeNull();
    // Positions inside the attention, grouped-query attention and a window take the layers too.
    for (const extra of [
      { positions: "rope" },
      { positions: "alibi" },
      { kvHeads: 1 },
      { window: 3 },
    ] as const) {
      const other = model(extra);
      other.eval();
      expect(
        noGrad(() => fusedWeights(other)),
        JSON.stringify(extra),
      ).toBeNull();
      expect(
        noGrad(() => other.step(other.encode(src, 2, 6, srcLengths), [2, 2]).state.fused),
      ).toBeUndefined();
    }
    // A fused state stepped with gradients on leaves the fused path with the same numbers.
    const f = noGrad(() => m.step(s, [2, 2]).state);
    const g = m.step(f, [3, 4]);
    expect(g.state.fused).toBeUndefined();
    const h = noGrad(() => m.step(f, [3, 4]));
    expect(maxDiff(g.logits.data, h.logits.data)).toBeLessThan(2e-5);
  });

  it("an id out of range is refused with the embedding's message", () =>
    noGrad(() => {
      const m = model();
      const s = m.encode(src, 2, 6, srcLengths);
      expect(() => m.step(s, [2, 99])).toThrow(/99/);
    }));
});

/** The bundled Transformer and sentences to translate: the Tatoeba test set's first 200, else gold/en-hi. */
async function bundled() {
  const ck = await loadCheckpoint<CheckpointMeta>("pretrained/en-hi-transformer", "best");
  const meta = ck.meta;
  const m = new TransformerModel(meta.config as TransformerModelConfig);
  m.loadStateDict(ck.model);
  m.eval();
  const { srcTokenizer } = tokenizersOf(meta);
  const { srcVocab } = vocabsOf(meta);
  const tatoeba = hasDataset("tatoeba-test-eng-hin");
  requireDataset("tatoeba-test-eng-hin"); // says so when the gold sentences stand in
  const file = tatoeba
    ? `${process.env.QKV_DATA_DIR ?? "../shared/data"}/tatoeba-test-eng-hin/test.en`
    : "gold/en-hi/test.en";
  const lines = readFileSync(file, "utf8")
    .split("\n")
    .filter((l) => l.trim())
    .slice(0, 200);
  return {
    m,
    ids: lines.map((l) => srcVocab.encode(srcTokenizer.tokenize(l))),
    maxTargetLength: ck.meta.maxTargetLength,
  };
}

function agree(m: TransformerModel, ids: number[][], o: Parameters<typeof decodeAll>[2], b: Backend) {
  return withBackend(b, () => {
    m.useFusedStep = true;
    const fused = decodeAll(m, ids, o);
    m.useFusedStep = false;
    const layers = decodeAll(m, ids, o);
    m.useFusedStep = true;
    fused.forEach((h, i) => {
      expect(h.tokens).toEqual(layers[i].tokens);
      // Float rounding only: within 1e-5 per scored token.
      expect(Math.abs(h.logProb - layers[i].logProb)).toBeLessThanOrEqual(1e-5 * (h.tokens.length + 1));
    });
    return fused;
  });
}

describe("the bundled Transformer translates the same, fused or not", async () => {
  const { m, ids, maxTargetLength } = await bundled();
  it(`greedy, batch 1 and 64, ${ids.length} sentences (${fastest.name})`, () => {
    const one = agree(m, ids, { batchSize: 1, maxTargetLength }, fastest);
    agree(m, ids, { batchSize: 64, maxTargetLength }, fastest);
    // Real translations (not one output for all): the comparison has something to compare.
    expect(new Set(one.map((h) => h.tokens.join(","))).size).toBeGreaterThan(ids.length / 2);
  });
  it("greedy decoding drops finished rows: the same hypotheses as with every row kept (onStep watching)", () => {
    const batch = ids.slice(0, 8);
    const S = Math.max(...batch.map((x) => x.length));
    const flat = batch.flatMap((x) => [...x, ...new Array(S - x.length).fill(0)]);
    const lengths = batch.map((x) => x.length);
    withBackend(fastest, () => {
      for (const fused of [true, false]) {
        m.useFusedStep = fused;
        let rowsSeen = 0;
        const kept = greedyDecode(m, flat, 8, S, lengths, {
          maxLength: 40,
          onStep: (st) => {
            rowsSeen = Math.max(rowsSeen, st.state.memory.shape[0]);
          },
        });
        // The same model, counting the rows each step is given.
        let fewest = 8;
        const counting = {
          encode: m.encode.bind(m),
          selectRows: m.selectRows.bind(m),
          step: (st: TransformerState, prev: Int32Array | number[]) => {
            fewest = Math.min(fewest, prev.length);
            return m.step(st, prev);
          },
        };
        const dropped = greedyDecode(counting, flat, 8, S, lengths, { maxLength: 40 });
        expect(rowsSeen).toBe(8);
        expect(fewest).toBeLessThan(8);
        const ends = kept.map((h) => h.tokens.length);
        expect(Math.min(...ends)).toBeLessThan(Math.max(...ends)); // rows finished at different steps
        dropped.forEach((h, i) => {
          expect(h.tokens).toEqual(kept[i].tokens);
          expect(Math.abs(h.logProb - kept[i].logProb)).toBeLessThan(1e-5);
          expect(h.alignment).toEqual(kept[i].alignment);
        });
      }
      m.useFusedStep = true;
    });
  });
  it(`beam 4, 20 sentences (${fastest.name}, and the reference backend on 3)`, () => {
    agree(m, ids.slice(0, 20), { beamSize: 4, batchSize: 8, maxTargetLength }, fastest);
    agree(m, ids.slice(0, 3), { beamSize: 4, batchSize: 3, maxTargetLength }, referenceBackend);
  });
});
