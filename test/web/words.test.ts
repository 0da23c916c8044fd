import { fileURLToPath } from "node:url";
import { beforeAll, describe, expect, it } from "vitest";
import { aggregateToWords, tokensWithWords } from "../../src/align/words.js";
import type { LoadedSeq2Seq, LoadedTransformer } from "../../web/src/checkpoint.js";
import { translateWithAttention } from "../../web/src/lesson.js";
import { mapOf } from "../../web/src/stacks.js";
import { transformerAnalysis, translateTransformer } from "../../web/src/transformer.js";
import { shownAnalysis } from "../../web/src/words.js";
import { loadBundledPageModels } from "../helpers/bundled-page-models.js";

const _ROOT = fileURLToPath(new URL("../..", import.meta.url));

let lstm: LoadedSeq2Seq;
let tr: LoadedTransformer;

beforeAll(async () => {
  ({ lstm, tr } = await loadBundledPageModels());
});

const close = (a: number[][], b: number[][]) => {
  expect(a.length).toBe(b.length);
  a.forEach((row, i) => {
    row.forEach((x, j) => {
      expect(Math.abs(x - b[i][j])).toBeLessThanOrEqual(1e-12);
    });
  });
};

describe("the explorer's maps as words", () => {
  for (const sentence of [
    "Turn off the lights.",
    "Where is the station? He is my friend and I like him very much.",
  ]) {
    it(`"${sentence}": word maps aggregate the token maps; labels are words`, () => {
      const run = translateWithAttention(lstm, sentence);
      const t = translateTransformer(tr, sentence);
      const shown = shownAnalysis(sentence, run, lstm, {
        analysis: transformerAnalysis(t, "en-hi-transformer"),
        tokenizers: tr,
      });
      const src = tokensWithWords(sentence, tr.srcTokenizer);
      const n = src.words.length;
      // Encoder self-attention: both axes the sentence's words, as written.
      const enc = shown.encoderSelf;
      expect(enc.words.queryTokens).toEqual(sentence.split(" "));
      expect(enc.words.keyTokens).toEqual(sentence.split(" "));
      enc.pieces.weights.forEach((layer, l) => {
        layer.forEach((_, h) => {
          close(
            mapOf(enc.words, l, h),
            aggregateToWords(mapOf(enc.pieces, l, h), src.tokenWord, src.tokenWord, n, n),
          );
        });
      });
      expect(enc.pieces.weights[0][0]).toEqual(transformerAnalysis(t, "x").encoderSelf.weights[0][0]);
      // Cross and decoder self-attention: rows still distributions; the decoder map still causal.
      for (const v of [shown.cross!, shown.decoderSelf!, shown.lstmCross]) {
        for (const row of mapOf(v.words, 0, 0)) expect(row.reduce((p, x) => p + x, 0)).toBeCloseTo(1, 5);
        for (const l of [...v.words.queryTokens, ...v.words.keyTokens]) expect(l).not.toMatch(/▁|<0x/);
        expect(v.words.caption).toMatch(/^Words: weights summed over an? (English|Hindi) word's pieces/);
      }
      mapOf(shown.decoderSelf!.words, 0, 0).forEach((row, i) => {
        expect(row.slice(i + 1).every((x) => x === 0)).toBe(true);
      });
      expect(shown.decoderSelf!.words.queryTokens[0]).toBe("<sos>");
      expect(shown.cross!.words.queryTokens.at(-1)).toBe("<eos>");
      // The Transformer's Hindi words are its translation's.
      expect(shown.cross!.words.queryTokens.slice(0, -1).join(" ")).toBe(t.translation);
    });
  }
});
