/**
 * The length normalisation a beam search ranks finished hypotheses with, s = log P(Y | X) / lp(Y):
 *
 *   GNMT (Wu et al. 2016, §7), α ≥ 0:  lp(Y) = ((5 + |Y|) / 6)^α     |Y| = output tokens, EOS not counted
 *                                      (α = 0: the total log-probability; qkv's default α = 0.6)
 *   "avg" (average log-probability):   lp(Y) = number of log-probabilities summed (the tokens, plus
 *                                      EOS when the hypothesis finished) — OpenNMT-py's
 *                                      `-length_penalty avg`, Hugging Face's `length_penalty=1.0`
 *                                      (HF divides by the generated length to the power α).
 *
 * GNMT with α = 1 is not the average: ((5 + |Y|) / 6) grows by 1/6 a token.
 */

/** α of GNMT's penalty, or "avg". */
export type LengthPenalty = number | "avg";

/** Throws naming `who` when `lp` is neither a finite α ≥ 0 nor "avg". */
export function checkLengthPenalty(lp: LengthPenalty, who: string): void {
  if (lp === "avg") return;
  if (!(typeof lp === "number" && Number.isFinite(lp) && lp >= 0))
    throw new Error(`${who}: lengthPenalty must be a number ≥ 0 (GNMT α) or "avg", got ${String(lp)}`);
}

/** lp(Y) for a hypothesis of `tokens` output tokens, `finished` when it ended with EOS. */
export function lengthPenalty(lp: LengthPenalty, tokens: number, finished: boolean): number {
  if (lp === "avg") return Math.max(1, tokens + (finished ? 1 : 0));
  return lp === 0 ? 1 : ((5 + tokens) / 6) ** lp;
}

/** The largest lp any hypothesis of at most `maxLength` steps gets (for the search's stopping bound). */
export function largestLengthPenalty(lp: LengthPenalty, maxLength: number): number {
  return lp === "avg" ? Math.max(1, maxLength) : lengthPenalty(lp, maxLength, false);
}
