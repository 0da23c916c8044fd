/**
 * How long decoding may run, and the longest source it accepts — one rule for the CLI, evaluation,
 * the explorer and checkpoint validation.
 */

/**
 * Longest `maxTargetLength` (the longest training target) a checkpoint may hold; decoding runs at most
 * `decodeLength`'s 2·1024 + 10 steps. A larger value in a file is refused (validateCheckpointMeta).
 */
export const MAX_TARGET_LENGTH = 1024;

/** Most decoding steps of one output: 2·MAX_TARGET_LENGTH + 10 (the length rule at its cap). */
export const MAX_DECODE_STEPS = 2 * MAX_TARGET_LENGTH + 10;

/**
 * Longest source decoded, in tokens: a longer one is refused, naming this limit (its encoder pass and
 * attention would run for minutes). 16,384 tokens is far beyond any sentence.
 */
export const MAX_SOURCE_TOKENS = 16_384;

/**
 * The decode length rule: max(2·(longest source) + 10, 2·maxTargetLength + 10) — long enough for
 * SCAN's 48-action outputs — capped at MAX_DECODE_STEPS, whatever the source or checkpoint says.
 */
export function decodeLength(longestSource: number, maxTargetLength = 0): number {
  return Math.min(MAX_DECODE_STEPS, Math.max(longestSource * 2 + 10, maxTargetLength * 2 + 10));
}

/** Throws naming `what` and the limit when a source has more than MAX_SOURCE_TOKENS tokens. */
export function checkSourceLength(what: string, tokens: number): void {
  if (tokens > MAX_SOURCE_TOKENS) {
    throw new Error(
      `${what} has ${tokens} tokens, more than the limit of ${MAX_SOURCE_TOKENS} (MAX_SOURCE_TOKENS): ` +
        "give one sentence at a time",
    );
  }
}
