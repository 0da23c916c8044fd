import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { BPE_MARKER, BPE_MIN_VOCAB_SIZE, BpeTokenizer, type BpeTokenizerJSON } from "../../src/data/bpe.js";
import { loadScan, loadTatoeba } from "../../src/data/files.js";
import { clusterBoundaries } from "../../src/data/graphemes.js";
import { SCAN_SPLITS } from "../../src/data/scan.js";

import { tokenize } from "../../src/data/tokenizer.js";
import { tokenizerFromJSON } from "../../src/data/tokenizers.js";
import { UNK } from "../../src/data/vocab.js";
import { requireDataset } from "../helpers/data.js";

const BYTE_TOKEN = /^<0x[0-9A-F]{2}>$/;

/**
 * The text each unit of `pieces` spells, where a unit is one piece or a run of byte tokens (the bytes
 * of whole clusters), with the marker in front of the text dropped as `detokenize` does.
 */
function unitTexts(bpe: BpeTokenizer, pieces: string[]): string[] {
  const units: string[][] = [];
  for (const p of pieces) {
    const prev = units[units.length - 1];
    if (BYTE_TOKEN.test(p) && prev && BYTE_TOKEN.test(prev[0])) prev.push(p);
    else units.push([p]);
  }
  return units.map((u, i) => {
    const t = bpe.detokenize(u);
    return i === 0 || !u[0].startsWith(BPE_MARKER) ? t : ` ${t}`;
  });
}

/**
 * Reference BPE, written for reading: recount every pair over every word before each merge. Words are
 * the whitespace-separated chunks, as symbol lists "▁" + clusters (the alphabet is taken from the
 * tokenizer under test, so both start from the same symbols). Same tie rule and stopping rule.
 */
function referenceMerges(
  texts: string[],
  alphabet: string[],
  vocabSize: number,
  minFrequency: number,
): { merges: [string, string][]; segments: Map<string, string[]> } {
  const base = new BpeTokenizer(alphabet, [], { split: "space" });
  const words = new Map<string, { syms: string[]; freq: number }>();
  for (const t of texts) {
    for (const w of base.normalize(t).split(" ")) {
      if (w === "") continue;
      const e = words.get(w);
      if (e) e.freq++;
      else words.set(w, { syms: base.tokenize(w), freq: 1 });
    }
  }
  const pieces = new Set([BPE_MARKER, ...alphabet]);
  let size = BPE_MIN_VOCAB_SIZE + alphabet.length;
  const merges: [string, string][] = [];
  while (size < vocabSize) {
    const counts = new Map<string, { a: string; b: string; n: number }>();
    for (const { syms, freq } of words.values()) {
      for (let i = 0; i + 1 < syms.length; i++) {
        const [a, b] = [syms[i], syms[i + 1]];
        if (BYTE_TOKEN.test(a) || BYTE_TOKEN.test(b)) continue;
        const k = JSON.stringify([a, b]);
        const e = counts.get(k) ?? { a, b, n: 0 };
        e.n += freq;
        counts.set(k, e);
      }
    }
    let best: { a: string; b: string; n: number } | undefined;
    for (const e of counts.values()) {
      if (!best || e.n > best.n || (e.n === best.n && (e.a < best.a || (e.a === best.a && e.b < best.b)))) {
        best = e;
      }
    }
    if (!best || best.n < minFrequency) break;
    const { a, b } = best;
    merges.push([a, b]);
    if (!pieces.has(a + b)) {
      pieces.add(a + b);
      size++;
    }
    for (const w of words.values()) {
      const out: string[] = [];
      for (let i = 0; i < w.syms.length; i++) {
        if (i + 1 < w.syms.length && w.syms[i] === a && w.syms[i + 1] === b) {
          out.push(a + b);
          i++;
        } else out.push(w.syms[i]);
      }
      w.syms = out;
    }
  }
  return { merges, segments: new Map([...words].map(([w, e]) => [w, e.syms])) };
}

describe("BpeTokenizer: learning", () => {
  it("learns Sennrich et al.'s example merges, most frequent first, ties by code units", () => {
    // low ×5, lower ×2, newest ×6, widest ×3 (Sennrich, Haddow & Birch 2016, Fig. 1's dictionary).
    const texts = [
      ...Array(5).fill("low"),
      ...Array(2).fill("lower"),
      ...Array(6).fill("newest"),
      ...Array(3).fill("widest"),
    ];
    const bpe = BpeTokenizer.train(texts, { vocabSize: BPE_MIN_VOCAB_SIZE + 10 + 9 });
    expect(bpe.alphabet).toEqual(["e", "w", "s", "t", "l", "o", "n", "d", "i", "r"]);
    // (e,s) and (s,t) both occur 9 times: "e" < "s" decides. (l,o), (o,w), (▁,l) tie at 7: "l" first.
    expect(bpe.merges).toEqual([
      ["e", "s"],
      ["es", "t"],
      ["l", "o"],
      ["lo", "w"],
      ["▁", "low"],
      ["e", "w"],
      ["ew", "est"],
      ["n", "ewest"],
      ["▁", "newest"],
    ]);
    expect(bpe.size).toBe(BPE_MIN_VOCAB_SIZE + 10 + 9);
    // "newer": only (e,w) applies; (▁,n) was never learned (▁newest came from (n,ewest) then (▁,newest)).
    expect(bpe.tokenize("lowest newer")).toEqual(["▁low", "est", "▁", "n", "ew", "e", "r"]);
  });

  it("breaks ties between equally frequent pairs by left piece, then right piece", () => {
    const bpe = BpeTokenizer.train(["cd ab"], { vocabSize: 400, minFrequency: 1 });
    expect(bpe.merges).toEqual([
      ["a", "b"],
      ["c", "d"],
      ["▁", "ab"],
      ["▁", "cd"],
    ]);
  });

  it("is deterministic: the same text, in any order, gives identical merges", () => {
    fc.assert(
      fc.property(
        fc.array(fc.array(fc.constantFrom("a", "b", "ab", "ba", "क", "कि", "्", " "), { maxLength: 12 }), {
          minLength: 1,
          maxLength: 30,
        }),
        fc.integer({ min: 262, max: 300 }),
        (chunks, vocabSize) => {
          const texts = chunks.map((c) => c.join(""));
          const a = BpeTokenizer.train(texts, { vocabSize, minFrequency: 1 });
          const b = BpeTokenizer.train([...texts].reverse(), { vocabSize, minFrequency: 1 });
          expect(b.toJSON()).toEqual(a.toJSON());
        },
      ),
      { numRuns: 100 },
    );
  });

  it("incremental pair counting gives the merges and segmentations of recounting everything", () => {
    fc.assert(
      fc.property(
        fc.array(fc.array(fc.constantFrom("a", "b", "c", "ab", "ता", "क्", "ष", " "), { maxLength: 16 }), {
          minLength: 1,
          maxLength: 40,
        }),
        fc.integer({ min: 262, max: 330 }),
        fc.integer({ min: 1, max: 3 }),
        (chunks, vocabSize, minFrequency) => {
          const texts = chunks.map((c) => c.join(""));
          const bpe = BpeTokenizer.train(texts, { vocabSize, minFrequency, split: "space" });
          const ref = referenceMerges(texts, bpe.alphabet, vocabSize, minFrequency);
          expect(bpe.merges).toEqual(ref.merges);
          for (const [word, segs] of ref.segments) expect(bpe.tokenize(word)).toEqual(segs);
        },
      ),
      { numRuns: 150 },
    );
  });

  it("never merges into a piece that spells a special or byte token", () => {
    const bpe = BpeTokenizer.train(Array(5).fill("<unk> <0x41>"), { vocabSize: 400, split: "space" });
    expect(bpe.size).toBeGreaterThan(BPE_MIN_VOCAB_SIZE + 6); // it did learn merges
    const pieces = bpe.vocab.tokens.slice(BPE_MIN_VOCAB_SIZE);
    expect(pieces).not.toContain("<unk>");
    expect(pieces).not.toContain("<0x41>");
    expect(bpe.decode(bpe.encode("<unk> <0x41>"))).toBe("<unk> <0x41>");
    expect(bpe.encode("<unk> <0x41>")).not.toContain(UNK);
  });

  it("refuses bad options", () => {
    expect(() => BpeTokenizer.train(["a"], { vocabSize: 100 })).toThrow(
      /vocabSize must be an integer in \[261/,
    );
    expect(() => BpeTokenizer.train(["a"], { vocabSize: 300.5 })).toThrow(/vocabSize/);
    expect(() => BpeTokenizer.train(["a"], { vocabSize: 300, minFrequency: 0 })).toThrow(/minFrequency/);
    expect(() => BpeTokenizer.train(["a"], { vocabSize: 300, split: "chars" as never })).toThrow(/split/);
    expect(() => BpeTokenizer.train(["a", 3 as never], { vocabSize: 300 })).toThrow(/text 1 is a number/);
    expect(() => new BpeTokenizer([], []).encode(undefined as never)).toThrow(/expected text \(a string\)/);
  });

  it("keeps the most frequent clusters when the alphabet does not fit; the rest fall back to bytes", () => {
    const bpe = BpeTokenizer.train(["aaa bb c"], { vocabSize: BPE_MIN_VOCAB_SIZE + 2 });
    expect(bpe.alphabet).toEqual(["a", "b"]);
    expect(bpe.tokenize("cab")).toEqual(["▁", "<0x63>", "a", "b"]);
    expect(bpe.decode(bpe.encode("cab"))).toBe("cab");
  });
});

describe("BpeTokenizer: encoding", () => {
  const hindi = BpeTokenizer.train(["मैं खुश हूँ।", "बत्ती बंद करो।", "वह मेरा दोस्त है।", "मैं ठीक हूँ।"], {
    vocabSize: 320,
  });

  it("normalises: NFC, whitespace collapsed and trimmed, lowercase on request, lone surrogates", () => {
    const en = new BpeTokenizer([], [], { lowercase: true });
    expect(en.normalize("  Turn\toff \u00A0 THE\nlights.  ")).toBe("turn off the lights.");
    expect(hindi.normalize("क\u093C")).toBe("क\u093C"); // U+0958 is excluded from composition
    expect(hindi.normalize("e\u0301")).toBe("\u00E9");
    expect(hindi.normalize("a\uD800b")).toBe("a\uFFFDb");
  });

  it("marks spaces with ▁ and keeps punctuation apart, so spacing round-trips", () => {
    const bpe = BpeTokenizer.train(Array(3).fill("Turn off the lights."), {
      vocabSize: 400,
      lowercase: true,
    });
    expect(bpe.tokenize("Turn off the lights.")).toEqual(["▁turn", "▁off", "▁the", "▁lights", "."]);
    expect(bpe.tokenize("the lights .")).toEqual(["▁the", "▁lights", "▁", "."]); // "▁." never seen
    expect(bpe.decode(bpe.encode("the lights ."))).toBe("the lights .");
    expect(bpe.decode(bpe.encode("(the) lights!", { addSos: true, addEos: true }))).toBe("(the) lights!");
  });

  it("spells unseen characters in bytes: nothing is <unk>, and decoding restores them", () => {
    const text = "मैं 😀 ☃ 漢字 ▁ naïve Ωμέγα \u0000 done.";
    const ids = hindi.encode(text);
    expect(ids).not.toContain(UNK);
    expect(hindi.tokenize("☃")).toEqual(["▁", "<0xE2>", "<0x98>", "<0x83>"]);
    expect(hindi.decode(ids)).toBe(hindi.normalize(text));
  });

  it("round-trips any string (after normalisation) without <unk>", () => {
    const en = BpeTokenizer.train(["the cat sat on the mat", "a naïve café, isn't it?"], { vocabSize: 300 });
    const ws = BpeTokenizer.train(["jump twice", "walk left"], { vocabSize: 300, split: "space" });
    fc.assert(
      fc.property(
        fc.string({ unit: "grapheme-composite", maxLength: 30 }),
        fc.string({ unit: "binary" }),
        (a, b) => {
          for (const bpe of [hindi, en, ws]) {
            for (const s of [a, b, `${a} ${b}`]) {
              const ids = bpe.encode(s);
              expect(ids).not.toContain(UNK);
              expect(bpe.decode(ids)).toBe(bpe.normalize(s));
              expect(bpe.detokenize(bpe.tokenize(s))).toBe(bpe.normalize(s));
            }
          }
        },
      ),
      { numRuns: 300 },
    );
  });

  it("normalisation is idempotent", () => {
    const lower = new BpeTokenizer([], [], { lowercase: true });
    fc.assert(
      fc.property(fc.string({ unit: "grapheme-composite" }), (s) => {
        expect(lower.normalize(lower.normalize(s))).toBe(lower.normalize(s));
      }),
    );
  });

  it("never splits a Devanagari cluster: every piece is whole clusters (a byte run, whole clusters too)", () => {
    const chars = [..."कखगचजटडतदनपबमयरलवशसहअआइउएओािीुूेैोौ़्ंःँ।", " ", "\u200C", "\u200D", "a", "."];
    fc.assert(
      fc.property(fc.array(fc.constantFrom(...chars), { maxLength: 40 }), (cs) => {
        const text = hindi.normalize(cs.join(""));
        const units = unitTexts(hindi, hindi.tokenize(text));
        expect(units.join("")).toBe(text);
        const bounds = clusterBoundaries(text);
        let pos = 0;
        for (const u of units) {
          expect(bounds.has(pos), `${JSON.stringify(text)} cut at ${pos}`).toBe(true);
          // A piece never starts with a vowel sign, virama, nukta, anusvara, visarga or joiner
          // unless it follows a space (a mark with no base).
          if (pos > 0 && text[pos - 1] !== " ") expect(u).not.toMatch(/^[\p{M}\u200C\u200D]/u);
          pos += u.length;
        }
      }),
      { numRuns: 500 },
    );
  });

  it("words() gives the word tokenizer's tokens of the decoded text", () => {
    const en = BpeTokenizer.train(["Don't turn off the lights, please."], {
      vocabSize: 300,
      lowercase: true,
    });
    const s = "Don't turn off the LIGHTS, please... (3.14)";
    expect(en.words(en.tokenize(s))).toEqual(tokenize(s, { lowercase: true }));
    const ws = BpeTokenizer.train(["I_TURN_LEFT I_JUMP"], { vocabSize: 300, split: "space" });
    expect(ws.words(ws.tokenize("I_TURN_LEFT  I_JUMP"))).toEqual(["I_TURN_LEFT", "I_JUMP"]);
  });

  it("decodes special tokens per the Vocab options, and bad byte runs to U+FFFD", () => {
    const ids = hindi.encode("मैं खुश हूँ।", { addSos: true, addEos: true });
    expect(ids[0]).toBe(2);
    expect(ids[ids.length - 1]).toBe(3);
    expect(hindi.decode(ids)).toBe("मैं खुश हूँ।");
    expect(hindi.decode([...ids, 5, 6])).toBe("मैं खुश हूँ।"); // stops at <eos>
    expect(hindi.decode([1, 4 + 0xe2, 4 + 0x98])).toBe("<unk>\uFFFD");
  });
});

describe("BpeTokenizer: JSON", () => {
  const bpe = BpeTokenizer.train(["मैं खुश हूँ।", "Turn off the lights.", "the light"], {
    vocabSize: 330,
    lowercase: true,
  });
  const good = bpe.toJSON();

  it("round-trips through JSON text, directly and through tokenizerFromJSON", () => {
    const text = JSON.stringify(good);
    const back = BpeTokenizer.fromJSON(text);
    expect(back.toJSON()).toEqual(good);
    expect(back.vocab.tokens).toEqual(bpe.vocab.tokens);
    const s = "Turn ON the lights! मैं खुश 😀";
    expect(back.encode(s)).toEqual(bpe.encode(s));
    const any = tokenizerFromJSON(JSON.parse(text));
    expect(any.kind).toBe("bpe");
    expect(any.encode(s)).toEqual(bpe.encode(s));
  });

  const corrupt: [string, unknown, RegExp][] = [
    ["truncated JSON text", JSON.stringify(good).slice(0, 40), /not valid JSON/],
    ["null", null, /got null/],
    ["an array", [good], /got an array/],
    ["a number", 3, /got number/],
    ["another format", { ...good, format: "qkv-vocab" }, /format must be "qkv-bpe"/],
    ["a future version", { ...good, version: 2 }, /version must be 1/],
    ["a stray field", { ...good, __proto__x: 1 }, /unknown field\(s\) "__proto__x"/],
    ["lowercase not boolean", { ...good, lowercase: "yes" }, /lowercase must be a boolean/],
    ["bad split", { ...good, split: "bytes" }, /split must be/],
    ["alphabet not an array", { ...good, alphabet: "abc" }, /alphabet must be an array/],
    [
      "a two-cluster symbol",
      { ...good, alphabet: [...good.alphabet, "ab"] },
      /alphabet\[\d+\] must be one grapheme cluster/,
    ],
    [
      "a non-string symbol",
      { ...good, alphabet: [...good.alphabet, 7] },
      /alphabet\[\d+\] must be one grapheme cluster/,
    ],
    ["the marker in the alphabet", { ...good, alphabet: ["▁", ...good.alphabet] }, /alphabet\[0\]/],
    ["a duplicate symbol", { ...good, alphabet: [...good.alphabet, good.alphabet[0]] }, /appears twice/],
    ["merges not an array", { ...good, merges: {} }, /merges must be an array/],
    ["a merge that is not a pair", { ...good, merges: [["a"]] }, /merges\[0\] must be a pair of strings/],
    ["a merge of unknown pieces", { ...good, merges: [["zz", "q"]] }, /merges\[0\] joins "zz"/],
    ["a repeated merge", { ...good, merges: [...good.merges, good.merges[0]] }, /repeats merges\[0\]/],
    [
      "a merge spelling a byte token",
      {
        ...good,
        alphabet: ["<", "0", "x", "4", "1", ">"],
        merges: [
          ["<", "0"],
          ["<0", "x"],
          ["<0x", "4"],
          ["<0x4", "1"],
          ["<0x41", ">"],
        ],
      },
      /merges\[4\] spells the reserved token <0x41>/,
    ],
  ];
  for (const [what, json, message] of corrupt) {
    it(`refuses ${what}`, () => {
      expect(() => BpeTokenizer.fromJSON(json)).toThrow(/^BpeTokenizer\.fromJSON: /);
      expect(() => BpeTokenizer.fromJSON(json)).toThrow(message);
    });
  }

  it("tokenizerFromJSON refuses unknown formats", () => {
    expect(() => tokenizerFromJSON({ format: "sentencepiece" })).toThrow(/format "sentencepiece"/);
    expect(() => tokenizerFromJSON("{")).toThrow(/tokenizerFromJSON: not valid JSON/);
    expect(() => tokenizerFromJSON(null)).toThrow(/got object/);
  });

  it("keeps the JSON it was given out of reach", () => {
    const json: BpeTokenizerJSON = structuredClone(good);
    const t = BpeTokenizer.fromJSON(json);
    json.merges.length = 0;
    json.alphabet[0] = "Z";
    expect(t.toJSON()).toEqual(good);
  });
});

const hasHin = requireDataset("tatoeba-eng-hin");
describe.skipIf(!hasHin)("BpeTokenizer on Tatoeba eng-hin (hin.txt)", () => {
  // describe bodies run even when skipped: read the data only where it exists.
  const pairs = hasHin ? loadTatoeba("hin") : [];
  for (const [side, pick] of [
    ["English", (p: { source: string }) => p.source],
    ["Hindi", (p: { target: string }) => p.target],
  ] as const) {
    for (const lowercase of [true, false]) {
      it(`round-trips every ${side} training sentence exactly (lowercase ${lowercase})`, () => {
        const texts = pairs.map(pick);
        const bpe = BpeTokenizer.train(texts, { vocabSize: 4000, lowercase });
        expect(bpe.size).toBeGreaterThan(1000);
        const failures = texts.filter((s) => bpe.decode(bpe.encode(s)) !== bpe.normalize(s));
        expect(failures).toEqual([]);
        const unk = texts.filter((s) => bpe.encode(s).includes(UNK));
        expect(unk).toEqual([]);
        // The pieces' words are the word tokenizer's tokens.
        for (const s of texts.slice(0, 500))
          expect(bpe.words(bpe.tokenize(s))).toEqual(tokenize(s, { lowercase }));
        // Learning is deterministic on real data too, and survives a trip through JSON.
        const again = BpeTokenizer.fromJSON(
          JSON.stringify(BpeTokenizer.train(texts, { vocabSize: 4000, lowercase })),
        );
        expect(again.merges).toEqual(bpe.merges);
        expect(texts.slice(0, 200).map((s) => again.encode(s))).toEqual(
          texts.slice(0, 200).map((s) => bpe.encode(s)),
        );
      });
    }
  }
});

describe.skipIf(!requireDataset("scan"))("BpeTokenizer on SCAN", () => {
  for (const split of SCAN_SPLITS) {
    it(`round-trips every training command and action sequence (${split})`, () => {
      const examples = loadScan(split, "train");
      for (const side of ["source", "target"] as const) {
        const texts = examples.map((e) => e[side].join(" "));
        const bpe = BpeTokenizer.train(texts, { vocabSize: 1000, split: "space" });
        expect(texts.filter((s) => bpe.decode(bpe.encode(s)) !== s)).toEqual([]);
        // SCAN's few words each become one piece.
        const words = new Set(texts.flatMap((s) => s.split(" ")));
        for (const w of words) expect(bpe.tokenize(w)).toEqual([`▁${w}`]);
      }
    });
  }
});
