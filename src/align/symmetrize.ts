/**
 * Symmetrisation of two directional word alignments (Och & Ney 2003; Koehn, Och, Marcu 2003,
 * "Statistical Phrase-Based Translation"): a directional aligner links each target word to at most one
 * source word (forward) or each source word to at most one target word (backward); combining the two
 * gives many-to-many links. Both inputs are in the same `"s-t"` orientation (s = source word, t =
 * target word), as fast_align's `-r` output is.
 *
 * With F the forward links, B the backward links and A the result:
 *
 *     intersect            A = F ∩ B                       (high precision)
 *     union                A = F ∪ B                       (high recall)
 *     grow-diag            A = F ∩ B, then repeatedly add a point of F ∪ B that neighbours a point of A
 *                          (8-neighbourhood, diagonals included) when its source word or its target
 *                          word is still unaligned in A
 *     grow-diag-final      grow-diag, then add each point of F, then of B, whose source OR target word
 *                          is unaligned
 *     grow-diag-final-and  grow-diag, then add each point of F, then of B, whose source AND target words
 *                          are both unaligned
 *
 * The order of the additions follows fast_align's `atools` (itself Koehn's GROW-DIAG-FINAL as in Moses):
 * grow passes over the candidate points of F ∪ B ∖ A sorted by (s, t), adding at once every point that
 * qualifies, until a pass adds nothing; "final" passes once over F, then once over B, in (s, t) order.
 * `none` returns the forward links.
 *
 * Browser-safe: no Node built-ins.
 */
import { type AlignmentLinks, attentionToLinks, linkKey, parseLink, toLinkSet } from "../eval/alignment.js";

/** How two directional alignments are combined. */
export type Symmetrization =
  | "none"
  | "intersect"
  | "union"
  | "grow-diag"
  | "grow-diag-final"
  | "grow-diag-final-and";

/** Every symmetrisation, in order of the list above. */
export const SYMMETRIZATIONS: readonly Symmetrization[] = [
  "none",
  "intersect",
  "union",
  "grow-diag",
  "grow-diag-final",
  "grow-diag-final-and",
];

const NEIGHBOURS: readonly [number, number][] = [
  [1, 0],
  [-1, 0],
  [0, 1],
  [0, -1],
  [1, 1],
  [-1, 1],
  [1, -1],
  [-1, -1],
];

/** The links of a set as [s, t] pairs sorted by s, then t. */
function sortedPairs(links: ReadonlySet<string>): [number, number][] {
  return [...links].map(parseLink).sort((a, b) => a[0] - b[0] || a[1] - b[1]);
}

/** The growing alignment A with the words it aligns. */
class Refinement {
  readonly links = new Set<string>();
  private readonly src = new Set<number>();
  private readonly tgt = new Set<number>();

  add(s: number, t: number): void {
    this.links.add(linkKey(s, t));
    this.src.add(s);
    this.tgt.add(t);
  }

  has(s: number, t: number): boolean {
    return this.links.has(linkKey(s, t));
  }

  /** Source or target word (or both) still unaligned. */
  oneUnaligned(s: number, t: number): boolean {
    return !(this.src.has(s) && this.tgt.has(t));
  }

  /** Neither the source nor the target word aligned. */
  bothUnaligned(s: number, t: number): boolean {
    return !this.src.has(s) && !this.tgt.has(t);
  }

  neighbourAligned(s: number, t: number): boolean {
    for (const [ds, dt] of NEIGHBOURS) if (this.has(s + ds, t + dt)) return true;
    return false;
  }
}

/**
 * Combines forward and backward links (both `"s-t"`) by `method` (see the file comment); returns a new
 * set.
 */
export function symmetrize(
  forward: AlignmentLinks,
  backward: AlignmentLinks,
  method: Symmetrization,
): Set<string> {
  if (!SYMMETRIZATIONS.includes(method)) {
    throw new Error(
      `symmetrize: unknown method ${JSON.stringify(method)} (one of ${SYMMETRIZATIONS.join(", ")})`,
    );
  }
  const F = toLinkSet(forward);
  const B = toLinkSet(backward);
  if (method === "none") return F;
  if (method === "union") {
    for (const k of B) F.add(k);
    return F;
  }
  const A = new Refinement();
  for (const [s, t] of sortedPairs(F)) if (B.has(linkKey(s, t))) A.add(s, t);
  if (method === "intersect") return A.links;
  // grow-diag
  const union = new Set(F);
  for (const k of B) union.add(k);
  let pending = sortedPairs(union).filter(([s, t]) => !A.has(s, t));
  for (;;) {
    const rest: [number, number][] = [];
    for (const [s, t] of pending) {
      if (A.oneUnaligned(s, t) && A.neighbourAligned(s, t)) A.add(s, t);
      else rest.push([s, t]);
    }
    if (rest.length === pending.length) break;
    pending = rest;
  }
  if (method === "grow-diag") return A.links;
  const and = method === "grow-diag-final-and";
  for (const side of [F, B]) {
    for (const [s, t] of sortedPairs(side)) {
      if (!A.has(s, t) && (and ? A.bothUnaligned(s, t) : A.oneUnaligned(s, t))) A.add(s, t);
    }
  }
  return A.links;
}

/**
 * Links read off one soft alignment matrix in both directions: `weights[t][s]` (target words × source
 * words, e.g. forced attention or an alignment posterior). The forward links take each target word's
 * argmax source word (its row), the backward links each source word's argmax target word (its column);
 * `method` combines them as `symmetrize` combines two directional aligners ("none": the rows only,
 * `attentionToLinks`' default). First index on ties; NaN is never chosen.
 */
export function bidirectionalLinks(
  weights: ReadonlyArray<ArrayLike<number>>,
  method: Symmetrization,
): Set<string> {
  const forward = attentionToLinks(weights);
  if (method === "none") return forward;
  const backward = new Set<string>();
  const S = weights.reduce((m, row) => Math.max(m, row.length), 0);
  for (let s = 0; s < S; s++) {
    let best = -1;
    let bestW = Number.NEGATIVE_INFINITY;
    for (let t = 0; t < weights.length; t++) {
      const w = weights[t][s];
      if (w > bestW) {
        bestW = w;
        best = t;
      }
    }
    if (best >= 0) backward.add(linkKey(s, best));
  }
  return symmetrize(forward, backward, method);
}
