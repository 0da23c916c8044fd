/**
 * `replace_unk` (OpenNMT-py's `-replace_unk`; Luong et al. 2015, "Addressing the rare word problem"):
 * every <unk> the model outputs at step t becomes the source word it attended to most at that step,
 *
 *   y_t = <unk>  →  y_t = x_{j*},   j* = argmax_j a_{t,j}   (the first j on ties)
 *
 * `a_t` is the step's attention row as the search recorded it (Hypothesis.alignment): a Seq2Seq's
 * attention, a Transformer's last decoder layer's cross-attention averaged over heads (or its latent
 * alignment layer's, when it has one), an ensemble's mean. What "the source word" is for position j is
 * the caller's: `source[j]` (the CLI gives a word tokenizer's token, or the whitespace word a BPE piece
 * came from).
 */
import { EOS, PAD, SOS, UNK, type Vocab } from "../data/vocab.js";

/**
 * The output `tokens` (strings of the ids `ids`) with each <unk> (id `unk`) replaced by `source[j*]`
 * of its step's attention row; refuses when a <unk> step has no row (a model without attention).
 */
export function replaceUnk(
  ids: readonly number[],
  tokens: readonly string[],
  alignment: readonly (readonly number[])[],
  source: readonly string[],
  unk = UNK,
): string[] {
  if (ids.length !== tokens.length)
    throw new Error(`replaceUnk: ${ids.length} ids for ${tokens.length} tokens`);
  return tokens.map((tok, t) => {
    if (ids[t] !== unk) return tok;
    const row = alignment[t];
    if (!row || row.length === 0)
      throw new Error(
        `replaceUnk: output step ${t} has no attention weights (a model without attention cannot replace <unk>)`,
      );
    if (row.length !== source.length)
      throw new Error(
        `replaceUnk: step ${t} attends over ${row.length} source positions, source has ${source.length}`,
      );
    let best = 0;
    for (let j = 1; j < row.length; j++) if (row[j] > row[best]) best = j;
    return source[best];
  });
}

/**
 * `vocab.decode(ids)` (special tokens stripped) with each <unk> replaced as `replaceUnk` does; the
 * replacement is made on the ids, one per step, before <pad>/<sos> outputs are dropped, so every
 * <unk> meets its own step's attention row.
 */
export function decodeReplacingUnk(
  vocab: Vocab,
  ids: readonly number[],
  alignment: readonly (readonly number[])[],
  source: readonly string[],
): string[] {
  const all = vocab.decode(ids, { stripSpecial: false, stopAtEos: false });
  return replaceUnk(ids, all, alignment, source).filter(
    (_, t) => ids[t] !== PAD && ids[t] !== SOS && ids[t] !== EOS,
  );
}
