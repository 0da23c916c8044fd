/**
 * Sequence-level and token-level accuracy for tasks with one right output per input (SCAN-style
 * compositional generalisation, copying/reversal toys), where BLEU's partial credit is not wanted.
 *
 * - exact match (sequence accuracy): the fraction of outputs equal to their reference token for token,
 *   the metric of Lake & Baroni, "Generalization without systematicity" (ICML 2018, SCAN);
 * - token accuracy: position-wise agreement, so a hypothesis that is shifted by one token scores low;
 * - both broken down by length (Lake & Baroni's length-split analysis).
 *
 * Tokens are compared with `===`, so any token type (strings, ids) works.
 */

export interface LengthBucket {
  /** The length this bucket gathers (by default the reference length). */
  length: number;
  /** Number of sequences in the bucket. */
  count: number;
  /** Exact-match rate within the bucket, 0..1. */
  exactMatch: number;
  /** Token accuracy within the bucket, 0..1. */
  tokenAccuracy: number;
}

function checkPaired(who: string, hyps: readonly unknown[], refs: readonly unknown[]): void {
  if (hyps.length !== refs.length) {
    throw new Error(`${who}: ${hyps.length} hypotheses but ${refs.length} references`);
  }
}

function sameSequence<T>(a: readonly T[], b: readonly T[]): boolean {
  if (a.length !== b.length) return false;
  for (let i = 0; i < a.length; i++) if (a[i] !== b[i]) return false;
  return true;
}

/** Correct positions and the denominator max(|hyp|, |ref|) of one pair (see `tokenAccuracy`). */
function tokenCounts<T>(hyp: readonly T[], ref: readonly T[]): [correct: number, total: number] {
  let correct = 0;
  const n = Math.min(hyp.length, ref.length);
  for (let i = 0; i < n; i++) if (hyp[i] === ref[i]) correct++;
  return [correct, Math.max(hyp.length, ref.length)];
}

/**
 * Exact match: the fraction of pairs whose hypothesis equals the reference (same length, same tokens).
 * 0 for an empty corpus.
 */
export function exactMatch<T>(hyps: ReadonlyArray<readonly T[]>, refs: ReadonlyArray<readonly T[]>): number {
  checkPaired("exactMatch", hyps, refs);
  if (hyps.length === 0) return 0;
  let hits = 0;
  for (let i = 0; i < hyps.length; i++) if (sameSequence(hyps[i], refs[i])) hits++;
  return hits / hyps.length;
}

/**
 * Token accuracy: position-wise comparison against the reference, pooled over the corpus.
 *
 * Position j of pair i is correct when `hyps[i][j] === refs[i][j]`. Each pair contributes
 * max(|hyp|, |ref|) positions: reference positions the hypothesis does not reach (too short) are wrong,
 * and hypothesis tokens beyond the end of the reference (too long) are wrong too. So a hypothesis scores
 * 1 only when it equals the reference. With no positions at all: 0 for an empty corpus, 1 when every
 * pair is two empty sequences (nothing was wrong).
 */
export function tokenAccuracy<T>(
  hyps: ReadonlyArray<readonly T[]>,
  refs: ReadonlyArray<readonly T[]>,
): number {
  checkPaired("tokenAccuracy", hyps, refs);
  let correct = 0;
  let total = 0;
  for (let i = 0; i < hyps.length; i++) {
    const [c, t] = tokenCounts(hyps[i], refs[i]);
    correct += c;
    total += t;
  }
  if (total === 0) return hyps.length === 0 ? 0 : 1;
  return correct / total;
}

/**
 * Exact match and token accuracy per length bucket, sorted by ascending length.
 *
 * @param lengthOf the length a pair is bucketed by; default the reference length
 */
export function accuracyByLength<T>(
  hyps: ReadonlyArray<readonly T[]>,
  refs: ReadonlyArray<readonly T[]>,
  lengthOf: (ref: readonly T[], hyp: readonly T[], index: number) => number = (ref) => ref.length,
): LengthBucket[] {
  checkPaired("accuracyByLength", hyps, refs);
  const buckets = new Map<number, { count: number; hits: number; correct: number; total: number }>();
  for (let i = 0; i < hyps.length; i++) {
    const len = lengthOf(refs[i], hyps[i], i);
    let b = buckets.get(len);
    if (b === undefined) {
      b = { count: 0, hits: 0, correct: 0, total: 0 };
      buckets.set(len, b);
    }
    b.count++;
    if (sameSequence(hyps[i], refs[i])) b.hits++;
    const [c, t] = tokenCounts(hyps[i], refs[i]);
    b.correct += c;
    b.total += t;
  }
  return [...buckets.entries()]
    .sort((a, b) => a[0] - b[0])
    .map(([length, b]) => ({
      length,
      count: b.count,
      exactMatch: b.hits / b.count,
      tokenAccuracy: b.total === 0 ? 1 : b.correct / b.total,
    }));
}
