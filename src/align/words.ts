/**
 * Words ↔ pieces: which whitespace-separated word of a line each model token came from, how a
 * token-level attention matrix becomes a word-level one, and display labels for words and pieces.
 *
 * Word alignment gold standards (and fairseq's `--print-alignment`, OpenNMT's `-report_align`) index
 * the whitespace-separated words of the input line, while a model sees its tokenizer's tokens: the word
 * tokenizer splits punctuation off ("lights." → "lights" "."), BPE cuts words into pieces
 * ("▁light" "s" "."), with byte tokens (<0xE0> <0xA4> …) for unseen characters.
 *
 * `tokensWithWords` tokenizes the WHOLE line with the given tokenizer (the tokens the model really
 * sees, as translate does) and maps each token back onto the line by walking the tokenizer's
 * normalised text: a word tokenizer's tokens are substrings of it (separated by whitespace only); a
 * BPE piece is its text with "▁" standing for one space (none at the start of the text) and each byte
 * token one UTF-8 byte of the character at the cursor. A token belongs to the word holding its first
 * non-space character; a lone "▁" piece (a space) to the word after it. Normalisation (NFC,
 * lowercasing, BPE's whitespace collapsing) never creates or removes whitespace-separated words, so
 * the normalised words are the line's words, in order. Both tokenizers give every non-space character
 * to some token, so every word gets at least one token and no token is left without a word.
 *
 * Browser-safe: no Node built-ins.
 */
import { BPE_MARKER } from "../data/bpe.js";
import type { Tokenizer } from "../data/tokenizers.js";
import { UNK_TOKEN } from "../data/vocab.js";

/** The tokens of a line and, for each token, the index of the whitespace-separated word it came from. */
export interface TokenWords {
  /** The whitespace-separated words of the line, as written. */
  words: string[];
  /** The tokens the model sees (vocabulary strings: an out-of-vocabulary word is "<unk>"). */
  tokens: string[];
  /** `tokenWord[k]` is the word of `tokens[k]` (−1: none). */
  tokenWord: number[];
}

/** The whitespace-separated words of a line (what alignment files index). */
export function whitespaceWords(text: string): string[] {
  return text.split(/\s+/u).filter((w) => w !== "");
}

const BYTE_RE = /^<0x([0-9A-F]{2})>$/;

/** The byte of a byte token "<0xNN>", or undefined. */
function byteOf(piece: string): number | undefined {
  const m = BYTE_RE.exec(piece);
  return m === null ? undefined : Number.parseInt(m[1], 16);
}

const encoder = new TextEncoder();
const decoder = new TextDecoder("utf-8", { fatal: false });

/** UTF-8 length of the code point at `pos` of `s` and its UTF-16 length. */
function codePointAt(s: string, pos: number): { bytes: Uint8Array; units: number } | null {
  const cp = s.codePointAt(pos);
  if (cp === undefined) return null;
  const ch = String.fromCodePoint(cp);
  return { bytes: encoder.encode(ch), units: ch.length };
}

/**
 * [start, end) code-unit spans of `raw` tokens in `norm` for a word tokenizer: each token is the next
 * occurrence of its text, with only whitespace skipped in between. Null when a token is not there.
 */
function wordSpans(raw: readonly string[], norm: string): [number, number][] | null {
  const out: [number, number][] = [];
  let pos = 0;
  for (const tok of raw) {
    if (tok === "") return null;
    while (pos < norm.length && /\s/u.test(norm[pos])) pos++;
    if (!norm.startsWith(tok, pos)) return null;
    out.push([pos, pos + tok.length]);
    pos += tok.length;
  }
  return out;
}

/**
 * Spans of BPE pieces in the normalised text: "▁" is one space (none at the very start), a byte token
 * one UTF-8 byte of the code point at the cursor (the span of a multi-byte character is given to each
 * of its bytes), anything else its own text. Null when the pieces do not spell `norm`.
 */
function bpeSpans(pieces: readonly string[], norm: string): [number, number][] | null {
  const out: [number, number][] = [];
  let pos = 0;
  let pending: { bytes: Uint8Array; units: number; done: number } | null = null;
  for (const piece of pieces) {
    const b = byteOf(piece);
    if (b !== undefined) {
      if (pending === null) {
        const c = codePointAt(norm, pos);
        if (c === null) return null;
        pending = { ...c, done: 0 };
      }
      if (pending.bytes[pending.done] !== b) return null;
      out.push([pos, pos + pending.units]);
      pending.done++;
      if (pending.done === pending.bytes.length) {
        pos += pending.units;
        pending = null;
      }
      continue;
    }
    if (pending !== null) return null; // a character cut off in the middle of its bytes
    const start = pos;
    let rest = piece;
    if (rest.startsWith(BPE_MARKER)) {
      rest = rest.slice(BPE_MARKER.length);
      if (pos > 0) {
        if (norm[pos] !== " ") return null;
        pos++;
      }
    }
    if (!norm.startsWith(rest, pos)) return null;
    pos += rest.length;
    out.push([start, pos]);
  }
  if (pending !== null || pos !== norm.length) return null;
  return out;
}

/**
 * The tokens of `text` as the model sees them (the whole line tokenized by `tokenizer`, vocabulary
 * strings) and the whitespace-separated word each came from. Throws when the tokens cannot be placed
 * on the line (a tokenizer this module does not know).
 */
export function tokensWithWords(text: string, tokenizer: Tokenizer): TokenWords {
  const words = whitespaceWords(text);
  const raw = tokenizer.tokenize(text);
  const tokens = tokenizer.vocab.encode(raw).map((id) => tokenizer.vocab.tokenOf(id));
  const norm = tokenizer.normalize(text);
  // Word index of every code unit of the normalised text (−1: whitespace).
  const wordAt = new Int32Array(norm.length).fill(-1);
  let nWords = 0;
  for (const m of norm.matchAll(/\S+/gu)) {
    wordAt.fill(nWords, m.index, m.index + m[0].length);
    nWords++;
  }
  if (nWords !== words.length) {
    throw new Error(
      `tokensWithWords: normalising ${JSON.stringify(text)} changed its ${words.length} words into ${nWords}`,
    );
  }
  const spans = tokenizer.kind === "bpe" ? bpeSpans(raw, norm) : wordSpans(raw, norm);
  if (spans === null || spans.length !== raw.length || tokens.length !== raw.length) {
    throw new Error(
      `tokensWithWords: cannot place the ${tokenizer.kind} tokens ${JSON.stringify(raw)} on ${JSON.stringify(norm)}`,
    );
  }
  const tokenWord = spans.map(([start, end]) => {
    for (let i = start; i < end; i++) if (wordAt[i] >= 0) return wordAt[i];
    // Only whitespace (a lone "▁"): the word it introduces.
    for (let i = end; i < norm.length; i++) if (wordAt[i] >= 0) return wordAt[i];
    return -1;
  });
  return { words, tokens, tokenWord };
}

/**
 * Aggregates a target-tokens × source-tokens matrix to target words × source words: SUM over a source
 * word's pieces (attention mass on the word), MEAN over a target word's pieces (each piece's row is a
 * distribution; their mean is one). Tokens with word −1 (none) are dropped; a target word without
 * tokens gets a row of zeros.
 */
export function aggregateToWords(
  weights: ArrayLike<number>[],
  tgtTokenWord: number[],
  srcTokenWord: number[],
  nTgtWords: number,
  nSrcWords: number,
): number[][] {
  if (weights.length !== tgtTokenWord.length) {
    throw new Error(
      `aggregateToWords: ${weights.length} rows for ${tgtTokenWord.length} target tokens (one row each)`,
    );
  }
  const out = Array.from({ length: nTgtWords }, () => new Array<number>(nSrcWords).fill(0));
  const count = new Array<number>(nTgtWords).fill(0);
  weights.forEach((row, t) => {
    if (row.length !== srcTokenWord.length) {
      throw new Error(
        `aggregateToWords: row ${t} has ${row.length} weights for ${srcTokenWord.length} source tokens`,
      );
    }
    const tw = tgtTokenWord[t];
    if (tw < 0) return;
    if (tw >= nTgtWords)
      throw new Error(`aggregateToWords: target token ${t} is in word ${tw} of ${nTgtWords}`);
    count[tw]++;
    const r = out[tw];
    for (let s = 0; s < row.length; s++) {
      const sw = srcTokenWord[s];
      if (sw < 0) continue;
      if (sw >= nSrcWords)
        throw new Error(`aggregateToWords: source token ${s} is in word ${sw} of ${nSrcWords}`);
      r[sw] += row[s];
    }
  });
  out.forEach((r, w) => {
    if (count[w] > 1) for (let s = 0; s < r.length; s++) r[s] /= count[w];
  });
  return out;
}

/** Groups a word's pieces into the text they spell: ▁ dropped, byte runs decoded, <unk> as "<unk>". */
export function wordLabel(pieces: string[]): string {
  let out = "";
  let bytes: number[] = [];
  const flush = () => {
    if (bytes.length > 0) out += decoder.decode(Uint8Array.from(bytes));
    bytes = [];
  };
  for (const p of pieces) {
    const b = byteOf(p);
    if (b !== undefined) {
      bytes.push(b);
      continue;
    }
    flush();
    out += p === UNK_TOKEN ? p : p.replaceAll(BPE_MARKER, "");
  }
  flush();
  return out;
}

/**
 * The label of one piece: a leading ▁ removed (a lone "▁" stays "▁", else it would be blank), a
 * printable ASCII byte token <0xNN> shown as its character, any other byte token as written (one byte
 * of a longer character cannot be decoded alone: `pieceLabels` decodes a run of them).
 */
export function pieceLabel(piece: string): string {
  const b = byteOf(piece);
  if (b !== undefined) return b >= 0x21 && b < 0x7f ? String.fromCharCode(b) : piece;
  if (piece === BPE_MARKER) return piece;
  return piece.startsWith(BPE_MARKER) ? piece.slice(BPE_MARKER.length) : piece;
}

/**
 * Labels for a sequence of pieces (one each, same length): `pieceLabel` of every piece, except that a
 * run of byte tokens spelling a whole UTF-8 character shows that character on its first byte and "·"
 * on each further byte of it.
 */
export function pieceLabels(pieces: readonly string[]): string[] {
  const out = pieces.map(pieceLabel);
  let i = 0;
  while (i < pieces.length) {
    const b = byteOf(pieces[i]);
    const n = b === undefined ? 0 : b < 0x80 ? 1 : b >= 0xf0 ? 4 : b >= 0xe0 ? 3 : b >= 0xc0 ? 2 : 0;
    if (n < 2 || i + n > pieces.length) {
      i++;
      continue;
    }
    const bytes: number[] = [];
    for (let k = 0; k < n; k++) {
      const bk = byteOf(pieces[i + k]);
      if (bk === undefined || (k > 0 && (bk & 0xc0) !== 0x80)) break;
      bytes.push(bk);
    }
    if (bytes.length !== n) {
      i++;
      continue;
    }
    const ch = new TextDecoder("utf-8", { fatal: false }).decode(Uint8Array.from(bytes));
    if (ch.includes("\uFFFD")) {
      i++;
      continue;
    }
    out[i] = ch;
    for (let k = 1; k < n; k++) out[i + k] = "·";
    i += n;
  }
  return out;
}
