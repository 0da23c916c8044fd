/**
 * Symmetrisation (src/align/symmetrize.ts): a 4×4 example worked by hand through Koehn's
 * GROW-DIAG-FINAL(-AND) in fast_align atools' order, a case that needs a second grow pass, cases whose
 * results were produced by fast_align's `atools -c …` (compiled from clab/fast_align), properties, and
 * `bidirectionalLinks` (one soft matrix read by rows and by columns) on a matrix worked by hand.
 */
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import {
  bidirectionalLinks,
  SYMMETRIZATIONS,
  type Symmetrization,
  symmetrize,
} from "../../src/align/symmetrize.js";

const sorted = (links: Set<string>): string[] =>
  [...links].sort((a, b) => {
    const [as, at] = a.split("-").map(Number);
    const [bs, bt] = b.split("-").map(Number);
    return as - bs || at - bt;
  });

describe("symmetrize: a 4×4 example by hand", () => {
  // Rows s = source words 0…3, columns t = target words 0…3.
  //   forward F (each target word ≤ 1 source word):  0-0, 0-2, 3-3   (t1 unlinked)
  //   backward B (each source word ≤ 1 target word): 0-0, 1-0, 2-3, 3-2
  //
  //          t0  t1  t2  t3
  //     s0   FB   .   F   .
  //     s1    B   .   .   .
  //     s2    .   .   .   B
  //     s3    .   .   B   F
  //
  // intersect = {0-0}; union = {0-0, 0-2, 1-0, 2-3, 3-2, 3-3}.
  // grow-diag: A = {0-0}; candidates (union ∖ A, sorted) 0-2, 1-0, 2-3, 3-2, 3-3.
  //   pass 1: 0-2 — t2 unaligned but no neighbour in A (0-0 is two columns away) → no;
  //           1-0 — s1 unaligned, neighbour 0-0 → add (A = {0-0, 1-0});
  //           2-3 — neighbours 1-2, 1-3, 1-4, 2-2, 2-4, 3-2, 3-3, 3-4: none in A → no;
  //           3-2 — neighbours 2-1, 2-2, 2-3, 3-1, 3-3, 4-*: none in A → no;
  //           3-3 — neighbours 2-2, 2-3, 2-4, 3-2, 3-4, 4-*: none in A → no.
  //   pass 2: nothing new → grow-diag = {0-0, 1-0}.
  // grow-diag-final (F then B, a point whose source OR target word is unaligned):
  //   F: 0-2 (t2 unaligned) add; 3-3 (both unaligned) add; B: 2-3 (s2 unaligned) add;
  //      3-2 (s3 and t2 now aligned) no → {0-0, 0-2, 1-0, 2-3, 3-3}.
  // grow-diag-final-and (source AND target word unaligned):
  //   F: 0-2 (s0 aligned) no; 3-3 add; B: 2-3 (t3 now aligned) no; 3-2 (s3 aligned) no
  //   → {0-0, 1-0, 3-3}.
  const F = new Set(["0-0", "0-2", "3-3"]);
  const B = new Set(["0-0", "1-0", "2-3", "3-2"]);
  const expected: Record<Symmetrization, string[]> = {
    none: ["0-0", "0-2", "3-3"],
    intersect: ["0-0"],
    union: ["0-0", "0-2", "1-0", "2-3", "3-2", "3-3"],
    "grow-diag": ["0-0", "1-0"],
    "grow-diag-final": ["0-0", "0-2", "1-0", "2-3", "3-3"],
    "grow-diag-final-and": ["0-0", "1-0", "3-3"],
  };
  for (const method of SYMMETRIZATIONS) {
    it(method, () => {
      expect(sorted(symmetrize(F, B, method))).toEqual(expected[method]);
    });
  }

  it("does not change its inputs, and takes [s, t] pairs too", () => {
    const out = symmetrize(F, B, "union");
    expect(F.size).toBe(3);
    expect(B.size).toBe(4);
    out.add("9-9");
    expect(sorted(symmetrize(F, B, "none"))).toEqual(expected.none);
    const pairs = (s: Set<string>) => [...s].map((k) => k.split("-").map(Number) as [number, number]);
    expect(sorted(symmetrize(pairs(F), pairs(B), "grow-diag-final-and"))).toEqual(
      expected["grow-diag-final-and"],
    );
  });
});

describe("symmetrize: growing needs passes until nothing is added", () => {
  // F = {0-0, 0-2}, B = {0-0, 1-1}: A = {0-0}; pass 1 visits 0-2 first (no neighbour in A yet), then
  // 1-1 (diagonal to 0-0, s1 unaligned) → add; pass 2: 0-2 is now diagonal to 1-1 and t2 is unaligned
  // → add; pass 3 adds nothing.
  it("grow-diag = {0-0, 0-2, 1-1}", () => {
    expect(sorted(symmetrize(["0-0", "0-2"], ["0-0", "1-1"], "grow-diag"))).toEqual(["0-0", "0-2", "1-1"]);
  });
});

describe("symmetrize: the same results as fast_align's atools", () => {
  // Each row: `atools -i F.al -j B.al -c <method>` output (fast_align at clab/fast_align master).
  const cases = [
    {
      forward: "0-1 3-3 4-2 5-0 5-5 6-4",
      backward: "0-5 1-2 2-4 3-4 4-4 5-5 6-2",
      intersect: "5-5",
      union: "0-1 0-5 1-2 2-4 3-3 3-4 4-2 4-4 5-0 5-5 6-2 6-4",
      "grow-diag": "2-4 3-3 4-2 4-4 5-5 6-4",
      "grow-diag-final": "0-1 1-2 2-4 3-3 4-2 4-4 5-0 5-5 6-4",
      "grow-diag-final-and": "0-1 2-4 3-3 4-2 4-4 5-5 6-4",
    },
    {
      forward: "2-2 3-0 3-4 4-1 4-3",
      backward: "0-3 1-3 2-2 4-2",
      intersect: "2-2",
      union: "0-3 1-3 2-2 3-0 3-4 4-1 4-2 4-3",
      "grow-diag": "0-3 1-3 2-2",
      "grow-diag-final": "0-3 1-3 2-2 3-0 3-4 4-1",
      "grow-diag-final-and": "0-3 1-3 2-2 3-0 4-1",
    },
    {
      forward: "0-3 3-2 4-5 5-0 5-1 6-4",
      backward: "0-2 1-1 2-1 3-2 4-3",
      intersect: "3-2",
      union: "0-2 0-3 1-1 2-1 3-2 4-3 4-5 5-0 5-1 6-4",
      "grow-diag": "0-2 1-1 2-1 3-2 4-3",
      "grow-diag-final": "0-2 1-1 2-1 3-2 4-3 4-5 5-0 6-4",
      "grow-diag-final-and": "0-2 1-1 2-1 3-2 4-3 5-0 6-4",
    },
    {
      forward: "1-3 1-4 2-1 3-0",
      backward: "0-0 1-4 2-4 3-1",
      intersect: "1-4",
      union: "0-0 1-3 1-4 2-1 2-4 3-0 3-1",
      "grow-diag": "1-3 1-4 2-4",
      "grow-diag-final": "0-0 1-3 1-4 2-1 2-4 3-0",
      "grow-diag-final-and": "1-3 1-4 2-4 3-0",
    },
  ] as const;
  cases.forEach((c, n) => {
    it(`case ${n + 1}`, () => {
      const F = c.forward.split(" ");
      const B = c.backward.split(" ");
      for (const method of [
        "intersect",
        "union",
        "grow-diag",
        "grow-diag-final",
        "grow-diag-final-and",
      ] as const) {
        expect(sorted(symmetrize(F, B, method)).join(" "), method).toBe(c[method]);
      }
    });
  });
});

describe("symmetrize: properties", () => {
  const links = fc
    .array(fc.tuple(fc.integer({ min: 0, max: 6 }), fc.integer({ min: 0, max: 6 })), { maxLength: 20 })
    .map((ps) => new Set(ps.map(([s, t]) => `${s}-${t}`)));
  const subset = (a: Set<string>, b: Set<string>) => [...a].every((k) => b.has(k));

  it("intersect ⊆ grow-diag ⊆ grow-diag-final(-and) ⊆ union", () => {
    fc.assert(
      fc.property(links, links, (F, B) => {
        const r = Object.fromEntries(SYMMETRIZATIONS.map((m) => [m, symmetrize(F, B, m)])) as Record<
          Symmetrization,
          Set<string>
        >;
        expect(subset(r.intersect, r["grow-diag"])).toBe(true);
        expect(subset(r["grow-diag"], r["grow-diag-final"])).toBe(true);
        expect(subset(r["grow-diag"], r["grow-diag-final-and"])).toBe(true);
        expect(subset(r["grow-diag-final"], r.union)).toBe(true);
        expect(subset(r["grow-diag-final-and"], r.union)).toBe(true);
        expect(r.union.size).toBe(new Set([...F, ...B]).size);
        expect(r.none).toEqual(F);
      }),
      { numRuns: 300 },
    );
  });

  it("every word aligned in either direction is aligned by grow-diag-final", () => {
    fc.assert(
      fc.property(links, links, (F, B) => {
        const gdf = symmetrize(F, B, "grow-diag-final");
        const src = new Set([...gdf].map((k) => k.split("-")[0]));
        const tgt = new Set([...gdf].map((k) => k.split("-")[1]));
        for (const k of [...F, ...B]) {
          const [s, t] = k.split("-");
          expect(src.has(s) && tgt.has(t)).toBe(true);
        }
      }),
      { numRuns: 300 },
    );
  });

  it("refuses an unknown method or a bad link", () => {
    expect(() => symmetrize([], [], "grow" as Symmetrization)).toThrow(/symmetrize: unknown method "grow"/);
    expect(() => symmetrize(["0-x"], [], "union")).toThrow(/bad link "0-x"/);
  });
});

describe("bidirectionalLinks: one matrix read by its rows and by its columns", () => {
  // W[t][s], 3 target words × 4 source words.
  //            s0    s1    s2    s3
  //    t0     0.7   0.1   0.1   0.1     row argmax s0
  //    t1     0.2   0.3   0.1   0.4     row argmax s3
  //    t2     0.1   0.1   0.2   0.6     row argmax s3
  // forward (rows):    0-0, 3-1, 3-2
  // backward (columns, each source word's argmax target word): s0→t0, s1→t1, s2→t2, s3→t2
  //                    0-0, 1-1, 2-2, 3-2
  // intersect = {0-0, 3-2}; union = {0-0, 1-1, 2-2, 3-1, 3-2}.
  // grow-diag from {0-0, 3-2}: candidates 1-1, 2-2, 3-1 in (s, t) order;
  //   1-1: s1 unaligned, neighbour 0-0 → add; 2-2: s2 unaligned, neighbour 1-1 (and 3-2) → add;
  //   3-1: t1 aligned (1-1), s3 aligned → no. → {0-0, 1-1, 2-2, 3-2}.
  const W = [
    [0.7, 0.1, 0.1, 0.1],
    [0.2, 0.3, 0.1, 0.4],
    [0.1, 0.1, 0.2, 0.6],
  ];
  const expected: Partial<Record<Symmetrization, string[]>> = {
    none: ["0-0", "3-1", "3-2"],
    intersect: ["0-0", "3-2"],
    union: ["0-0", "1-1", "2-2", "3-1", "3-2"],
    "grow-diag": ["0-0", "1-1", "2-2", "3-2"],
  };
  for (const [method, links] of Object.entries(expected)) {
    it(method, () => {
      expect(sorted(bidirectionalLinks(W, method as Symmetrization))).toEqual(links);
    });
  }
  it("a transposed matrix gives the transposed links (the two directions swap)", () => {
    const T = W[0].map((_, s) => W.map((row) => row[s]));
    const flip = (links: Set<string>) => new Set([...links].map((k) => k.split("-").reverse().join("-")));
    for (const method of SYMMETRIZATIONS) {
      if (method === "none" || method.startsWith("grow-diag-final")) continue; // these favour F over B
      expect(sorted(flip(bidirectionalLinks(T, method)))).toEqual(sorted(bidirectionalLinks(W, method)));
    }
  });
  it("NaN is never chosen; an unknown method is refused", () => {
    expect(sorted(bidirectionalLinks([[Number.NaN, 0.5]], "intersect"))).toEqual(["1-0"]);
    expect(() => bidirectionalLinks(W, "both" as Symmetrization)).toThrow(/unknown method "both"/);
  });
});
