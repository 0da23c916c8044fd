/** evaluatePairs: decodes with decodeAll and scores what it decoded (exact match, accuracy, BLEU, chrF). */
import { describe, expect, it } from "vitest";
import { Vocab } from "../../src/data/vocab.js";
import { decodeAll } from "../../src/decode/index.js";
import { corpusBleu } from "../../src/eval/bleu.js";
import { evaluatePairs } from "../../src/eval/corpus.js";
import { Seq2Seq } from "../../src/models/seq2seq/index.js";
import { manualSeed } from "../../src/tensor/index.js";

const vocab = Vocab.build([["a", "b", "c", "d"]]);
manualSeed(4);
const model = new Seq2Seq({
  srcVocabSize: vocab.size,
  tgtVocabSize: vocab.size,
  embedDim: 6,
  hiddenSize: 6,
  attention: "luong-dot",
  dropout: 0,
});
const pairs = [
  { src: ["a", "b"], tgt: ["b", "a"], text: { src: "a b", tgt: "b a" } },
  { src: ["c"], tgt: ["c"], text: { src: "c", tgt: "c" } },
  { src: ["d", "a", "c"], tgt: ["c", "a", "d"], text: { src: "d a c", tgt: "c a d" } },
];

describe("evaluatePairs", () => {
  it("scores decodeAll's outputs against the references", () => {
    const r = evaluatePairs(model, pairs, vocab, vocab, { detokenize: (t) => t.join(" ") });
    const hyps = decodeAll(
      model,
      pairs.map((p) => vocab.encode(p.src)),
    ).map((h) => vocab.decode(h.tokens));
    expect(r.count).toBe(3);
    expect(r.hypotheses).toEqual(hyps);
    expect(r.translations).toEqual(hyps.map((h) => h.join(" ")));
    const exact = hyps.filter((h, i) => h.join(" ") === pairs[i].tgt.join(" ")).length / 3;
    expect(r.exactMatch).toBe(exact);
    const refs = [pairs.map((p) => p.tgt.join(" "))];
    expect(r.bleu).toBe(
      corpusBleu(
        hyps.map((h) => h.join(" ")),
        refs,
        { tokenize: "none" },
      ).score,
    );
    expect(r.sacre?.bleu).toBe(corpusBleu(r.translations ?? [], refs).score);
    expect(r.alignments.map((a) => a[0]?.length)).toEqual([2, 1, 3]);
    expect(() => evaluatePairs(model, [], vocab, vocab)).toThrow(/no pairs/);
  });
});
