/** Repetition penalty and no-repeat-n-gram (src/decode/penalties.ts) on hand-made scores and in search. */
import { describe, expect, it } from "vitest";
import {
  applyRepetitionPenalty,
  bannedNgramTokens,
  beamSearchNBest,
  greedyDecode,
  processScores,
} from "../../src/decode/index.js";
import { Seq2Seq } from "../../src/models/seq2seq/index.js";
import { manualSeed } from "../../src/tensor/index.js";

describe("logits processors", () => {
  it("repetition penalty divides positive scores of seen tokens by θ and multiplies negative ones, once each", () => {
    const z = Float64Array.from([2, -1, 0.5, -3]);
    applyRepetitionPenalty(z, [0, 1, 1], 2);
    expect(Array.from(z)).toEqual([1, -2, 0.5, -3]);
    const enc = Float64Array.from([2, -1]);
    applyRepetitionPenalty(enc, [0, 1], 0.5); // θ < 1 encourages repeats
    expect(Array.from(enc)).toEqual([4, -0.5]);
  });

  it("no-repeat-n-gram bans the tokens that would complete an n-gram already produced", () => {
    expect(bannedNgramTokens([5, 6, 7, 5, 6], 3)).toEqual([7]);
    expect(bannedNgramTokens([5, 6, 7, 5, 6], 2)).toEqual([7]);
    expect(bannedNgramTokens([5, 6, 7, 5, 6], 1).sort()).toEqual([5, 6, 7]);
    expect(bannedNgramTokens([1, 2, 1, 2, 1], 3)).toEqual([2]);
    expect(bannedNgramTokens([1, 2], 4)).toEqual([]); // too short for a 4-gram
    expect(bannedNgramTokens([1, 2, 3], 2)).toEqual([]);
  });

  it("applies repetition penalty, then no-repeat-n-gram (HF's order)", () => {
    const z = processScores([1, 4, -2, 0], [1, 2, 1], { repetitionPenalty: 4, noRepeatNgram: 2 });
    // seen {1, 2}: 4 → 1, −2 → −8; bigram (1, 2) seen, last token 1 → 2 banned.
    expect(Array.from(z)).toEqual([1, 1, Number.NEGATIVE_INFINITY, 0]);
  });
});

manualSeed(21);
const model = new Seq2Seq({
  srcVocabSize: 10,
  tgtVocabSize: 9,
  embedDim: 6,
  hiddenSize: 6,
  attention: "luong-dot",
  dropout: 0,
});
model.eval();
const src = [4, 5, 6, 7, 8, 9, 0, 0];

/** Whether `tokens` hold an n-gram twice. */
function repeats(tokens: number[], n: number): boolean {
  const seen = new Set<string>();
  for (let i = 0; i + n <= tokens.length; i++) {
    const k = tokens.slice(i, i + n).join(",");
    if (seen.has(k)) return true;
    seen.add(k);
  }
  return false;
}

describe("penalties in search", () => {
  it("greedy and beam outputs never repeat an n-gram under no-repeat-n-gram", () => {
    const plain = greedyDecode(model, src, 2, 4, [4, 2], { maxLength: 12 });
    expect(plain.some((h) => repeats(h.tokens, 1))).toBe(true); // the untrained model repeats itself
    for (const n of [1, 2]) {
      const g = greedyDecode(model, src, 2, 4, [4, 2], { maxLength: 12, noRepeatNgram: n });
      for (const h of g) expect(repeats(h.tokens, n)).toBe(false);
      for (const pool of beamSearchNBest(model, src, 2, 4, [4, 2], 3, {
        beamSize: 3,
        maxLength: 12,
        noRepeatNgram: n,
      }))
        for (const h of pool) expect(repeats(h.tokens, n)).toBe(false);
    }
  });

  it("refuses penalties out of range, naming them", () => {
    expect(() => greedyDecode(model, src, 2, 4, [4, 2], { repetitionPenalty: 0 })).toThrow(
      "greedyDecode: repetitionPenalty must be a finite number > 0, got 0",
    );
    expect(() => beamSearchNBest(model, src, 2, 4, [4, 2], 1, { noRepeatNgram: -1 })).toThrow(
      "beamSearch: noRepeatNgram must be an integer ≥ 0",
    );
  });
});
