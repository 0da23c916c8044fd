import { readFileSync } from "node:fs";
import { beforeAll, describe, expect, it } from "vitest";
import { loadTatoeba, tatoebaPath } from "../../src/data/files.js";
import {
  normalizeSentence,
  parseTatoeba,
  splitBySource,
  TATOEBA_CREDIT,
  type TatoebaPair,
} from "../../src/data/tatoeba.js";
import { requireDataset } from "../helpers/data.js";

describe("parseTatoeba", () => {
  it("reads 3-column lines and keeps the attribution", () => {
    const text =
      "Wow!\tवाह!\tCC-BY 2.0 (France) Attribution: tatoeba.org #52027 (Zifre) & #6179147 (fastrizwaan)\n";
    expect(parseTatoeba(text)).toEqual([
      {
        source: "Wow!",
        target: "वाह!",
        attribution: "CC-BY 2.0 (France) Attribution: tatoeba.org #52027 (Zifre) & #6179147 (fastrizwaan)",
      },
    ]);
    expect(parseTatoeba(text, "x", { reverse: true })[0]).toMatchObject({ source: "वाह!", target: "Wow!" });
  });

  it("reads 2-column CRLF files with a header line", () => {
    const text = "1\t2\r\nGo.\tGeh.\r\nHi.\tHallo!\r\n";
    expect(parseTatoeba(text)).toEqual([
      { source: "Go.", target: "Geh.", attribution: "" },
      { source: "Hi.", target: "Hallo!", attribution: "" },
    ]);
    expect(parseTatoeba("Eng\tHin\tOth\nGo.\tजाओ।\tcc\n")).toHaveLength(1);
    expect(parseTatoeba("1\t2\nGo.\tGeh.", "x", { skipHeader: false })[0].source).toBe("1");
  });

  it("names the file and line of a malformed line", () => {
    expect(() => parseTatoeba("Go.\tVa !\nno tab here\n", "fra.txt")).toThrow(/^fra\.txt:2: expected/);
    expect(() => parseTatoeba("a\tb\tc\td\n", "f")).toThrow(/f:1: .*4 column/);
  });
});

describe("splitBySource", () => {
  const pairs = [
    { source: "How are you?", target: "a" },
    { source: "how are  you?", target: "b" },
    { source: "Hello.", target: "c" },
    { source: "Go.", target: "d" },
    { source: "Run!", target: "e" },
    { source: "Wow!", target: "f" },
    { source: "Help!", target: "g" },
    { source: "Stop!", target: "h" },
    { source: "Wait.", target: "i" },
    { source: "Hi.", target: "j" },
  ];

  it("keeps normalised duplicates together and honours the fractions (of groups)", () => {
    expect(normalizeSentence("  How  are you? ")).toBe("how are you?");
    const s = splitBySource(pairs, { valid: 0.2, test: 0.2, seed: 7 });
    expect(s.train.length + s.valid.length + s.test.length).toBe(pairs.length);
    const part = (t: string) =>
      (["train", "valid", "test"] as const).find((k) => s[k].some((p) => p.target === t));
    expect(part("a")).toBe(part("b"));
    // 9 groups: round(0.2 * 9) = 2 test groups, 2 valid groups
    const groups = (xs: typeof pairs) => new Set(xs.map((p) => normalizeSentence(p.source))).size;
    expect([groups(s.train), groups(s.valid), groups(s.test)]).toEqual([5, 2, 2]);
  });

  it("does not depend on input order, and changes with the seed", () => {
    const a = splitBySource(pairs, { valid: 0.2, test: 0.2, seed: 3 });
    const b = splitBySource([...pairs].reverse(), { valid: 0.2, test: 0.2, seed: 3 });
    const ids = (xs: { target: string }[]) => xs.map((p) => p.target).sort();
    expect(ids(b.test)).toEqual(ids(a.test));
    expect(ids(b.valid)).toEqual(ids(a.valid));
    const seeds = new Set(
      [1, 2, 3, 4, 5].map((seed) => ids(splitBySource(pairs, { valid: 0.2, test: 0.2, seed }).test).join()),
    );
    expect(seeds.size).toBeGreaterThan(1);
  });

  it("rejects bad fractions", () => {
    expect(() => splitBySource(pairs, { valid: 0.6, test: 0.6 })).toThrow(/exceeds 1/);
    expect(() => splitBySource(pairs, { valid: -0.1, test: 0.1 })).toThrow(/valid fraction/);
  });
});

describe.skipIf(!requireDataset("tatoeba-eng-hin"))("Tatoeba eng-hin file", () => {
  // Loaded in beforeAll: a skipped describe still runs its body while collecting tests.
  let file = "";
  let pairs: TatoebaPair[] = [];
  beforeAll(() => {
    file = tatoebaPath("hin");
    pairs = loadTatoeba("hin");
  });

  it("has one pair per line, with its attribution", () => {
    const lines = readFileSync(file, "utf8").split("\n").length - 1;
    expect(lines).toBe(3117);
    expect(pairs.length).toBe(lines);
    expect(pairs[0]).toEqual({
      source: "Wow!",
      target: "वाह!",
      attribution: "CC-BY 2.0 (France) Attribution: tatoeba.org #52027 (Zifre) & #6179147 (fastrizwaan)",
    });
    expect(
      pairs.every((p) => /^CC-BY 2\.0 \(France\) Attribution: tatoeba\.org #\d+/.test(p.attribution)),
    ).toBe(true);
    expect(new Set(pairs.map((p) => p.source)).size).toBe(2862);
    expect(pairs.filter((p) => p.source === "How are you?").length).toBe(8); // SOURCE.md says 7; the file has 8
  });

  it("reverse swaps the languages and keeps the attribution", () => {
    const rev = loadTatoeba("hin", undefined, { reverse: true });
    expect(rev[0]).toEqual({ source: "वाह!", target: "Wow!", attribution: pairs[0].attribution });
  });

  it("splits without English-sentence leakage, deterministically", () => {
    const opts = { valid: 0.1, test: 0.1, seed: 42 };
    const s = splitBySource(pairs, opts);
    expect(s.train.length + s.valid.length + s.test.length).toBe(3117);
    const keys = (xs: typeof pairs) => new Set(xs.map((p) => normalizeSentence(p.source)));
    const [tr, va, te] = [keys(s.train), keys(s.valid), keys(s.test)];
    for (const k of va) expect(tr.has(k)).toBe(false);
    for (const k of te) expect(tr.has(k) || va.has(k)).toBe(false);
    const groups = tr.size + va.size + te.size;
    expect(va.size).toBe(Math.round(0.1 * groups));
    expect(te.size).toBe(Math.round(0.1 * groups));
    const again = splitBySource(pairs, opts);
    expect(again.test).toEqual(s.test);
    expect(again.valid).toEqual(s.valid);
    expect(splitBySource(pairs, { ...opts, seed: 43 }).test).not.toEqual(s.test);
  });
});

describe.skipIf(!requireDataset("tatoeba-eng-fra"))(
  "Tatoeba eng-fra file (2 columns, no attribution)",
  () => {
    it("reads 51,976 pairs and credits Tatoeba collectively", () => {
      const pairs = loadTatoeba("fra");
      expect(pairs.length).toBe(51976);
      expect(pairs[0]).toEqual({ source: "Go.", target: "Va !", attribution: TATOEBA_CREDIT });
      expect(pairs[pairs.length - 1].target).toBe("On ne peut pas arrêter le progrès.");
      expect(new Set(pairs.map((p) => p.source)).size).toBe(33295);
    });
  },
);

describe.skipIf(!requireDataset("tatoeba-eng-deu"))("Tatoeba eng-deu file (CRLF, header)", () => {
  it("skips the header and strips CR: 50,001 pairs", () => {
    const pairs = loadTatoeba("deu");
    expect(pairs.length).toBe(50001);
    expect(pairs[0]).toEqual({ source: "Go.", target: "Geh.", attribution: TATOEBA_CREDIT });
    expect(pairs[pairs.length - 1]).toMatchObject({
      source: "No one here has a car.",
      target: "Hier hat niemand ein Auto.",
    });
    expect(pairs.some((p) => p.target.includes("\r"))).toBe(false);
    expect(new Set(pairs.map((p) => p.source)).size).toBe(37678);
  });
});
