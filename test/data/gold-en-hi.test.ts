/**
 * The hand-aligned English–Hindi gold sets in gold/en-hi (README.md there has the rules): file shapes
 * and links always; with ../shared/data, that the sentences are where the README says they come from
 * (test: Tatoeba test set, English not in hin.txt; dev: the validation part of tatoeba-hin-std) and
 * that scripts/gold-en-hi-select.ts still draws exactly these pairs.
 */
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { describe, expect, it } from "vitest";
import { selectGold } from "../../scripts/gold-en-hi-select.js";
import { loadTatoeba } from "../../src/data/files.js";
import { normalizeSentence, splitBySource } from "../../src/data/index.js";
import { readParallel } from "../../src/data/parallel.js";
import { dataPath } from "../../src/data/paths.js";
import { linkKey } from "../../src/eval/alignment.js";
import { STD_VALID_FRACTION } from "../../src/train/tasks.js";
import { requireDataset } from "../helpers/data.js";

const GOLD = fileURLToPath(new URL("../../gold/en-hi/", import.meta.url));
const SETS = ["test", "dev", "lesson"] as const;
type SetName = (typeof SETS)[number];

interface GoldSentence {
  en: string;
  hi: string;
  enWords: string[];
  hiWords: string[];
  /** `"i-j"` keys, i = English word, j = Hindi word. */
  sure: Set<string>;
  /** Sure links plus the `i?j` links (S ⊆ P). */
  possible: Set<string>;
}

/** The lines of a file that must end in exactly one newline (no empty lines, no CR). */
function lines(file: string): string[] {
  const text = readFileSync(file, "utf8");
  expect(text.endsWith("\n"), `${file} ends with a newline`).toBe(true);
  expect(text.includes("\r"), `${file} has no CR`).toBe(false);
  return text.slice(0, -1).split("\n");
}

const words = (s: string): string[] => s.split(/\s+/).filter((w) => w !== "");

function readSet(name: SetName): GoldSentence[] {
  const en = lines(join(GOLD, `${name}.en`));
  const hi = lines(join(GOLD, `${name}.hi`));
  const align = lines(join(GOLD, `${name}.align`));
  expect(hi.length, `${name}.hi lines`).toBe(en.length);
  expect(align.length, `${name}.align lines`).toBe(en.length);
  return en.map((e, k) => {
    const enWords = words(e);
    const hiWords = words(hi[k]);
    const sure = new Set<string>();
    const extra = new Set<string>();
    for (const item of align[k].split(" ")) {
      const m = /^(\d+)([-?])(\d+)$/.exec(item);
      if (m === null) throw new Error(`${name}.align line ${k + 1}: bad link ${JSON.stringify(item)}`);
      const i = Number(m[1]);
      const j = Number(m[3]);
      if (i >= enWords.length || j >= hiWords.length) {
        throw new Error(
          `${name}.align line ${k + 1}: link ${item} outside ${enWords.length} English × ${hiWords.length} Hindi words`,
        );
      }
      const key = linkKey(i, j);
      if (sure.has(key) || extra.has(key)) {
        throw new Error(`${name}.align line ${k + 1}: link ${i},${j} listed twice`);
      }
      (m[2] === "-" ? sure : extra).add(key);
    }
    return { en: e, hi: hi[k], enWords, hiWords, sure, possible: new Set([...sure, ...extra]) };
  });
}

const gold = Object.fromEntries(SETS.map((n) => [n, readSet(n)])) as Record<SetName, GoldSentence[]>;

describe("gold/en-hi files", () => {
  it("sizes: ≥ 100 test pairs, 30 dev pairs, the lesson's one pair", () => {
    expect(gold.test.length).toBeGreaterThanOrEqual(100);
    expect(gold.dev.length).toBe(30);
    expect(gold.lesson.map((s) => [s.en, s.hi])).toEqual([["Turn off the lights.", "लाइट बंद करो"]]);
  });

  it.each(SETS)("%s: NFC lines, no English line twice, test and dev disjoint from the lesson", (name) => {
    const seen = new Set<string>();
    for (const s of gold[name]) {
      expect(s.en.normalize("NFC")).toBe(s.en);
      expect(s.hi.normalize("NFC")).toBe(s.hi);
      expect(s.enWords.length).toBeGreaterThan(0);
      expect(s.hiWords.length).toBeGreaterThan(0);
      const key = normalizeSentence(s.en);
      expect(seen.has(key), `${name}: "${s.en}" twice`).toBe(false);
      seen.add(key);
      if (name !== "lesson") expect(key).not.toBe(normalizeSentence(gold.lesson[0].en));
    }
  });

  it.each(SETS)("%s: every line has a sure link; sure ⊆ possible; links inside the words", (name) => {
    for (const [k, s] of gold[name].entries()) {
      expect(s.sure.size, `${name} line ${k + 1} has a sure link`).toBeGreaterThan(0);
      for (const key of s.sure) expect(s.possible.has(key)).toBe(true);
      for (const key of s.possible) {
        const [i, j] = key.split("-").map(Number);
        expect(i).toBeLessThan(s.enWords.length);
        expect(j).toBeLessThan(s.hiWords.length);
      }
    }
  });

  it("the lesson's links: off↔बंद, turn↔करो, lights.↔लाइट sure; turn↔बंद possible", () => {
    const [s] = gold.lesson;
    expect([...s.sure].sort()).toEqual(["0-2", "1-1", "3-0"]);
    expect([...s.possible].sort()).toEqual(["0-1", "0-2", "1-1", "3-0"]);
  });
});

const HAS_DATA = requireDataset("tatoeba-eng-hin") && requireDataset("tatoeba-test-eng-hin");

describe.skipIf(!HAS_DATA)("gold/en-hi sources (needs ../shared/data)", () => {
  it("test: every pair is a pair of the Tatoeba test set (NFC) whose English is not in hin.txt", () => {
    const hin = loadTatoeba("hin");
    const inHin = new Set(hin.map((p) => normalizeSentence(p.source)));
    const source = readParallel(
      dataPath("tatoeba-test-eng-hin", "test.en"),
      dataPath("tatoeba-test-eng-hin", "test.hi"),
    );
    const pairs = new Set(source.map((p) => `${p.source.normalize("NFC")}\t${p.target.normalize("NFC")}`));
    for (const s of gold.test) {
      expect(inHin.has(normalizeSentence(s.en)), `"${s.en}" is in hin.txt`).toBe(false);
      expect(pairs.has(`${s.en}\t${s.hi}`), `"${s.en}" is a test-set pair`).toBe(true);
      expect(s.enWords.length).toBeGreaterThanOrEqual(3);
      expect(s.enWords.length).toBeLessThanOrEqual(14);
    }
  });

  it("dev: every pair is in the validation part of tatoeba-hin-std, none in the training part", () => {
    const split = splitBySource(loadTatoeba("hin"), { valid: STD_VALID_FRACTION, test: 0, seed: 1 });
    const train = new Set(split.train.map((p) => normalizeSentence(p.source)));
    const valid = new Set(split.valid.map((p) => `${p.source}\t${p.target}`));
    for (const s of gold.dev) {
      expect(train.has(normalizeSentence(s.en)), `"${s.en}" is in the training part`).toBe(false);
      expect(valid.has(`${s.en}\t${s.hi}`), `"${s.en}" is a validation pair`).toBe(true);
    }
  });

  it("scripts/gold-en-hi-select.ts draws exactly the committed sentences", () => {
    const sel = selectGold();
    const pairs = (ss: GoldSentence[]) => ss.map((s) => ({ en: s.en, hi: s.hi }));
    expect(sel.test.taken).toEqual(pairs(gold.test));
    expect(sel.dev.taken).toEqual(pairs(gold.dev));
    expect(sel.lesson).toEqual(pairs(gold.lesson)[0]);
  });
});
