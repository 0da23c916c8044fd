import { describe, expect, it } from "vitest";
import {
  aggregateToWords,
  pieceLabel,
  pieceLabels,
  tokensWithWords,
  wordLabel,
} from "../../src/align/words.js";
import { BpeTokenizer } from "../../src/data/bpe.js";
import { loadTatoeba } from "../../src/data/files.js";
import type { Tokenizer } from "../../src/data/tokenizers.js";
import { WordTokenizer } from "../../src/data/word-tokenizer.js";
import { requireDataset } from "../helpers/data.js";

const english = [
  "Turn off the lights.",
  "I don't know, Tom's well-known dog.",
  "It costs 3.14 dollars... really?!",
  "The lights are on.",
];
const hindi = ["बत्तियाँ बंद करो।", "मुझे नहीं पता, टॉम।", "क्या यह सच है?"];

describe("tokensWithWords: word tokenizer", () => {
  const tok = WordTokenizer.build([...english, ...hindi], { lowercase: true });

  it("splits punctuation off a word and keeps it in that word", () => {
    const r = tokensWithWords("Turn off the lights.", tok);
    expect(r.words).toEqual(["Turn", "off", "the", "lights."]);
    expect(r.tokens).toEqual(["turn", "off", "the", "lights", "."]);
    expect(r.tokenWord).toEqual([0, 1, 2, 3, 3]);
  });

  it("returns the model's tokens: out-of-vocabulary words are <unk>, whitespace runs are one gap", () => {
    const r = tokensWithWords("  Turn   off the\tzebras. ", tok);
    expect(r.words).toEqual(["Turn", "off", "the", "zebras."]);
    expect(r.tokens).toEqual(["turn", "off", "the", "<unk>", "."]);
    expect(r.tokenWord).toEqual([0, 1, 2, 3, 3]);
  });

  it("Hindi: danda and comma stay with their word", () => {
    const r = tokensWithWords("मुझे नहीं पता, टॉम।", tok);
    expect(r.tokens).toEqual(["मुझे", "नहीं", "पता", ",", "टॉम", "।"]);
    expect(r.tokenWord).toEqual([0, 1, 2, 2, 3, 3]);
  });

  it("a lone punctuation word gets its own token; the empty line has none", () => {
    const r = tokensWithWords("really ?", tok);
    expect(r.tokenWord).toEqual([0, 1]);
    expect(tokensWithWords("   ", tok)).toEqual({ words: [], tokens: [], tokenWord: [] });
  });

  it("space split: one token per whitespace word", () => {
    const sp = WordTokenizer.build(["jump twice", "walk"], { split: "space" });
    expect(tokensWithWords("jump  twice walk", sp).tokenWord).toEqual([0, 1, 2]);
  });
});

describe("tokensWithWords: BPE", () => {
  const bpe = BpeTokenizer.train([...english, ...english, ...hindi], { vocabSize: 300, lowercase: true });

  it("pieces of one word map to that word; the first piece of each word carries ▁", () => {
    const r = tokensWithWords("Turn off the lights.", bpe);
    expect(r.words).toEqual(["Turn", "off", "the", "lights."]);
    expect(bpe.detokenize(r.tokens)).toBe("turn off the lights.");
    for (let k = 0; k < r.tokens.length; k++) {
      const starts = r.tokens[k].startsWith("▁");
      expect(starts).toBe(k === 0 || r.tokenWord[k] !== r.tokenWord[k - 1]);
    }
    expect(new Set(r.tokenWord)).toEqual(new Set([0, 1, 2, 3]));
    expect(r.tokenWord).toEqual([...r.tokenWord].sort((a, b) => a - b));
  });

  it("byte tokens of unseen characters map to their word (every byte of a character)", () => {
    const small = BpeTokenizer.train(english, { vocabSize: 280 }); // no Devanagari in its alphabet
    const r = tokensWithWords("Tom बत्ती off", small);
    expect(r.tokens.some((t) => /^<0x[0-9A-F]{2}>$/.test(t))).toBe(true);
    const bytesOfWord1 = r.tokens.filter((t, k) => r.tokenWord[k] === 1 && t.startsWith("<0x"));
    expect(bytesOfWord1.length).toBe(new TextEncoder().encode("बत्ती").length);
    expect(r.tokenWord[0]).toBe(0);
    expect(r.tokenWord[r.tokenWord.length - 1]).toBe(2);
    expect(wordLabel(r.tokens.filter((_, k) => r.tokenWord[k] === 1))).toBe("बत्ती");
  });

  it("a lone ▁ piece belongs to the word after it", () => {
    // "▁" + a byte-only character: the marker cannot merge with a byte token.
    const small = BpeTokenizer.train(["ab ab ab"], { vocabSize: 262 });
    const r = tokensWithWords("ab ज़", small);
    const k = r.tokens.indexOf("▁", 1);
    expect(k).toBeGreaterThan(0);
    expect(r.tokenWord[k]).toBe(1);
  });
});

describe("aggregateToWords", () => {
  it("sums over a source word's pieces and averages over a target word's pieces", () => {
    // target tokens: t0 t1 (word 0), t2 (word 1); source tokens: s0 (word 0), s1 s2 (word 1), s3 (none)
    const w = [
      [0.1, 0.2, 0.3, 0.4],
      [0.5, 0.1, 0.1, 0.3],
      [0.0, 0.6, 0.4, 0.0],
    ];
    const out = aggregateToWords(w, [0, 0, 1], [0, 1, 1, -1], 2, 2);
    expect(out[0][0]).toBeCloseTo((0.1 + 0.5) / 2, 12);
    expect(out[0][1]).toBeCloseTo((0.2 + 0.3 + 0.1 + 0.1) / 2, 12);
    expect(out[1]).toEqual([0, 1]);
  });

  it("drops target tokens without a word and leaves a word without tokens at zero", () => {
    const out = aggregateToWords(
      [
        [1, 0],
        [0, 1],
      ],
      [-1, 1],
      [0, 1],
      3,
      2,
    );
    expect(out).toEqual([
      [0, 0],
      [0, 1],
      [0, 0],
    ]);
  });

  it("refuses rows that do not match the token lists", () => {
    expect(() => aggregateToWords([[1, 0]], [0, 0], [0, 1], 1, 2)).toThrow(/1 rows for 2 target tokens/);
    expect(() => aggregateToWords([[1, 0, 0]], [0], [0, 1], 1, 2)).toThrow(/3 weights for 2 source/);
  });
});

describe("labels", () => {
  it("wordLabel joins pieces, drops ▁, decodes byte runs, keeps <unk>", () => {
    expect(wordLabel(["▁light", "s", "."])).toBe("lights.");
    expect(wordLabel(["▁", "<0xE0>", "<0xA4>", "<0xAC>", "त"])).toBe("बत");
    expect(wordLabel(["<unk>", "."])).toBe("<unk>.");
  });

  it("pieceLabel drops a leading ▁, decodes printable ASCII bytes, keeps the rest", () => {
    expect(pieceLabel("▁light")).toBe("light");
    expect(pieceLabel("▁")).toBe("▁");
    expect(pieceLabel("<0x41>")).toBe("A");
    expect(pieceLabel("<0x20>")).toBe("<0x20>");
    expect(pieceLabel("<0xE0>")).toBe("<0xE0>");
    expect(pieceLabel("<unk>")).toBe("<unk>");
  });

  it("pieceLabels decodes a whole character's bytes onto its first byte", () => {
    expect(pieceLabels(["▁", "<0xE0>", "<0xA4>", "<0xAC>", "<0xE0>", "s"])).toEqual([
      "▁",
      "ब",
      "·",
      "·",
      "<0xE0>",
      "s",
    ]);
  });
});

/** Every token has a word, every word ≥ 1 token, tokens in word order; and word-by-word agrees. */
function checkLines(lines: string[], tok: Tokenizer): void {
  const bad: string[] = [];
  for (const line of lines) {
    const r = tokensWithWords(line, tok);
    expect(r.tokens).toEqual(tok.encode(line).map((id) => tok.vocab.tokenOf(id)));
    const counts = new Array<number>(r.words.length).fill(0);
    let prev = 0;
    for (const w of r.tokenWord) {
      if (w < 0 || w < prev) bad.push(line);
      else counts[w]++;
      prev = w;
    }
    if (counts.some((c) => c === 0)) bad.push(line);
    // Cross-check: each word tokenized alone gives exactly the line's tokens of that word.
    const byWord = r.words.flatMap((w) => tok.encode(w).map((id) => tok.vocab.tokenOf(id)));
    if (byWord.join("\u0000") !== r.tokens.join("\u0000")) bad.push(line);
    r.words.forEach((_, w) => {
      const mine = r.tokens.filter((_, k) => r.tokenWord[k] === w);
      const alone = tok.encode(r.words[w]).map((id) => tok.vocab.tokenOf(id));
      if (mine.join("\u0000") !== alone.join("\u0000")) bad.push(line);
    });
  }
  expect([...new Set(bad)]).toEqual([]);
}

const hasHin = requireDataset("tatoeba-eng-hin");
describe.skipIf(!hasHin)("tokensWithWords on Tatoeba eng-hin (hin.txt)", () => {
  const pairs = hasHin ? loadTatoeba("hin") : [];
  const en = pairs.map((p) => p.source);
  const hi = pairs.map((p) => p.target);

  it("word tokenizer: every token in a word, every word ≥ 1 token (English and Hindi, all lines)", () => {
    checkLines(en, WordTokenizer.build(en.slice(0, 2000), { lowercase: true }));
    checkLines(hi, WordTokenizer.build(hi.slice(0, 2000)));
  });

  it("BPE (trained on a part, so unseen characters become bytes): the same, all lines", () => {
    checkLines(en, BpeTokenizer.train(en.slice(0, 1500), { vocabSize: 1000, lowercase: true }));
    checkLines(hi, BpeTokenizer.train(hi.slice(0, 1500), { vocabSize: 1000 }));
  });
});
