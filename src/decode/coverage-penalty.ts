/**
 * GNMT's coverage penalty (Wu et al. 2016, §7), added to a finished hypothesis' normalised score:
 *
 *   cp(X; Y) = β · Σ_{i=1}^{|X|} log(min(Σ_{j=1}^{|Y|} a_{j,i}, 1.0))
 *
 * a_{j,i}: the attention of output step j on source position i (every step, the EOS step included;
 * the Transformer's: its step weights — the last decoder layer's cross-attention averaged over heads,
 * or the latent alignment layer's). cp ≤ 0: a source word that received less than a whole unit of
 * attention costs log of what it received. A source position with no attention at all gives −∞ (as the
 * formula; OpenNMT-py's `-coverage_penalty wu` too). β = 0: none.
 */

/** Throws naming `who` when β is not a finite number ≥ 0. */
export function checkCoveragePenalty(beta: number, who: string): void {
  if (!(Number.isFinite(beta) && beta >= 0))
    throw new Error(`${who}: coveragePenalty must be a finite number ≥ 0, got ${beta}`);
}

/** cp for the attention rows `alignment` (steps × source positions). */
export function coveragePenalty(alignment: readonly (readonly number[])[], beta: number): number {
  if (beta === 0 || alignment.length === 0) return 0;
  const S = alignment[0].length;
  let cp = 0;
  for (let i = 0; i < S; i++) {
    let c = 0;
    for (const row of alignment) c += row[i];
    cp += Math.log(Math.min(c, 1));
  }
  return beta * cp;
}
