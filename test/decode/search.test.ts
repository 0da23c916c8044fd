/**
 * Greedy and beam search on a real (untrained and trained-by-hand) model: consistency, alignments, and
 * the `onStep` hook (one call per step, with the weights the search recorded and the tokens it chose).
 */
import { describe, expect, it } from "vitest";
import { EOS } from "../../src/data/vocab.js";
import {
  type BeamStep,
  beamSearch,
  EOS_ID,
  type GreedyStep,
  greedyDecode,
  SOS_ID,
} from "../../src/decode/index.js";
import type { DecoderState, StepResult } from "../../src/models/seq2seq/index.js";
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

  it("greedy onStep: one call per step, with the weights of the alignment, the chosen tokens, the given state", () => {
    const start = model.encode(src, 2, 4, lens);
    const seen: GreedyStep<DecoderState, StepResult>[] = [];
    const hyps = greedyDecode(model, src, 2, 4, lens, { maxLength: 7, start, onStep: (s) => seen.push(s) });
    expect(hyps).toEqual(greedyDecode(model, src, 2, 4, lens, { maxLength: 7 }));
    const steps = Math.max(...hyps.map((h) => h.alignment.length));
    expect(seen.map((s) => s.t)).toEqual([...Array(steps).keys()]);
    expect(seen[0].state).toBe(start);
    seen.forEach((s, t) => {
      if (t > 0) expect(s.state).toBe(seen[t - 1].output.state);
      const V = s.output.logits.shape[1];
      expect(s.logProbs.length).toBe(2 * V);
      hyps.forEach((h, b) => {
        const ended = t >= h.alignment.length;
        const want = ended ? -1 : t < h.tokens.length ? h.tokens[t] : EOS;
        expect(s.tokens[b], `step ${t} row ${b}`).toBe(want);
        if (ended) return;
        const row = Array.from(s.output.weights?.data.subarray(b * 4, b * 4 + lens[b]) ?? []);
        expect(row).toEqual(h.alignment[t]);
        const lp = Array.from(s.logProbs.subarray(b * V, (b + 1) * V));
        expect(lp.indexOf(Math.max(...lp))).toBe(want);
        expect(s.output.query).not.toBeNull(); // the model's own extras come through
      });
    });
  });

  it("beam onStep: one call per step, a row per live hypothesis, each the prefix its row fed", () => {
    const seen: BeamStep<DecoderState, StepResult>[] = [];
    const hyps = beamSearch(model, src, 2, 4, lens, {
      beamSize: 3,
      maxLength: 7,
      onStep: (s) => seen.push(s),
    });
    expect(hyps).toEqual(beamSearch(model, src, 2, 4, lens, { beamSize: 3, maxLength: 7 }));
    expect(seen.length).toBeGreaterThan(0);
    expect(seen.length).toBeLessThanOrEqual(7);
    seen.forEach((s, t) => {
      expect(s.t).toBe(t);
      expect(s.rows.length).toBe(s.output.logits.shape[0]);
      expect(s.output.weights?.shape[0]).toBe(s.rows.length);
      for (const r of s.rows) {
        expect(r.tokens.length).toBe(t);
        expect(r.sentence === 0 || r.sentence === 1).toBe(true);
      }
    });
    // Width 1: the rows are greedy's prefixes.
    const greedy = greedyDecode(model, src, 2, 4, lens, { maxLength: 7 });
    const one: BeamStep<DecoderState, StepResult>[] = [];
    beamSearch(model, src, 2, 4, lens, {
      beamSize: 1,
      lengthPenalty: 0,
      maxLength: 7,
      onStep: (s) => one.push(s),
    });
    for (const s of one) {
      for (const r of s.rows) expect(r.tokens).toEqual(greedy[r.sentence].tokens.slice(0, s.t));
    }
  });

  it("the special ids are the vocabulary's", () => {
    expect([SOS_ID, EOS_ID]).toEqual([2, 3]);
  });
});
