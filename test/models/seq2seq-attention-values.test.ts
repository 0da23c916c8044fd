/**
 * `attentionValues: "embeddings"`: the attention sums v_j = W_v x_j (the projected source embeddings)
 * with the weights the encoder-state keys give; "encoder" (the default) sums the encoder states.
 */
import { describe, expect, it } from "vitest";
import { ATTENTION_KINDS, Seq2Seq } from "../../src/models/seq2seq/index.js";
import { manualSeed, matmul, noGrad, transpose } from "../../src/tensor/index.js";

const src = [5, 6, 7, 8, 9, 10, 0, 0];
const lengths = [4, 2];

function build(attentionValues: "encoder" | "embeddings", attention: (typeof ATTENTION_KINDS)[number]) {
  manualSeed(3);
  return new Seq2Seq({
    srcVocabSize: 12,
    tgtVocabSize: 9,
    embedDim: 6,
    hiddenSize: 5,
    attention,
    attentionValues,
    dropout: 0,
  }).eval();
}

describe("Seq2Seq attentionValues", () => {
  for (const attention of ATTENTION_KINDS.filter((k) => k !== "none" && k !== "luong-dot")) {
    it(`${attention}: the context is Σ_j a_tj W_v x_j with W_v = value_proj`, () => {
      const m = build("embeddings", attention);
      expect(m.stateDict()["value_proj.weight"].shape).toEqual([10, 6]);
      noGrad(() => {
        const st = m.encode(src, 2, 4, lengths);
        const r = m.step(st, [2, 2]);
        const x = m.srcEmbed.forward(src, [2, 4]); // (2, 4, 6)
        const v = matmul(x, transpose(m.stateDict()["value_proj.weight"], 0, 1)); // (2, 4, 10)
        const w = r.weights!.toArray() as number[][];
        const vv = v.toArray() as number[][][];
        const ctx = r.context.toArray() as number[][];
        for (let b = 0; b < 2; b++) {
          for (let k = 0; k < 10; k++) {
            let want = 0;
            for (let j = 0; j < 4; j++) want += w[b][j] * vv[b][j][k];
            expect(ctx[b][k]).toBeCloseTo(want, 5);
          }
        }
        // The keys are still the encoder's: the same weights as the model with encoder values.
        const e = build("encoder", attention);
        const re = e.step(e.encode(src, 2, 4, lengths), [2, 2]);
        expect(r.weights!.toArray()).toEqual(re.weights!.toArray());
        expect(r.context.toArray()).not.toEqual(re.context.toArray());
      });
    });
  }
  it("refuses an unknown kind, naming it", () => {
    expect(() => new Seq2Seq({ srcVocabSize: 5, tgtVocabSize: 5, attentionValues: "keys" as never })).toThrow(
      /attentionValues "keys"/,
    );
  });
});

describe("Seq2Seq bridge: false", () => {
  it("starts the decoder from zeros, has no bridge parameters, and refuses attention none", () => {
    manualSeed(4);
    const m = new Seq2Seq({
      srcVocabSize: 12,
      tgtVocabSize: 9,
      embedDim: 6,
      hiddenSize: 5,
      attention: "bahdanau",
      bridge: false,
    });
    expect(Object.keys(m.stateDict()).some((k) => k.startsWith("bridge"))).toBe(false);
    const st = noGrad(() => m.encode(src, 2, 4, lengths));
    expect(Array.from(st.h.data).every((x) => x === 0)).toBe(true);
    expect(Array.from(st.c.data).every((x) => x === 0)).toBe(true);
    expect(() => new Seq2Seq({ srcVocabSize: 5, tgtVocabSize: 5, attention: "none", bridge: false })).toThrow(
      /bridge false needs attention/,
    );
  });
});
