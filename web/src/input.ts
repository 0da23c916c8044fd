/**
 * What the English box accepts (no DOM here, so Node tests run the same code): an empty box clears the
 * views; more than MAX_CHARS characters is refused with a message saying the limit (a translation and its
 * maps grow with the square of the sentence's length: 300 characters, a few sentences, take seconds in
 * the worker; 2,000 took ≈ 20 s and drew 300,000 cells); text without a Latin letter gets a hint (the
 * models read English: Hindi typed here comes out as unknown words).
 */

/** The longest sentence the explorer translates, in characters (Unicode code points). */
export const MAX_CHARS = 300;

export type InputCheck =
  | { kind: "ok"; sentence: string }
  | { kind: "empty"; message: string }
  | { kind: "long"; message: string; length: number }
  | { kind: "not-english"; message: string };

const LATIN = /\p{Script=Latin}/u;
const DEVANAGARI = /\p{Script=Devanagari}/u;

/** Characters as the page counts them (code points, so an emoji is one). */
export const charCount = (s: string): number => [...s].length;

/** Whether `sentence` is one the English box translates, and if not, what to tell the reader. */
export function checkSentence(sentence: string): InputCheck {
  if (sentence.trim() === "") {
    return { kind: "empty", message: "The English box is empty: no words to translate. Type a sentence." };
  }
  const n = charCount(sentence);
  if (n > MAX_CHARS) {
    return {
      kind: "long",
      length: n,
      message:
        `${n.toLocaleString("en")} characters: the explorer translates up to ${MAX_CHARS} (a few sentences; ` +
        "every map grows with the square of the length). Shorten it and press Translate.",
    };
  }
  if (!LATIN.test(sentence)) {
    const hindi = DEVANAGARI.test(sentence);
    return {
      kind: "not-english",
      message:
        `This box takes English, and “${sentence.trim().slice(0, 40)}” has no Latin letters` +
        (hindi
          ? ": the models translate English into Hindi. Hindi goes in view 7's “Hindi reference” box (beside its English), where the models align it."
          : ": the models translate English into Hindi and would read it as unknown words."),
    };
  }
  return { kind: "ok", sentence };
}
