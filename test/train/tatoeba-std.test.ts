/** tatoeba-hin-std: the standard Tatoeba test set without hin.txt's sentences; FLORES and TICO as extra sets. */
import { describe, expect, it } from "vitest";
import { normalizeSentence } from "../../src/data/index.js";
import { loadTask } from "../../src/train/index.js";
import { STD_VALID_FRACTION } from "../../src/train/tasks.js";
import { requireDataset } from "../helpers/data.js";

const have = [
  "tatoeba-eng-hin",
  "tatoeba-test-eng-hin",
  "flores200-devtest-eng-hin",
  "tico19-test-eng-hin",
].every(requireDataset);

describe.runIf(have)("task tatoeba-hin-std", () => {
  it("trains on hin.txt less a validation part, tests only on unseen English sentences", () => {
    const t = loadTask("tatoeba-hin-std");
    const src = (ps: typeof t.train) => ps.map((p) => normalizeSentence(p.text?.src ?? ""));
    const train = new Set(src(t.train));
    const valid = new Set(src(t.valid));
    // All 3,117 pairs of hin.txt are used, split by unique English sentence.
    expect(t.train.length + t.valid.length).toBe(3117);
    expect([...valid].some((s) => train.has(s))).toBe(false);
    expect(valid.size / (valid.size + train.size)).toBeCloseTo(STD_VALID_FRACTION, 2);
    // 5,000 test pairs; 1,240 of them have an English sentence of hin.txt (1,178 distinct sentences).
    expect(t.test.length).toBe(3760);
    for (const s of src(t.test)) expect(train.has(s) || valid.has(s)).toBe(false);
    expect(t.extra.flores).toHaveLength(1012);
    expect(t.extra.tico).toHaveLength(2100);
    // Raw text is kept for sacreBLEU-style scoring (the word tokens are lower-cased).
    const p = t.extra.flores[0];
    expect(p.text?.src).toMatch(/[A-Z]/);
    expect(p.src.join(" ")).toBe(p.src.join(" ").toLowerCase());
  }, 60_000);
});
