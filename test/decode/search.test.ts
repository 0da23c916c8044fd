/** Greedy and beam search on a real (untrained and trained-by-hand) model: consistency and alignments. */
import { describe, expect, it } from "vitest";
import { beamSearch, greedyDecode } from "../../src/decode/index.js";
import { Seq2Seq } from "../../src/models/seq2seq/index.js";
import { manualSeed } from "../../src/tensor/index.js";

manualSeed(9);
const model = new Seq2Seq({
  srcVocabSize: 10,
  tgtVocabSize: 8,
  embedDim: 6,
  hiddenSize: 6,
  attention: "luong-general",
  dropout: 0,
});
model.eval();
const src = [4, 5, 6, 7, 8, 9, 0, 0];
const lens = [4, 2];

describe("decoding", () => {
  it("greedy returns tokens without SOS/EOS, log-probabilities and one alignment row per step", () => {
    const hyps = greedyDecode(model, src, 2, 4, lens, { maxLength: 7 });
    expect(hyps).toHaveLength(2);
    for (const [b, h] of hyps.entries()) {
      expect(h.tokens.every((t) => t !== 2 && t !== 3)).toBe(true);
      expect(h.logProb).toBeLessThanOrEqual(0);
      expect(h.alignment.length).toBeGreaterThanOrEqual(h.tokens.length);
      for (const row of h.alignment) {
        expect(row).toHaveLength(lens[b]);
        expect(row.reduce((p, x) => p + x, 0)).toBeCloseTo(1, 5);
      }
    }
  });

  it("beam search with width 1 equals greedy; wider beams never score worse (no length penalty)", () => {
    const greedy = greedyDecode(model, src, 2, 4, lens, { maxLength: 7 });
    const beam1 = beamSearch(model, src, 2, 4, lens, { beamSize: 1, lengthPenalty: 0, maxLength: 7 });
    expect(beam1.map((h) => h.tokens)).toEqual(greedy.map((h) => h.tokens));
    const beam4 = beamSearch(model, src, 2, 4, lens, { beamSize: 4, lengthPenalty: 0, maxLength: 7 });
    beam4.forEach((h, i) => {
      // Greedy may stop without EOS at maxLength; compare finished hypotheses only.
      if (greedy[i].tokens.length < 7) expect(h.logProb).toBeGreaterThanOrEqual(greedy[i].logProb - 1e-5);
      expect(h.alignment.length).toBeGreaterThanOrEqual(h.tokens.length);
    });
  });

  it("validates its inputs", () => {
    expect(() => greedyDecode(model, src, 3, 4, lens)).toThrow(
      "decode: src has 8 ids for B=3, S=4 and 2 lengths",
    );
    expect(() => beamSearch(model, src, 2, 4, lens, { beamSize: 0 })).toThrow(/beamSize must be ≥ 1/);
  });
});
