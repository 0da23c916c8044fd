import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { clusterBoundaries, graphemeClusters, isGraphemeCluster } from "../../src/data/graphemes.js";

/** Devanagari consonants, vowels, signs (matras, virama U+094D, nukta U+093C, anusvara, visarga), danda. */
const DEVANAGARI = [..."कखगघचछजझटठडढणतथदधनपफबभमयरलवशषसहअआइईउऊएऐओऔािीुूृेैोौ़्ंःँ।"];
const MIXED = [...DEVANAGARI, " ", "\u200C", "\u200D", "a", "b", ".", ","];

const icu = new Intl.Segmenter("hi", { granularity: "grapheme" });
function icuBoundaries(text: string): Set<number> {
  const out = new Set<number>([text.length]);
  for (const s of icu.segment(text)) out.add(s.index);
  return out;
}

describe("graphemeClusters", () => {
  it("keeps Devanagari vowel signs, virama, nukta and anusvara with their consonant", () => {
    expect(graphemeClusters("क्षत्रिय")).toEqual(["क्", "ष", "त्", "रि", "य"]);
    expect(graphemeClusters("ज़रूर हैं।")).toEqual(["ज़", "रू", "र", " ", "हैं", "।"]);
    // NFD nukta (U+0915 U+093C) and a consonant with virama + ZWJ (explicit half form).
    expect(graphemeClusters("क\u093C")).toEqual(["क\u093C"]);
    expect(graphemeClusters("क\u094D\u200Dष")).toEqual(["क\u094D\u200D", "ष"]);
  });

  it("handles emoji sequences, flags, and marks with no base", () => {
    expect(graphemeClusters("👨‍👩‍👧 🇮🇳🇺🇸 👍🏽")).toEqual(["👨‍👩‍👧", " ", "🇮🇳", "🇺🇸", " ", "👍🏽"]);
    expect(graphemeClusters("\u0301\u0301a \u0902")).toEqual(["\u0301\u0301", "a", " ", "\u0902"]);
    expect(graphemeClusters("")).toEqual([]);
  });

  it("isGraphemeCluster and clusterBoundaries agree with graphemeClusters", () => {
    expect(isGraphemeCluster("कि")).toBe(true);
    expect(isGraphemeCluster("कक")).toBe(false);
    expect(isGraphemeCluster("")).toBe(false);
    expect([...clusterBoundaries("कि क")]).toEqual([0, 2, 3, 4]);
  });

  it("concatenates back to the text for any string", () => {
    fc.assert(
      fc.property(fc.string({ unit: "grapheme-composite" }), fc.string({ unit: "binary" }), (a, b) => {
        expect(graphemeClusters(a).join("")).toBe(a);
        expect(graphemeClusters(b).join("")).toBe(b);
      }),
    );
  });

  it("never starts a cluster with a mark, except at the text start or after whitespace", () => {
    fc.assert(
      fc.property(fc.array(fc.constantFrom(...MIXED), { maxLength: 40 }), (chars) => {
        const text = chars.join("");
        const cs = graphemeClusters(text);
        cs.forEach((c, i) => {
          if (i > 0 && !/^\s$/u.test(cs[i - 1]))
            expect(c, JSON.stringify(text)).not.toMatch(/^[\p{M}\u200C]/u);
        });
      }),
    );
  });

  it("matches Intl.Segmenter on Devanagari, except after a virama (conjuncts) and after a space", () => {
    fc.assert(
      fc.property(fc.array(fc.constantFrom(...MIXED), { maxLength: 40 }), (chars) => {
        const text = chars.join("");
        const ours = clusterBoundaries(text);
        const theirs = icuBoundaries(text);
        // Every ICU boundary is ours: we never join what ICU splits ...
        for (const b of theirs) expect(ours.has(b), `${JSON.stringify(text)} @${b}`).toBe(true);
        // ... and we split only where UAX #29 ≥ 15.1 joins a conjunct (a consonant after a virama and its
        // marks, GB9c) or a space takes a mark.
        for (const b of ours) {
          if (theirs.has(b)) continue;
          const before = text.slice(0, b);
          expect(/\u094D[\p{M}\u200C\u200D]*$|\s$/u.test(before), `${JSON.stringify(text)} @${b}`).toBe(true);
        }
      }),
      { numRuns: 500 },
    );
  });
});
