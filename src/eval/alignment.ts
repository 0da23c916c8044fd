/**
 * Word-alignment quality: precision, recall and alignment error rate (AER), plus the Canadian Hansards
 * French–English gold standard and a way to read links off an attention matrix.
 *
 * Reference: F. J. Och, H. Ney. "A Systematic Comparison of Various Statistical Alignment Models".
 * Computational Linguistics 29(1), 2003. With a predicted link set A, sure gold links S and possible gold
 * links P (S ⊆ P):
 *
 *     precision = |A ∩ P| / |A|      recall = |A ∩ S| / |S|
 *     AER       = 1 − (|A ∩ S| + |A ∩ P|) / (|A| + |S|)
 *
 * Over a corpus the counts are summed over sentences before dividing (as Och & Ney and the JHU "dreamt"
 * `score-alignments` script do), so long sentences weigh more. Sure links always count as possible: P is
 * taken as P ∪ S whatever is passed.
 *
 * Links are strings `"s-t"` (see `linkKey`): s indexes the source-side word and t the target-side word,
 * 0-based. For the Hansards gold, s is the French word and t the English word (the file's `i-j`), which
 * matches attention from an English decoder over a French encoder (fr→en): rows = English targets,
 * columns = French sources. For en→fr attention use `invertLinks` on one side.
 */

/** A set of links `"s-t"`, or any iterable of `[s, t]` pairs / `"s-t"` strings. */
export type AlignmentLinks = ReadonlySet<string> | Iterable<readonly [number, number] | string>;

/** The key of the link between source word `s` and target word `t` (0-based): `"s-t"`. */
export function linkKey(s: number, t: number): string {
  return `${s}-${t}`;
}

/** The `[s, t]` pair of a link key `"s-t"`. */
export function parseLink(key: string): [number, number] {
  const m = /^(\d+)-(\d+)$/.exec(key);
  if (m === null) throw new Error(`alignment: bad link ${JSON.stringify(key)} (expected "s-t")`);
  return [Number(m[1]), Number(m[2])];
}

/** Normalises links to a set of `"s-t"` keys (validating string keys). */
export function toLinkSet(links: AlignmentLinks): Set<string> {
  const out = new Set<string>();
  for (const l of links as Iterable<readonly [number, number] | string>) {
    if (typeof l === "string") {
      parseLink(l);
      out.add(l);
    } else {
      const [s, t] = l;
      if (!Number.isInteger(s) || !Number.isInteger(t) || s < 0 || t < 0) {
        throw new Error(`alignment: bad link [${s}, ${t}] (expected two non-negative integers)`);
      }
      out.add(linkKey(s, t));
    }
  }
  return out;
}

/** Swaps the sides of every link (`"s-t"` → `"t-s"`). */
export function invertLinks(links: AlignmentLinks): Set<string> {
  const out = new Set<string>();
  for (const k of toLinkSet(links)) {
    const [s, t] = parseLink(k);
    out.add(linkKey(t, s));
  }
  return out;
}

/** Counts and scores of a predicted alignment against sure/possible gold links. */
export interface AlignmentScores {
  /** |A ∩ P| / |A|; 0 when nothing is predicted. */
  precision: number;
  /** |A ∩ S| / |S|; 0 when there are no sure links. */
  recall: number;
  /** 1 − (|A∩S| + |A∩P|)/(|A| + |S|); 0 when both A and S are empty. */
  aer: number;
  /** |A| */
  predicted: number;
  /** |S| */
  sure: number;
  /** |A ∩ S| */
  predictedSure: number;
  /** |A ∩ P| with P ⊇ S */
  predictedPossible: number;
}

function countsFor(predicted: AlignmentLinks, sure: AlignmentLinks, possible: AlignmentLinks): number[] {
  const A = toLinkSet(predicted);
  const S = toLinkSet(sure);
  const P = toLinkSet(possible);
  for (const s of S) P.add(s);
  let aS = 0;
  let aP = 0;
  for (const a of A) {
    if (S.has(a)) aS++;
    if (P.has(a)) aP++;
  }
  return [A.size, S.size, aS, aP];
}

function scoresFrom(a: number, s: number, aS: number, aP: number): AlignmentScores {
  return {
    precision: a > 0 ? aP / a : 0,
    recall: s > 0 ? aS / s : 0,
    aer: a + s > 0 ? 1 - (aS + aP) / (a + s) : 0,
    predicted: a,
    sure: s,
    predictedSure: aS,
    predictedPossible: aP,
  };
}

/**
 * Precision, recall and AER of a corpus of predicted alignments (one link set per sentence), counts summed
 * over sentences. `possible` need not repeat the sure links.
 */
export function alignmentScores(
  predicted: readonly AlignmentLinks[],
  sure: readonly AlignmentLinks[],
  possible: readonly AlignmentLinks[],
): AlignmentScores {
  if (predicted.length !== sure.length || sure.length !== possible.length) {
    throw new Error(
      `alignmentScores: ${predicted.length} predicted, ${sure.length} sure and ${possible.length} possible sentences`,
    );
  }
  let a = 0;
  let s = 0;
  let aS = 0;
  let aP = 0;
  for (let i = 0; i < predicted.length; i++) {
    const c = countsFor(predicted[i], sure[i], possible[i]);
    a += c[0];
    s += c[1];
    aS += c[2];
    aP += c[3];
  }
  return scoresFrom(a, s, aS, aP);
}

/** Corpus alignment error rate (Och & Ney 2003); see `alignmentScores`. */
export function alignmentErrorRate(
  predicted: readonly AlignmentLinks[],
  sure: readonly AlignmentLinks[],
  possible: readonly AlignmentLinks[],
): number {
  return alignmentScores(predicted, sure, possible).aer;
}

/** Corpus alignment precision |A∩P|/|A|. */
export function alignmentPrecision(
  predicted: readonly AlignmentLinks[],
  sure: readonly AlignmentLinks[],
  possible: readonly AlignmentLinks[],
): number {
  return alignmentScores(predicted, sure, possible).precision;
}

/** Corpus alignment recall |A∩S|/|S|. */
export function alignmentRecall(
  predicted: readonly AlignmentLinks[],
  sure: readonly AlignmentLinks[],
  possible: readonly AlignmentLinks[],
): number {
  return alignmentScores(predicted, sure, possible).recall;
}

/** Options of `attentionToLinks`. */
export interface AttentionLinkOptions {
  /** Add the argmax source word of every target row (first index on ties). Default true. */
  argmax?: boolean;
  /** Keep a row's argmax link only if its weight is ≥ this (drops diffuse rows). Default: keep all. */
  minWeight?: number;
  /** Also add every cell with weight ≥ threshold (several links per target word). Default: none. */
  threshold?: number;
}

/**
 * Reads hard alignment links off an attention matrix.
 *
 * @param weights target × source attention weights: `weights[t][s]` is how much target word t attends to
 *   source word s (e.g. one head, or the mean over heads, of a decoder's cross-attention, with special
 *   tokens such as BOS/EOS removed so that indices are word positions)
 * @returns links `"s-t"` (source index first, as in the Hansards gold when French is the source):
 *   by default one link per target word, to its highest-weight source word; with `minWeight`, rows whose
 *   maximum is below it get no argmax link; with `threshold`, every cell ≥ threshold is also a link;
 *   with `argmax: false` only the threshold links. NaN weights are never chosen.
 */
export function attentionToLinks(
  weights: ReadonlyArray<ArrayLike<number>>,
  opts: AttentionLinkOptions = {},
): Set<string> {
  const useArgmax = opts.argmax ?? true;
  const links = new Set<string>();
  for (let t = 0; t < weights.length; t++) {
    const row = weights[t];
    if (useArgmax) {
      let best = -1;
      let bestW = Number.NEGATIVE_INFINITY;
      for (let s = 0; s < row.length; s++) {
        if (row[s] > bestW) {
          bestW = row[s];
          best = s;
        }
      }
      if (best >= 0 && (opts.minWeight === undefined || bestW >= opts.minWeight)) links.add(linkKey(best, t));
    }
    if (opts.threshold !== undefined) {
      for (let s = 0; s < row.length; s++) if (row[s] >= opts.threshold) links.add(linkKey(s, t));
    }
  }
  return links;
}

/** One sentence pair of the Hansards alignment gold standard. */
export interface HansardsSentence {
  /** French tokens (the file `hansards.f`); link keys index these first. */
  french: string[];
  /** English tokens (the file `hansards.e`); link keys index these second. */
  english: string[];
  /** Sure links `"f-e"` (the file's `i-j`). */
  sure: Set<string>;
  /** Possible links `"f-e"`: the file's `i?j` plus all sure links (P ⊇ S). */
  possible: Set<string>;
}
