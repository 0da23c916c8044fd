/** The encoder–decoder: shapes for every attention kind, gradients reach every parameter, finite differences. */
import { describe, expect, it } from "vitest";
import { ATTENTION_KINDS, Seq2Seq } from "../../src/models/seq2seq/index.js";
import { crossEntropy } from "../../src/nn/index.js";
import { manualSeed, noGrad, reshape } from "../../src/tensor/index.js";

const B = 2;
const S = 4;
const T = 3;
const src = [5, 6, 7, 8, 9, 10, 0, 0]; // second row padded after 2 tokens
const srcLengths = [4, 2];
const tgtIn = [2, 4, 5, 2, 6, 0];
const tgtOut = [4, 5, 3, 6, 3, 0];

function lossOf(m: Seq2Seq) {
  const { logits } = m.forward(src, srcLengths, tgtIn, B, S, T);
  return crossEntropy(reshape(logits, [B * T, logits.shape[2]]), tgtOut, { ignoreIndex: 0 });
}

describe("Seq2Seq", () => {
  for (const attention of ATTENTION_KINDS) {
    it(`${attention}: logits (B, T, V), weights over the valid source only, gradients everywhere`, () => {
      manualSeed(3);
      const m = new Seq2Seq({
        srcVocabSize: 12,
        tgtVocabSize: 9,
        embedDim: 6,
        hiddenSize: 5,
        attention,
        dropout: 0,
      });
      const { logits, weights } = m.forward(src, srcLengths, tgtIn, B, S, T);
      expect(logits.shape).toEqual([B, T, 9]);
      if (attention === "none") expect(weights).toBeNull();
      else {
        expect(weights!.shape).toEqual([B, T, S]);
        const w = weights!.toArray() as number[][][];
        for (const row of w[1]) {
          expect(row[2]).toBe(0);
          expect(row[3]).toBe(0);
          // local-p's Gaussian factor (≤ 1) scales the weights after the softmax (Luong et al. 2015, eq. 10).
          if (attention === "local-p") {
            expect(row[0] + row[1]).toBeGreaterThan(0);
            expect(row[0] + row[1]).toBeLessThanOrEqual(1 + 1e-6);
          } else expect(row[0] + row[1]).toBeCloseTo(1, 5);
        }
      }
      lossOf(m).backward();
      for (const [name, p] of m.namedParameters()) {
        if (name.startsWith("tgt_embed") || name.startsWith("src_embed")) continue; // only some rows are used
        // The location score's W only has rows for the first S positions in use.
        const g = p.grad;
        expect(g, `${attention}: ${name} has no gradient`).not.toBeNull();
        expect(
          [...g!.data].some((v) => v !== 0),
          `${attention}: ${name} gradient is all zero`,
        ).toBe(true);
      }
    });
  }

  it("gradient of the loss matches finite differences (luong-general, bahdanau)", () => {
    for (const attention of ["luong-general", "bahdanau"] as const) {
      manualSeed(4);
      const m = new Seq2Seq({
        srcVocabSize: 12,
        tgtVocabSize: 9,
        embedDim: 4,
        hiddenSize: 3,
        attention,
        dropout: 0,
      });
      lossOf(m).backward();
      for (const [name, p] of m.namedParameters()) {
        for (const i of [0, Math.floor(p.size / 2), p.size - 1]) {
          const old = p.data[i];
          const eps = 1e-2;
          const up = noGrad(() => {
            p.data[i] = old + eps;
            return lossOf(m).item();
          });
          const down = noGrad(() => {
            p.data[i] = old - eps;
            return lossOf(m).item();
          });
          p.data[i] = old;
          const numeric = (up - down) / (2 * eps);
          expect(Math.abs(numeric - p.grad!.data[i]), `${attention} ${name}[${i}]`).toBeLessThan(
            2e-3 + 2e-2 * Math.abs(numeric),
          );
        }
      }
    }
  });

  it("rejects a bad configuration with a clear error", () => {
    expect(
      () =>
        new Seq2Seq({
          srcVocabSize: 12,
          tgtVocabSize: 9,
          attention: "luong-dot",
          hiddenSize: 4,
          decoderHiddenSize: 5,
        }),
    ).toThrow("Seq2Seq: luong-dot needs decoderHiddenSize (5) = encoder output size (8)");
    expect(() => new Seq2Seq({ srcVocabSize: 12, tgtVocabSize: 9, attention: "mystery" as never })).toThrow(
      /unknown attention "mystery"/,
    );
  });
});

describe("Seq2Seq attention is luongAttention / bahdanauAttention with the key half precomputed", () => {
  it("general: weights equal luongAttention(s_t, h, general W); bahdanau: bahdanauAttention(s_{t−1}, h)", async () => {
    const { luongAttention } = await import("../../src/attention/luong.js");
    const { bahdanauAttention } = await import("../../src/attention/bahdanau.js");
    for (const attention of ["luong-general", "bahdanau", "luong-concat"] as const) {
      manualSeed(8);
      const m = new Seq2Seq({
        srcVocabSize: 12,
        tgtVocabSize: 9,
        embedDim: 6,
        hiddenSize: 5,
        attention,
        dropout: 0,
      });
      m.eval();
      const st = m.encode(src, B, S, srcLengths);
      const r = m.step(st, [2, 2]);
      const ref =
        attention === "bahdanau"
          ? bahdanauAttention(
              st.h,
              st.memory,
              { wQuery: m.param("attn_w_query"), wKey: m.param("attn_w_key"), v: m.param("attn_v") },
              { mask: st.mask },
            )
          : luongAttention(r.state.h, st.memory, {
              score: attention === "luong-general" ? "general" : "concat",
              params: {
                weight: m.param("attn_w"),
                v: attention === "luong-concat" ? m.param("attn_v") : undefined,
              },
              mask: st.mask,
            });
      r.weights!.data.forEach((w, i) => {
        expect(w).toBeCloseTo(ref.weights.data[i], 6);
      });
    }
  });
});
