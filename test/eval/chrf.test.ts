import { readFileSync } from "node:fs";
import { describe, expect, it } from "vitest";
import { dataPath } from "../../src/data/paths.js";
import {
  chrfWords,
  corpusChrf,
  extractCharNgrams,
  prepareChrfReferences,
  sentenceChrf,
} from "../../src/eval/chrf.js";
import { requireDataset } from "../helpers/data.js";

const HAS_WMT17 = requireDataset("sacrebleu-wmt17-en-de");

describe("chrF building blocks", () => {
  it("character n-grams drop whitespace and count code points", () => {
    const [uni, bi] = extractCharNgrams("ab a", 2);
    expect([...uni]).toEqual([
      ["a", 2],
      ["b", 1],
    ]);
    expect([...bi]).toEqual([
      ["ab", 1],
      ["ba", 1],
    ]);
    expect([...extractCharNgrams("a😀", 2)[1].keys()]).toEqual(["a😀"]);
    expect([...extractCharNgrams("a b", 3, true)[2].keys()]).toEqual(["a b"]);
  });

  it("chrF++ words split one edge punctuation mark (sacreBLEU issue #124 quirk included)", () => {
    expect(chrfWords("Hello, world! (hi) - x")).toEqual(["Hello", ",", "world", "!", "(hi", ")", "-", "x"]);
    expect(chrfWords('"quoted')).toEqual(['"', "quoted"]);
  });
});

describe("chrF hand-checked values", () => {
  it('"abc" vs "abd": effective-order chrF2 = 7/18 (worked out below)', () => {
    // orders 1..3 have n-grams on both sides: P = R = 2/3, 1/2, 0  → avg P = avg R = 7/18;
    // orders 4..6 have none and are skipped. F2 with P = R is P itself: 100·7/18 = 38.888…
    // (sacreBLEU 2.6.0 gives 38.888888888888886.)
    expect(sentenceChrf("abc", ["abd"]).score).toBeCloseTo((100 * 7) / 18, 12);
  });

  it('"abc" vs "abd" with eps smoothing: mean of per-order F (0 → eps) = 100·(2/3 + 1/2)/6', () => {
    // orders 1,2: F = 2/3, 1/2; order 3: P = R = 0 → eps; orders 4..6: no n-grams → eps. (sacreBLEU 19.444…)
    expect(sentenceChrf("abc", ["abd"], { epsSmoothing: true }).score).toBeCloseTo(
      (100 * (2 / 3 + 1 / 2)) / 6,
      12,
    );
    expect(sentenceChrf("abc", ["abd"], { eps_smoothing: true }).score).toBeCloseTo(
      (100 * (2 / 3 + 1 / 2)) / 6,
      12,
    );
  });

  it('"the cat sat" vs "the cat sat on the mat": precision 1, recall (9/17 + … + 4/12)/6', () => {
    // hyp chars "thecatsat" are a prefix of "thecatsatonthemat": every hyp n-gram matches (P = 1),
    // recall of order n = (10 - n)/(18 - n). F2 = 5·P·R/(4P + R). (sacreBLEU 2.6.0: 49.59348409966008)
    let R = 0;
    for (let n = 1; n <= 6; n++) R += (10 - n) / (18 - n);
    R /= 6;
    const expected = (100 * 5 * R) / (4 + R);
    const got = sentenceChrf("the cat sat", ["the cat sat on the mat"]).score;
    expect(got).toBeCloseTo(expected, 12);
    expect(got).toBeCloseTo(49.59348409966008, 12);
  });

  it("case sensitivity and lowercase option", () => {
    expect(sentenceChrf("AB", ["ab"]).score).toBe(0);
    expect(sentenceChrf("AB", ["ab"], { lowercase: true }).score).toBe(100);
    expect(sentenceChrf("identical sentence", ["identical sentence"], { wordOrder: 2 }).score).toBeCloseTo(
      100,
      12,
    );
  });

  it("name follows sacreBLEU (chrF2, chrF2++)", () => {
    expect(sentenceChrf("a", ["a"]).name).toBe("chrF2");
    expect(sentenceChrf("a", ["a"], { wordOrder: 2 }).name).toBe("chrF2++");
  });
});

// Values transcribed from sacreBLEU's own tests: mjpost/sacrebleu test/test_chrf.py (Apache-2.0),
// which asserts |score - expected| < 1e-4.
describe("sacreBLEU test/test_chrf.py", () => {
  const EPS = 1e-4;

  // test_cases: corpus_chrf(hyps, [refs], char_order=6, word_order=0, beta=3, eps_smoothing=True)
  const epsCases: Array<[string[], string[], number]> = [
    [["abcdefg"], ["hijklmnop"], 0.0],
    [["a"], ["b"], 0.0],
    [[""], ["b"], 0.0],
    [[""], ["ref"], 0.0],
    [[""], ["reference"], 0.0],
    [["aa"], ["ab"], 8.3333],
    [["a", "b"], ["a", "c"], 8.3333],
    [["a"], ["a"], 16.6667],
    [["a b c"], ["a b c"], 50.0],
    [["a b c"], ["abc"], 50.0],
    [
      [
        " risk assessment must be made of those who are qualified and expertise in the sector - these are the scientists .",
      ],
      [
        "risk assessment has to be undertaken by those who are qualified and expert in that area - that is the scientists .",
      ],
      63.36173,
    ],
    [
      [" Die    Beziehung zwischen  Obama und Netanjahu ist nicht gerade  freundlich. "],
      ["Das Verhältnis zwischen Obama und Netanyahu ist nicht gerade freundschaftlich."],
      64.1302698,
    ],
    [
      ["Niemand hat die Absicht, eine Mauer zu errichten"],
      ["Niemand hat die Absicht, eine Mauer zu errichten"],
      100.0,
    ],
  ];
  epsCases.forEach(([hyps, refs, expected], i) => {
    it(`eps smoothing, beta 3 #${i}: ${expected}`, () => {
      const s = corpusChrf(hyps, [refs], { charOrder: 6, wordOrder: 0, beta: 3, epsSmoothing: true }).score;
      expect(Math.abs(s - expected)).toBeLessThan(EPS);
    });
  });

  // test_cases_effective_order: same call with eps_smoothing=False (sacreBLEU < 2.0 behaviour, the default)
  const effCases: Array<[string[], string[], number]> = [
    [["a"], ["a"], 100.0],
    [[""], ["reference"], 0.0],
    [["a b c"], ["a b c"], 100.0],
    [["a b c"], ["abc"], 100.0],
    [[""], ["c"], 0.0],
    [["a", "b"], ["a", "c"], 50.0],
    [["aa"], ["ab"], 25.0],
  ];
  effCases.forEach(([hyps, refs, expected], i) => {
    it(`effective order, beta 3 #${i}: ${expected}`, () => {
      const s = corpusChrf(hyps, [refs], { charOrder: 6, wordOrder: 0, beta: 3 }).score;
      expect(Math.abs(s - expected)).toBeLessThan(EPS);
    });
  });

  // test_cases_keep_whitespace: remove_whitespace=False, beta=3
  const wsCases: Array<[string[], string[], number]> = [
    [
      ["Die Beziehung zwischen Obama und Netanjahu ist nicht gerade freundlich."],
      ["Das Verhältnis zwischen Obama und Netanyahu ist nicht gerade freundschaftlich."],
      67.3481606,
    ],
    [
      [
        "risk assessment must be made of those who are qualified and expertise in the sector - these are the scientists .",
      ],
      [
        "risk assessment has to be undertaken by those who are qualified and expert in that area - that is the scientists .",
      ],
      65.2414427,
    ],
  ];
  wsCases.forEach(([hyps, refs, expected], i) => {
    it(`keep whitespace, beta 3 #${i}: ${expected}`, () => {
      const s = corpusChrf(hyps, [refs], { beta: 3, whitespace: true }).score;
      expect(Math.abs(s - expected)).toBeLessThan(EPS);
    });
  });

  // test_sentence_level_chrf: sentence_chrf(hyp, refs, eps_smoothing=True) with defaults (chrF2)
  const sentCases: Array<[string, string[], number]> = [
    [
      "Co nás nejvíc trápí, protože lékaři si vybírají, kdo bude žít a kdo zemře.",
      ["Nejvíce smutní jsme z toho, že musíme rozhodovat o tom, kdo bude žít a kdo zemře."],
      39.14078509,
    ],
    [
      "Nebo prostě nemají vybavení, které by jim pomohlo, uvedli lékaři.",
      ["A někdy nemáme ani potřebný materiál, abychom jim pomohli, popsali lékaři."],
      31.22557079,
    ],
    [
      "Lapali po dechu, jejich životy skončily dřív, než skutečně začaly.",
      ["Lapali po dechu a pak jejich život skončil - dřív, než skutečně mohl začít, připomněli."],
      57.15704367,
    ],
  ];
  sentCases.forEach(([hyp, refs, expected], i) => {
    it(`sentence level #${i}: ${expected}`, () => {
      expect(Math.abs(sentenceChrf(hyp, refs, { epsSmoothing: true }).score - expected)).toBeLessThan(EPS);
    });
  });
});

// Values computed in this workspace with sacreBLEU 2.6.0 (pip wheel in a throwaway venv), e.g.
// `CHRF(word_order=2).corpus_score(hyps, refs).score`; full precision, compared to 1e-10.
describe("chrF against sacreBLEU 2.6.0 (multi-reference, chrF++)", () => {
  it("chrF++ sentence", () => {
    expect(sentenceChrf("the cat sat", ["the cat sat on the mat"], { wordOrder: 2 }).score).toBeCloseTo(
      49.83595347043889,
      10,
    );
  });

  it("corpus chrF2 with two reference streams, one of them missing a reference", () => {
    const s = corpusChrf(
      ["the cat sat", "a dog"],
      [
        ["the cat sat on the mat", "a dog barked"],
        ["a cat sat", null],
      ],
    ).score;
    expect(s).toBeCloseTo(41.13819708885931, 10);
  });

  it("corpus chrF++ with edge punctuation", () => {
    const s = corpusChrf(["Hello, world!", "(hi) there"], [["Hello world!", "hi there"]], {
      wordOrder: 2,
    }).score;
    expect(s).toBeCloseTo(57.34742369777429, 10);
  });
});

function readLines(path: string): string[] {
  const lines = readFileSync(path, "utf8").split("\n");
  if (lines[lines.length - 1] === "") lines.pop();
  return lines;
}

// sacreBLEU 2.6.0 corpus chrF2 / chrF2++ on WMT17 en-de (computed in this workspace like the BLEU figures
// in bleu.test.ts): CHRF().corpus_score(hyp, [ref]) and CHRF(word_order=2).corpus_score(hyp, [ref]).
describe.skipIf(!HAS_WMT17)("WMT17 en-de corpus chrF", () => {
  const dir = (f: string) => dataPath("sacrebleu-wmt17-en-de", f);
  const ref = HAS_WMT17 ? readLines(dir("newstest2017-ende-ref.de")) : [];

  it("uedin-nmt.4722 chrF2 = 57.722703142284985", () => {
    const prepared = prepareChrfReferences([ref]);
    const s = corpusChrf(readLines(dir("newstest2017.uedin-nmt.4722.en-de")), prepared).score;
    expect(Math.abs(s - 57.722703142284985)).toBeLessThan(1e-10);
  });

  it("online-A.0 chrF2++ = 49.046886556560054 (its first line starts with a BOM)", () => {
    const s = corpusChrf(readLines(dir("newstest2017.online-A.0.en-de")), [ref], { wordOrder: 2 }).score;
    expect(Math.abs(s - 49.046886556560054)).toBeLessThan(1e-10);
  });
});
