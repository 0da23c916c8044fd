/**
 * Logits processors applied before a token is chosen, as Hugging Face's, in its order (repetition
 * penalty, then no-repeat-n-gram; sampling's warpers come after them, sampling.ts):
 *
 *   repetition penalty (Keskar et al. 2019, CTRL §4.1; HF RepetitionPenaltyLogitsProcessor), θ > 0:
 *       for every distinct token v already produced:  z_v ← z_v / θ if z_v > 0,  z_v · θ otherwise
 *       (θ > 1 discourages repeats, θ < 1 encourages them; θ = 1 changes nothing)
 *   no-repeat-n-gram (Paulus et al. 2018; HF NoRepeatNGramLogitsProcessor), n ≥ 1:
 *       z_v ← −∞ for every v that would complete an n-gram already in the output
 *
 * "Produced" is the hypothesis' own output tokens. HF also counts the decoder start token (<sos> here);
 * since no n-gram can hold <sos> twice, no-repeat-n-gram is the same, and the repetition penalty
 * differs only for a score of <sos> itself. Greedy decoding and sampling process the logits (HF's
 * greedy and sample); beam search processes the log-probabilities and ranks by their processed sum
 * (HF's beam search); a hypothesis' reported `logProb` stays the model's own.
 */

export interface PenaltyOptions {
  /** θ > 0 (default 1: none). */
  repetitionPenalty?: number;
  /** n ≥ 1 (default 0: none). */
  noRepeatNgram?: number;
}

/** Throws naming `who` and the option when a penalty is out of its range. */
export function checkPenaltyOptions(o: PenaltyOptions, who: string): void {
  const { repetitionPenalty: r, noRepeatNgram: n } = o;
  if (r !== undefined && !(Number.isFinite(r) && r > 0))
    throw new Error(`${who}: repetitionPenalty must be a finite number > 0, got ${r}`);
  if (n !== undefined && !(Number.isSafeInteger(n) && n >= 0))
    throw new Error(`${who}: noRepeatNgram must be an integer ≥ 0 (0: off), got ${n}`);
}

/** Whether `o` changes any score. */
export const hasPenalties = (o: PenaltyOptions): boolean =>
  (o.repetitionPenalty ?? 1) !== 1 || (o.noRepeatNgram ?? 0) > 0;

/** The repetition penalty θ on `scores` (one row), in place; each distinct previous token once. */
export function applyRepetitionPenalty(
  scores: Float64Array,
  previous: readonly number[],
  theta: number,
): void {
  if (theta === 1) return;
  for (const v of new Set(previous)) {
    if (v < 0 || v >= scores.length) continue;
    scores[v] = scores[v] > 0 ? scores[v] / theta : scores[v] * theta;
  }
}

/** The tokens that would complete an n-gram of `previous` again (its last n − 1 tokens + v seen before). */
export function bannedNgramTokens(previous: readonly number[], n: number): number[] {
  if (n < 1 || previous.length + 1 < n) return [];
  const key = previous.slice(previous.length - (n - 1)).join(",");
  const banned = new Set<number>();
  for (let i = 0; i + n <= previous.length; i++) {
    if (previous.slice(i, i + n - 1).join(",") === key) banned.add(previous[i + n - 1]);
  }
  return [...banned];
}

/** No-repeat-n-gram on `scores` (one row), in place. */
export function applyNoRepeatNgram(scores: Float64Array, previous: readonly number[], n: number): void {
  for (const v of bannedNgramTokens(previous, n))
    if (v >= 0 && v < scores.length) scores[v] = Number.NEGATIVE_INFINITY;
}

/** Both processors, in HF's order, on a float64 copy of `row`. */
export function processScores(
  row: ArrayLike<number>,
  previous: readonly number[],
  o: PenaltyOptions,
): Float64Array {
  const z = Float64Array.from(row);
  applyRepetitionPenalty(z, previous, o.repetitionPenalty ?? 1);
  applyNoRepeatNgram(z, previous, o.noRepeatNgram ?? 0);
  return z;
}
