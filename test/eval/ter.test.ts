/**
 * TER against sacreBLEU's own tests: every case of test/test_ter.py (corpus TER within its EPSILON
 * 1e-3) and of test/test_tokenizer_ter.py (the TercomTokenizer options), transcribed from
 * github.com/mjpost/sacrebleu at commit f615c72 (v2.6.0); the README's WMT17 en-de figure
 * (online-A.0: TER 69.0 at the printed precision, sacreBLEU 2.0.0, default options); and
 * fixtures/ter-sacrebleu.json, written by fixtures/make_ter_fixtures.py running sacreBLEU 2.6.0's own
 * TER code: all 16 WMT17 en-de systems (every option on two), 120 random multi-reference corpora.
 */
import { readFileSync } from "node:fs";
import { describe, expect, it } from "vitest";
import { dataPath } from "../../src/data/paths.js";
import {
  corpusTer,
  sentenceTer,
  type TerOptions,
  tokenizeTercom,
  translationEditRate,
} from "../../src/eval/ter.js";
import { requireDataset } from "../helpers/data.js";

const HAS_WMT17 = requireDataset("sacrebleu-wmt17-en-de");

// test/test_ter.py: (hypotheses, references, expected TER / 100).
const TER_CASES: [string[], string[], number][] = [
  [["aaaa bbbb cccc dddd"], ["aaaa bbbb cccc dddd"], 0],
  [["dddd eeee ffff"], ["aaaa bbbb cccc"], 1],
  [[""], ["a"], 1],
  [["a"], [""], 1],
  [[""], [""], 0],
  [["d e f g h a b c"], ["a b c d e f g h"], 1 / 8],
  [
    [
      'wählen Sie " Bild neu berechnen , " um beim Ändern der Bildgröße Pixel hinzuzufügen oder zu entfernen , damit das Bild ungefähr dieselbe Größe aufweist wie die andere Größe .',
      'wenn Sie alle Aufgaben im aktuellen Dokument aktualisieren möchten , wählen Sie im Menü des Aufgabenbedienfelds die Option " Alle Aufgaben aktualisieren . "',
      'klicken Sie auf der Registerkarte " Optionen " auf die Schaltfläche " Benutzerdefiniert " und geben Sie Werte für " Fehlerkorrektur-Level " und " Y / X-Verhältnis " ein .',
      "Sie können beispielsweise ein Dokument erstellen , das ein Auto über die Bühne enthält .",
      'wählen Sie im Dialogfeld " Neu aus Vorlage " eine Vorlage aus und klicken Sie auf " Neu . "',
    ],
    [
      'wählen Sie " Bild neu berechnen , " um beim Ändern der Bildgröße Pixel hinzuzufügen oder zu entfernen , damit die Darstellung des Bildes in einer anderen Größe beibehalten wird .',
      'wenn Sie alle Aufgaben im aktuellen Dokument aktualisieren möchten , wählen Sie im Menü des Aufgabenbedienfelds die Option " Alle Aufgaben aktualisieren . "',
      'klicken Sie auf der Registerkarte " Optionen " auf die Schaltfläche " Benutzerdefiniert " und geben Sie für " Fehlerkorrektur-Level " und " Y / X-Verhältnis " niedrigere Werte ein .',
      "Sie können beispielsweise ein Dokument erstellen , das ein Auto enthalt , das sich über die Bühne bewegt .",
      'wählen Sie im Dialogfeld " Neu aus Vorlage " eine Vorlage aus und klicken Sie auf " Neu . "',
    ],
    0.136,
  ],
];

describe("TER: sacreBLEU's test_ter.py", () => {
  for (const [hyps, refs, expected] of TER_CASES) {
    it(`${JSON.stringify(hyps[0]).slice(0, 40)}… → ${100 * expected}`, () => {
      const s = corpusTer(hyps, [refs]);
      expect(Math.abs(s.score - 100 * expected)).toBeLessThan(1e-3);
    });
  }

  it("one shift fixes 'd e f g h a b c': 1 shift, 0 other edits", () => {
    expect(translationEditRate("d e f g h a b c".split(" "), "a b c d e f g h".split(" "))).toEqual([1, 8]);
  });

  it("several references: the fewest edits, over the mean reference length", () => {
    const s = sentenceTer("a b c", ["a b c d", "x y"]);
    // 1 edit (insert d) against the first; lengths 4 and 2 average 3.
    expect(s).toEqual({ score: 100 * (1 / 3), numEdits: 1, refLength: 3 });
    expect(() => corpusTer(["a", "b"], [["a"]])).toThrow(/reference stream 0 has 1 lines, the hypotheses 2/);
  });
});

describe("TercomTokenizer: sacreBLEU's test_tokenizer_ter.py", () => {
  const cases: [string, string, Parameters<typeof tokenizeTercom>[1]][] = [
    ["a b c d", "a b c d", {}],
    ["", "", {}],
    ["a b c d.", "a b c d.", {}],
    ["A B C D.", "a b c d.", {}],
    ["a b c d.", "a b c d", { noPunct: true }],
    ["A ; B ) C : D.", "a b c d", { noPunct: true }],
    ["a b (c) d.", "a b ( c ) d .", { normalized: true }],
    ["Jim's car.", "jim 's car .", { normalized: true }],
    ["4.2", "4.2", { normalized: true }],
    ["美众院公布对特", "美 众 院 公 布 对 特", { normalized: true, asianSupport: true }],
    ["りの拳銃を持", "りの 拳 銃 を 持", { normalized: true, asianSupport: true }],
  ];
  for (const [input, want, o] of cases) {
    it(`${JSON.stringify(input)} ${JSON.stringify(o)} → ${JSON.stringify(want)}`, () => {
      expect(tokenizeTercom(input, o)).toBe(want);
    });
  }
  it("is case-insensitive unless caseSensitive", () => {
    expect(corpusTer(["The Cat"], [["the cat"]]).score).toBe(0);
    expect(corpusTer(["The Cat"], [["the cat"]], { caseSensitive: true }).score).toBe(100);
  });
});

function readLines(path: string): string[] {
  const lines = readFileSync(path, "utf8").split("\n");
  if (lines.at(-1) === "") lines.pop();
  return lines;
}

describe.skipIf(!HAS_WMT17)("TER on WMT17 en-de (sacreBLEU README)", () => {
  it("online-A.0: 69.0 at sacreBLEU's printed precision", () => {
    const dir = (f: string) => dataPath("sacrebleu-wmt17-en-de", f);
    const ref = readLines(dir("newstest2017-ende-ref.de"));
    const hyp = readLines(dir("newstest2017.online-A.0.en-de"));
    const s = corpusTer(hyp, [ref]);
    expect(s.score.toFixed(1)).toBe("69.0");
  }, 120_000);
});

interface FixtureCase {
  opts: { normalized?: boolean; no_punct?: boolean; asian_support?: boolean; case_sensitive?: boolean };
  score: number;
  num_edits: number;
  ref_length: number;
}
const FIXTURES = JSON.parse(
  readFileSync(new URL("fixtures/ter-sacrebleu.json", import.meta.url), "utf8"),
) as {
  sacrebleu: string;
  wmt17: (FixtureCase & { system: string })[];
  random: (FixtureCase & { hyps: string[]; refs: string[][] })[];
};
const terOptions = (o: FixtureCase["opts"]): TerOptions => ({
  normalized: o.normalized,
  noPunct: o.no_punct,
  asianSupport: o.asian_support,
  caseSensitive: o.case_sensitive,
});
const expectSame = (got: ReturnType<typeof corpusTer>, want: FixtureCase, what: string) => {
  expect(got.numEdits, what).toBe(want.num_edits);
  expect(got.refLength, what).toBe(want.ref_length);
  expect(got.score, what).toBe(want.score);
};

describe("TER equals sacreBLEU 2.6.0's own code (fixtures/ter-sacrebleu.json)", () => {
  it("120 random corpora: several references, every option, edits, lengths and score exactly", () => {
    expect(FIXTURES.sacrebleu).toBe("2.6.0");
    expect(FIXTURES.random.length).toBe(120);
    for (const [i, c] of FIXTURES.random.entries()) {
      expectSame(corpusTer(c.hyps, c.refs, terOptions(c.opts)), c, `case ${i} ${JSON.stringify(c.opts)}`);
    }
  });

  it.skipIf(!HAS_WMT17)(
    "16 WMT17 en-de systems (each option on two): edits, lengths and score exactly",
    () => {
      const dir = (f: string) => dataPath("sacrebleu-wmt17-en-de", f);
      const ref = readLines(dir("newstest2017-ende-ref.de"));
      expect(new Set(FIXTURES.wmt17.map((c) => c.system)).size).toBe(16);
      for (const c of FIXTURES.wmt17) {
        const hyp = readLines(dir(`newstest2017.${c.system}.en-de`));
        expectSame(corpusTer(hyp, [ref], terOptions(c.opts)), c, `${c.system} ${JSON.stringify(c.opts)}`);
      }
    },
    300_000,
  );
});
