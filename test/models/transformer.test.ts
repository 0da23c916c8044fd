/**
 * The Transformer translation model: shapes, tying, gradients everywhere, finite differences; the
 * step decoder (KV cache) giving the teacher-forced logits; greedyDecode and beamSearch through the
 * same interface as Seq2Seq, the beam's scores equal to the model's log-probability of its output
 * (so the reordered cache is the right one), on every backend; and a small task learned.
 */
import { describe, expect, it } from "vitest";
import { beamSearch, EOS_ID, greedyDecode, SOS_ID, type StepDecoder } from "../../src/decode/index.js";
import { withBackend } from "../../src/kernels/registry.js";
import { TransformerModel, type TransformerState } from "../../src/models/transformer/index.js";
import { Adam, crossEntropy } from "../../src/nn/index.js";
import { logSoftmax, manualSeed, noGrad, reshape } from "../../src/tensor/index.js";
import { loadTestBackends } from "../helpers/backends.js";

const backends = await loadTestBackends();

const B = 2;
const S = 4;
const T = 3;
const src = [5, 6, 7, 8, 9, 10, 0, 0];
const srcLengths = [4, 2];
const tgtIn = [2, 4, 5, 2, 6, 0];
const tgtOut = [4, 5, 3, 6, 3, 0];

function small(extra: Partial<ConstructorParameters<typeof TransformerModel>[0]> = {}) {
  return new TransformerModel({
    srcVocabSize: 12,
    tgtVocabSize: 9,
    dModel: 8,
    nhead: 2,
    numEncoderLayers: 2,
    numDecoderLayers: 2,
    dimFeedforward: 16,
    dropout: 0,
    ...extra,
  });
}

function lossOf(m: TransformerModel) {
  const { logits } = m.forward(src, srcLengths, tgtIn, B, S, T);
  return crossEntropy(reshape(logits, [B * T, logits.shape[2]]), tgtOut, { ignoreIndex: 0 });
}

describe("TransformerModel", () => {
  it("logits (B, T, V), weights over the valid source only, tied output, PyTorch-style names", () => {
    manualSeed(1);
    const m = small();
    const { logits, weights, layerWeights } = m.forward(src, srcLengths, tgtIn, B, S, T, {
      needWeights: true,
    });
    expect(logits.shape).toEqual([B, T, 9]);
    expect(weights?.shape).toEqual([B, T, S]);
    expect(layerWeights.map((w) => w.shape)).toEqual([
      [B, 2, T, S],
      [B, 2, T, S],
    ]);
    const w = weights!.toArray() as number[][][];
    for (const row of w[1]) {
      expect(row[2]).toBe(0);
      expect(row[3]).toBe(0);
      expect(row[0] + row[1]).toBeCloseTo(1, 5);
    }
    expect(m.out.weight).toBe(m.tgtEmbed.weight);
    expect(small({ tieOutput: false }).out.weight).not.toBe(small({ tieOutput: false }).tgtEmbed.weight);
    const names = m.namedParameters().map(([n]) => n);
    expect(names).toContain("transformer.encoder.layers.1.self_attn.in_proj_weight");
    expect(names).toContain("transformer.decoder.norm.weight");
    expect(Object.keys(m.stateDict())).toContain("out.weight"); // tied: saved under both names
    expect(Object.keys(small({ positions: "learned" }).stateDict())).toContain("pos_embed.weight");
  });

  it("gradients reach every parameter and match finite differences", () => {
    for (const positions of ["sinusoidal", "learned"] as const) {
      manualSeed(2);
      const m = small({ positions, normFirst: positions === "learned", activation: "gelu" });
      lossOf(m).backward();
      for (const [name, p] of m.namedParameters()) {
        expect(p.grad, `${name} has no gradient`).not.toBeNull();
        expect(
          [...p.grad!.data].some((v) => v !== 0),
          `${name}: zero gradient`,
        ).toBe(true);
      }
      for (const [name, p] of m.namedParameters().filter((_, i) => i % 5 === 0)) {
        const i = p.grad!.data.reduce((best, v, j, a) => (Math.abs(v) > Math.abs(a[best]) ? j : best), 0);
        const old = p.data[i];
        const eps = 1e-2;
        const at = (v: number) =>
          noGrad(() => {
            p.data[i] = v;
            return lossOf(m).item();
          });
        const numeric = (at(old + eps) - at(old - eps)) / (2 * eps);
        p.data[i] = old;
        expect(Math.abs(numeric - p.grad!.data[i]), `${positions} ${name}[${i}]`).toBeLessThanOrEqual(
          2e-3 + 2e-2 * Math.abs(numeric),
        );
      }
    }
  });

  for (const backend of backends) {
    it(`step decoding with the KV cache gives the teacher-forced logits (${backend.name})`, () =>
      withBackend(backend, () =>
        noGrad(() => {
          manualSeed(3);
          const m = small({ normFirst: true }).eval();
          const full = m.forward(src, srcLengths, tgtIn, B, S, T, { needWeights: true });
          let state = m.encode(src, B, S, srcLengths);
          for (let t = 0; t < T; t++) {
            const r = m.step(state, [tgtIn[t], tgtIn[T + t]]);
            state = r.state;
            for (let b = 0; b < B; b++) {
              for (let v = 0; v < 9; v++) {
                expect(
                  Math.abs(r.logits.data[b * 9 + v] - full.logits.data[(b * T + t) * 9 + v]),
                ).toBeLessThanOrEqual(1e-5);
              }
              for (let s = 0; s < S; s++) {
                expect(
                  Math.abs(r.weights.data[b * S + s] - full.weights!.data[(b * T + t) * S + s]),
                ).toBeLessThanOrEqual(1e-5);
              }
            }
          }
          expect(state.cache.length).toBe(T);
        }),
      ));

    it(`greedy and beam search through the step-decoder interface; beam scores are the model's (${backend.name})`, () =>
      withBackend(backend, () => {
        manualSeed(4);
        const m = small().eval();
        const decoder: StepDecoder<TransformerState> = m;
        const greedy = greedyDecode(decoder, src, B, S, srcLengths, { maxLength: 6 });
        const beam1 = beamSearch(decoder, src, B, S, srcLengths, {
          beamSize: 1,
          lengthPenalty: 0,
          maxLength: 6,
        });
        expect(beam1.map((h) => h.tokens)).toEqual(greedy.map((h) => h.tokens));
        const beams = beamSearch(decoder, src, B, S, srcLengths, {
          beamSize: 3,
          lengthPenalty: 0,
          maxLength: 6,
        });
        for (let b = 0; b < B; b++) {
          const h = beams[b];
          expect(h.alignment.length).toBeGreaterThan(0);
          for (const row of h.alignment) {
            expect(row.length).toBe(srcLengths[b]);
            expect(row.reduce((p, v) => p + v, 0)).toBeCloseTo(1, 5);
          }
          // Score the hypothesis by teacher forcing: the beam's logProb must be the model's.
          const finished = h.alignment.length > h.tokens.length; // EOS was produced
          const outTokens = finished ? [...h.tokens, EOS_ID] : h.tokens;
          const inTokens = [SOS_ID, ...outTokens.slice(0, -1)];
          const one = src.slice(b * S, b * S + srcLengths[b]);
          const lp = noGrad(() => {
            const { logits } = m.forward(one, [srcLengths[b]], inTokens, 1, srcLengths[b], inTokens.length);
            const l = logSoftmax(logits, -1);
            return outTokens.reduce((p, tok, t) => p + l.data[t * 9 + tok], 0);
          });
          expect(Math.abs(lp - h.logProb)).toBeLessThanOrEqual(1e-4);
          expect(h.logProb).toBeGreaterThanOrEqual(beam1[b].logProb - 1e-4);
        }
      }));
  }

  it("learns to copy short sequences", () => {
    manualSeed(5);
    const m = small({ dModel: 16, nhead: 2, dimFeedforward: 32, numEncoderLayers: 1, numDecoderLayers: 1 });
    const opt = new Adam(m.parameters(), { lr: 1e-2 });
    const data = [
      [4, 5, 6],
      [6, 4, 7],
      [8, 5, 4],
      [7, 7, 5],
    ];
    const batch = () => {
      const srcIds = data.flat();
      const tin = data.flatMap((r) => [SOS_ID, ...r]);
      const tout = data.flatMap((r) => [...r, EOS_ID]);
      return { srcIds, tin, tout };
    };
    const { srcIds, tin, tout } = batch();
    const step = () => {
      const { logits } = m.forward(srcIds, [3, 3, 3, 3], tin, 4, 3, 4);
      const loss = crossEntropy(reshape(logits, [16, 9]), tout);
      m.zeroGrad();
      loss.backward();
      opt.step();
      return loss.item();
    };
    const first = step();
    let last = first;
    for (let i = 0; i < 80; i++) last = step();
    expect(last).toBeLessThan(first / 10);
    m.eval();
    const out = greedyDecode(m, srcIds, 4, 3, [3, 3, 3, 3], { maxLength: 6 });
    expect(out.map((h) => h.tokens)).toEqual(data);
  });
});
