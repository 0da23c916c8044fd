/**
 * Byte-pair encoding: subword units learned from the training text, so rare and unseen words are
 * spelled from pieces instead of becoming <unk> (Sennrich, Haddow & Birch 2016, "Neural Machine
 * Translation of Rare Words with Subword Units", ACL, Algorithm 1), with SentencePiece's whitespace
 * marker "▁" (Kudo & Richardson 2018) and byte fallback, over grapheme clusters.
 *
 * Learning. Every word w of the training text starts as its sequence of symbols (grapheme clusters);
 * with freq(w) its count, each step merges the most frequent adjacent pair
 *
 *     (x, y)* = argmax_(x,y)  Σ_w freq(w) · #{ i : w_i = x, w_i+1 = y }                       (1)
 *
 * into one new symbol xy, replacing its occurrences left to right, until the vocabulary has
 * `vocabSize` ids or no pair occurs `minFrequency` times. Ties in (1) go to the pair whose left piece
 * is smaller, then whose right piece is smaller, comparing strings by UTF-16 code units (never locale
 * order), so the same text and options always give the same merges. Pair counts are kept up to date
 * incrementally: a merge visits only the words that contain the pair (an index from pair to words)
 * and adjusts the counts of the pairs around it; a max-heap with lazy deletion finds the next pair.
 *
 * Encoding applies the merges to each word in rank order, each once over the whole word, left to
 * right — exactly what learning did, so a training word is segmented as it was during learning.
 *
 * Normalisation, applied before anything else (`normalize`): unpaired surrogates → U+FFFD, NFC,
 * lowercasing when `lowercase` is set (the project's word tokenizer does the same; then NFC again),
 * every run of whitespace (`\s`, including no-break spaces, tabs and newlines) → one space, and no
 * space at either end. `decode(encode(s)) === normalize(s)` for every string s.
 *
 * Words (what merges never cross). `split: "words"` (natural language): the tokens of the word
 * tokenizer (`tokenize`: words, numbers, each punctuation mark), joined back where a token boundary
 * would cut a grapheme cluster (a mark after a punctuation sign). `split: "space"` (SCAN): the
 * space-separated chunks. A word preceded by a space, or first in the text, starts with the marker
 * symbol "▁" (U+2581), which stands for that space; decoding turns each "▁" back into a space and
 * drops the one in front of the text. "lights." is "▁lights" + "."; "the lights" is "▁the" "▁lights".
 *
 * Symbols. Grapheme clusters (graphemes.ts), so a vowel sign, virama, nukta or anusvara is never split
 * from its consonant: merges can only join whole clusters. The alphabet is the clusters of the
 * training text, most frequent first, as many as fit the vocabulary size. Any other cluster — unseen
 * in training, beyond the alphabet, or containing a literal "▁" — is written as the UTF-8 bytes of the
 * whole cluster, one byte token (<0x00> … <0xFF>) each, so nothing is ever <unk>. Byte tokens are never
 * merged.
 *
 * Ids: <pad>=0, <unk>=1, <sos>=2, <eos>=3 (as `Vocab`), the 256 byte tokens 4–259, "▁" 260, then the
 * alphabet, then the merged pieces in the order they were learned (a merge whose piece already exists,
 * spelt by another pair, reuses its id).
 */
import { clusterBoundaries, graphemeClusters, isGraphemeCluster } from "./graphemes.js";
import { tokenSpans, tokenize as wordTokenize } from "./tokenizer.js";
import { TEXT_SPLITS, type TextSplit, type Tokenizer } from "./tokenizers.js";
import { type DecodeOptions, type EncodeOptions, EOS, SOS, SPECIAL_TOKENS, Vocab } from "./vocab.js";

/** The whitespace marker: a piece starting with it stands for a space followed by the piece. */
export const BPE_MARKER = "\u2581";

const BYTE_OFFSET = SPECIAL_TOKENS.length; // ids 4..259
const MARKER_ID = BYTE_OFFSET + 256; // 260
/** The smallest vocabulary: the 4 special tokens, 256 bytes and the marker. */
export const BPE_MIN_VOCAB_SIZE = MARKER_ID + 1;
/** Largest vocabulary (and alphabet, merges) accepted: ids must fit the pair keys below. */
const MAX_IDS = 1 << 20;
const PAIR_BASE = 2 ** 21;

const BYTE_TOKENS: readonly string[] = Array.from(
  { length: 256 },
  (_, b) => `<0x${b.toString(16).toUpperCase().padStart(2, "0")}>`,
);
const BYTE_OF = new Map(BYTE_TOKENS.map((t, b) => [t, b]));
const RESERVED = new Set([...SPECIAL_TOKENS, ...BYTE_TOKENS]);

const utf8 = new TextEncoder();
const utf8Decoder = new TextDecoder("utf-8", { fatal: false });

const LONE_SURROGATE = /[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/g;

function compareCodeUnits(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}

const pairKey = (a: number, b: number) => a * PAIR_BASE + b;
const isByte = (id: number) => id >= BYTE_OFFSET && id < MARKER_ID;

/** `s` with every non-overlapping pair (a, b), left to right, replaced by `id` (one merge applied). */
function mergePair(s: readonly number[], a: number, b: number, id: number): number[] {
  const out: number[] = [];
  for (let i = 0; i < s.length; i++) {
    if (i + 1 < s.length && s[i] === a && s[i + 1] === b) {
      out.push(id);
      i++;
    } else out.push(s[i]);
  }
  return out;
}

/** Options of the `BpeTokenizer` constructor. */
export interface BpeOptions {
  /** Lowercase during normalisation (default false). */
  lowercase?: boolean;
  /** Which words merges stay inside: "words" (default) or "space" (see the module comment). */
  split?: TextSplit;
}

/** Options of `BpeTokenizer.train`. */
export interface BpeTrainOptions extends BpeOptions {
  /** Total ids, special tokens, bytes and "▁" included (at least 261). A cap: learning stops early
   * when no pair occurs `minFrequency` times. */
  vocabSize: number;
  /** Merge only pairs seen at least this many times (default 2). */
  minFrequency?: number;
}

/** The serialised form (stored in checkpoints). Ids are derived from it as the module comment says. */
export interface BpeTokenizerJSON {
  format: "qkv-bpe";
  version: 1;
  lowercase: boolean;
  split: TextSplit;
  /** The base symbols (single grapheme clusters), in id order from 261. */
  alphabet: string[];
  /** The merges in the order learned: [left piece, right piece]. */
  merges: [string, string][];
}

/** One word: its text and whether a space (or the start of the text) precedes it. */
interface Word {
  spaced: boolean;
  text: string;
}

/** A max-heap of (pair, count) entries with a caller-supplied order. */
class PairHeap {
  private readonly items: { key: number; count: number }[] = [];
  constructor(
    private readonly before: (
      x: { key: number; count: number },
      y: { key: number; count: number },
    ) => boolean,
  ) {}

  push(key: number, count: number): void {
    const a = this.items;
    a.push({ key, count });
    let i = a.length - 1;
    while (i > 0) {
      const p = (i - 1) >> 1;
      if (!this.before(a[i], a[p])) break;
      [a[i], a[p]] = [a[p], a[i]];
      i = p;
    }
  }

  pop(): { key: number; count: number } | undefined {
    const a = this.items;
    if (a.length === 0) return undefined;
    const top = a[0];
    const last = a.pop() as { key: number; count: number };
    if (a.length > 0) {
      a[0] = last;
      let i = 0;
      for (;;) {
        const l = 2 * i + 1;
        const r = l + 1;
        let m = i;
        if (l < a.length && this.before(a[l], a[m])) m = l;
        if (r < a.length && this.before(a[r], a[m])) m = r;
        if (m === i) break;
        [a[i], a[m]] = [a[m], a[i]];
        i = m;
      }
    }
    return top;
  }
}

export class BpeTokenizer implements Tokenizer {
  readonly kind = "bpe" as const;
  readonly lowercase: boolean;
  readonly split: TextSplit;
  readonly vocab: Vocab;
  private readonly alphabetList: readonly string[];
  private readonly mergeList: readonly (readonly [string, string])[];
  /** Cluster → id, for the alphabet. */
  private readonly clusterId: Map<string, number>;
  /** pairKey(left, right) → rank; `mergeLeft/Right/Result[rank]`: the ids the merge joins and makes. */
  private readonly mergeRank: Map<number, number>;
  private readonly mergeLeft: Int32Array;
  private readonly mergeRight: Int32Array;
  private readonly mergeResult: Int32Array;
  private readonly cache = new Map<string, number[]>();

  /**
   * Builds a tokenizer from its alphabet and merges (as `toJSON` gives them); throws on anything
   * inconsistent. Use `BpeTokenizer.train` to learn one.
   */
  constructor(
    alphabet: readonly string[],
    merges: readonly (readonly [string, string])[],
    options: BpeOptions = {},
  ) {
    this.lowercase = options.lowercase ?? false;
    this.split = options.split ?? "words";
    if (typeof this.lowercase !== "boolean") {
      throw new Error(`BpeTokenizer: lowercase must be a boolean, got ${JSON.stringify(this.lowercase)}`);
    }
    if (!TEXT_SPLITS.includes(this.split)) {
      throw new Error(`BpeTokenizer: split must be "words" or "space", got ${JSON.stringify(this.split)}`);
    }
    if (alphabet.length > MAX_IDS || merges.length > MAX_IDS) {
      throw new Error(
        `BpeTokenizer: at most ${MAX_IDS} alphabet entries and merges, got ${alphabet.length} and ${merges.length}`,
      );
    }
    const pieces: string[] = [...SPECIAL_TOKENS, ...BYTE_TOKENS, BPE_MARKER];
    const pieceId = new Map<string, number>([[BPE_MARKER, MARKER_ID]]);
    this.clusterId = new Map();
    alphabet.forEach((c, i) => {
      if (typeof c !== "string" || !isGraphemeCluster(c) || c.includes(BPE_MARKER) || /^\s$/u.test(c)) {
        throw new Error(
          `BpeTokenizer: alphabet[${i}] must be one grapheme cluster, not whitespace and without "▁", got ${JSON.stringify(c)}`,
        );
      }
      if (pieceId.has(c)) throw new Error(`BpeTokenizer: alphabet[${i}] ${JSON.stringify(c)} appears twice`);
      pieceId.set(c, pieces.length);
      this.clusterId.set(c, pieces.length);
      pieces.push(c);
    });
    this.mergeRank = new Map();
    this.mergeLeft = new Int32Array(merges.length);
    this.mergeRight = new Int32Array(merges.length);
    this.mergeResult = new Int32Array(merges.length);
    merges.forEach((m, rank) => {
      if (!Array.isArray(m) || m.length !== 2 || typeof m[0] !== "string" || typeof m[1] !== "string") {
        throw new Error(
          `BpeTokenizer: merges[${rank}] must be a pair of strings, got ${JSON.stringify(m)?.slice(0, 80)}`,
        );
      }
      const a = pieceId.get(m[0]);
      const b = pieceId.get(m[1]);
      if (a === undefined || b === undefined) {
        throw new Error(
          `BpeTokenizer: merges[${rank}] joins ${JSON.stringify(m[a === undefined ? 0 : 1])}, which is neither "▁", an alphabet symbol nor the result of an earlier merge`,
        );
      }
      const key = pairKey(a, b);
      if (this.mergeRank.has(key))
        throw new Error(`BpeTokenizer: merges[${rank}] repeats merges[${this.mergeRank.get(key)}]`);
      const joined = m[0] + m[1];
      if (RESERVED.has(joined))
        throw new Error(`BpeTokenizer: merges[${rank}] spells the reserved token ${joined}`);
      let id = pieceId.get(joined);
      if (id === undefined) {
        id = pieces.length;
        pieceId.set(joined, id);
        pieces.push(joined);
      }
      this.mergeRank.set(key, rank);
      this.mergeLeft[rank] = a;
      this.mergeRight[rank] = b;
      this.mergeResult[rank] = id;
    });
    this.vocab = new Vocab(pieces);
    this.alphabetList = Object.freeze([...alphabet]);
    this.mergeList = Object.freeze(merges.map((m) => Object.freeze([m[0], m[1]] as const)));
  }

  /** Learns merges from `texts` (the training side of the data); see the module comment. */
  static train(texts: Iterable<string>, options: BpeTrainOptions): BpeTokenizer {
    const { vocabSize } = options;
    const minFrequency = options.minFrequency ?? 2;
    if (!(Number.isInteger(vocabSize) && vocabSize >= BPE_MIN_VOCAB_SIZE && vocabSize <= MAX_IDS)) {
      throw new Error(
        `BpeTokenizer.train: vocabSize must be an integer in [${BPE_MIN_VOCAB_SIZE}, ${MAX_IDS}] ` +
          `(4 special tokens + 256 bytes + "▁" + symbols and merges), got ${vocabSize}`,
      );
    }
    if (!(Number.isInteger(minFrequency) && minFrequency >= 1)) {
      throw new Error(`BpeTokenizer.train: minFrequency must be an integer >= 1, got ${minFrequency}`);
    }
    // The empty tokenizer knows how to normalise and cut words.
    const base = new BpeTokenizer([], [], options);

    // 1. Distinct words with their counts.
    const wordCount = new Map<string, { word: Word; freq: number }>();
    let n = 0;
    for (const text of texts) {
      if (typeof text !== "string")
        throw new Error(`BpeTokenizer.train: text ${n} is a ${typeof text}, not a string`);
      n++;
      for (const w of base.splitWords(base.normalize(text))) {
        const k = (w.spaced ? "1" : "0") + w.text;
        const e = wordCount.get(k);
        if (e) e.freq++;
        else wordCount.set(k, { word: w, freq: 1 });
      }
    }
    const entries = [...wordCount.values()];

    // 2. The alphabet: clusters by frequency (then code units), as many as fit.
    const clusterCount = new Map<string, number>();
    const wordClusters = entries.map((e) => {
      const cs = graphemeClusters(e.word.text);
      for (const c of cs)
        if (!c.includes(BPE_MARKER)) clusterCount.set(c, (clusterCount.get(c) ?? 0) + e.freq);
      return cs;
    });
    const alphabet = [...clusterCount.entries()]
      .sort((x, y) => y[1] - x[1] || compareCodeUnits(x[0], y[0]))
      .slice(0, vocabSize - BPE_MIN_VOCAB_SIZE)
      .map(([c]) => c);

    // 3. Words as symbol ids; pair counts and the pair → words index.
    const pieces: string[] = [...SPECIAL_TOKENS, ...BYTE_TOKENS, BPE_MARKER, ...alphabet];
    const pieceId = new Map<string, number>(pieces.slice(MARKER_ID).map((p, i) => [p, MARKER_ID + i]));
    const withAlphabet = new BpeTokenizer(alphabet, [], options);
    const syms = entries.map((e, i) => withAlphabet.symbolsOf(e.word.spaced, wordClusters[i]));
    const freqs = entries.map((e) => e.freq);
    const pairCount = new Map<number, number>();
    const pairWords = new Map<number, Set<number>>();
    const addPairs = (wi: number, s: readonly number[], sign: number, delta: Map<number, number> | null) => {
      for (let i = 0; i + 1 < s.length; i++) {
        if (isByte(s[i]) || isByte(s[i + 1])) continue;
        const k = pairKey(s[i], s[i + 1]);
        if (delta) delta.set(k, (delta.get(k) ?? 0) + sign * freqs[wi]);
        else pairCount.set(k, (pairCount.get(k) ?? 0) + freqs[wi]);
        if (sign > 0) {
          let set = pairWords.get(k);
          if (!set) pairWords.set(k, (set = new Set()));
          set.add(wi);
        }
      }
    };
    syms.forEach((s, wi) => {
      addPairs(wi, s, 1, null);
    });
    const left = (k: number) => Math.floor(k / PAIR_BASE);
    const right = (k: number) => k % PAIR_BASE;
    const heap = new PairHeap(
      (x, y) =>
        x.count > y.count ||
        (x.count === y.count &&
          (compareCodeUnits(pieces[left(x.key)], pieces[left(y.key)]) ||
            compareCodeUnits(pieces[right(x.key)], pieces[right(y.key)])) < 0),
    );
    for (const [k, n] of pairCount) heap.push(k, n);

    // 4. Merge the best pair until the vocabulary is full or no pair is frequent enough.
    const merges: [string, string][] = [];
    const banned = new Set<number>();
    while (pieces.length < vocabSize) {
      const top = heap.pop();
      if (!top) break;
      if (pairCount.get(top.key) !== top.count || banned.has(top.key)) continue; // stale entry
      if (top.count < minFrequency) break; // the best current pair is too rare: so are all others
      const a = left(top.key);
      const b = right(top.key);
      const joined = pieces[a] + pieces[b];
      if (RESERVED.has(joined)) {
        banned.add(top.key); // would spell <unk>, <0x41>, ...: never merged
        continue;
      }
      let id = pieceId.get(joined);
      if (id === undefined) {
        id = pieces.length;
        pieces.push(joined);
        pieceId.set(joined, id);
      }
      merges.push([pieces[a], pieces[b]]);
      const delta = new Map<number, number>();
      for (const wi of pairWords.get(top.key) ?? []) {
        const s = syms[wi];
        const out = mergePair(s, a, b, id);
        if (out.length === s.length) continue; // index entries are never removed; this word lost the pair
        addPairs(wi, s, -1, delta);
        addPairs(wi, out, 1, delta);
        syms[wi] = out;
      }
      pairWords.delete(top.key);
      for (const [k, d] of delta) {
        if (d === 0) continue;
        const n = (pairCount.get(k) ?? 0) + d;
        if (n > 0) {
          pairCount.set(k, n);
          if (!banned.has(k)) heap.push(k, n);
        } else pairCount.delete(k);
      }
    }
    return new BpeTokenizer(alphabet, merges, options);
  }

  /** Restores a tokenizer written by `toJSON` (an object or its JSON text); refuses anything malformed. */
  static fromJSON(json: unknown): BpeTokenizer {
    const who = "BpeTokenizer.fromJSON";
    let obj = json;
    if (typeof json === "string") {
      try {
        obj = JSON.parse(json);
      } catch (e) {
        throw new Error(`${who}: not valid JSON (${(e as Error).message})`);
      }
    }
    const shape =
      '{ format: "qkv-bpe", version: 1, lowercase: boolean, split: "words" | "space", alphabet: string[], merges: [string, string][] }';
    if (obj === null || typeof obj !== "object" || Array.isArray(obj)) {
      throw new Error(
        `${who}: expected ${shape}, got ${obj === null ? "null" : Array.isArray(obj) ? "an array" : typeof obj}`,
      );
    }
    const o = obj as Record<string, unknown>;
    const keys = ["format", "version", "lowercase", "split", "alphabet", "merges"];
    const extra = Object.keys(o).filter((k) => !keys.includes(k));
    if (extra.length > 0)
      throw new Error(
        `${who}: unknown field(s) ${extra.map((k) => JSON.stringify(k)).join(", ")}; expected ${shape}`,
      );
    if (o.format !== "qkv-bpe")
      throw new Error(`${who}: format must be "qkv-bpe", got ${JSON.stringify(o.format)}`);
    if (o.version !== 1) throw new Error(`${who}: version must be 1, got ${JSON.stringify(o.version)}`);
    if (typeof o.lowercase !== "boolean")
      throw new Error(`${who}: lowercase must be a boolean, got ${JSON.stringify(o.lowercase)}`);
    if (!TEXT_SPLITS.includes(o.split as TextSplit)) {
      throw new Error(`${who}: split must be "words" or "space", got ${JSON.stringify(o.split)}`);
    }
    if (!Array.isArray(o.alphabet)) throw new Error(`${who}: alphabet must be an array of strings`);
    if (!Array.isArray(o.merges)) throw new Error(`${who}: merges must be an array of [string, string]`);
    try {
      return new BpeTokenizer(o.alphabet as string[], o.merges as [string, string][], {
        lowercase: o.lowercase,
        split: o.split as TextSplit,
      });
    } catch (e) {
      throw new Error(`${who}: ${(e as Error).message.replace(/^BpeTokenizer: /, "")}`);
    }
  }

  /** The tokenizer as JSON (alphabet, merges, options), as checkpoints store it; `fromJSON` restores it. */
  toJSON(): BpeTokenizerJSON {
    return {
      format: "qkv-bpe",
      version: 1,
      lowercase: this.lowercase,
      split: this.split,
      alphabet: [...this.alphabetList],
      merges: this.mergeList.map((m) => [m[0], m[1]]),
    };
  }

  get size(): number {
    return this.vocab.size;
  }

  /** The base symbols, in id order (a copy). */
  get alphabet(): string[] {
    return [...this.alphabetList];
  }

  /** The merges in rank order (a copy). */
  get merges(): [string, string][] {
    return this.mergeList.map((m) => [m[0], m[1]]);
  }

  normalize(text: string): string {
    if (typeof text !== "string")
      throw new Error(`BpeTokenizer: expected text (a string), got ${typeof text}`);
    let s = text.replace(LONE_SURROGATE, "\uFFFD").normalize("NFC");
    if (this.lowercase) s = s.toLowerCase().normalize("NFC");
    return s.replace(/\s+/g, " ").trim();
  }

  encode(text: string, options: EncodeOptions = {}): number[] {
    const ids: number[] = [];
    if (options.addSos) ids.push(SOS);
    for (const w of this.splitWords(this.normalize(text))) {
      for (const id of this.segment(w)) ids.push(id);
    }
    if (options.addEos) ids.push(EOS);
    return ids;
  }

  tokenize(text: string): string[] {
    return this.encode(text).map((id) => this.vocab.tokenOf(id));
  }

  /**
   * Joins pieces back into text: "▁" → space (none in front of the text), runs of byte tokens →
   * their UTF-8 text (invalid sequences, which only a model can produce, → U+FFFD), anything else
   * (special tokens included) as written.
   */
  detokenize(tokens: readonly string[]): string {
    let out = "";
    let bytes: number[] = [];
    tokens.forEach((tok, i) => {
      const b = BYTE_OF.get(tok);
      if (b !== undefined) {
        bytes.push(b);
        return;
      }
      if (bytes.length > 0) {
        out += utf8Decoder.decode(Uint8Array.from(bytes));
        bytes = [];
      }
      const t = tok.replaceAll(BPE_MARKER, " ");
      out += i === 0 && tok.startsWith(BPE_MARKER) ? t.slice(1) : t;
    });
    if (bytes.length > 0) out += utf8Decoder.decode(Uint8Array.from(bytes));
    return out;
  }

  decode(ids: ArrayLike<number>, options?: DecodeOptions): string {
    return this.detokenize(this.vocab.decode(ids, options));
  }

  /** The word tokens of the text the pieces spell: `tokenize` (split "words") or whitespace chunks. */
  words(tokens: readonly string[]): string[] {
    const text = this.detokenize(tokens);
    if (this.split === "words") return wordTokenize(text, { lowercase: this.lowercase });
    return text.split(/\s+/).filter((w) => w !== "");
  }

  /** The words of normalised text `s`, each marked with whether a space (or the text start) precedes it. */
  private splitWords(s: string): Word[] {
    if (s === "") return [];
    if (this.split === "space") return s.split(" ").map((text) => ({ spaced: true, text }));
    const bounds = clusterBoundaries(s);
    const out: Word[] = [];
    let prevEnd = -1;
    for (const { token, start, end } of tokenSpans(s)) {
      if (start === prevEnd && !bounds.has(start)) out[out.length - 1].text += token;
      else out.push({ spaced: start === 0 || s[start - 1] === " ", text: token });
      prevEnd = end;
    }
    return out;
  }

  /** A word's symbols before any merge: "▁" when spaced, then alphabet clusters or their bytes. */
  private symbolsOf(spaced: boolean, clusters: readonly string[]): number[] {
    const out = spaced ? [MARKER_ID] : [];
    for (const c of clusters) {
      const id = this.clusterId.get(c);
      if (id !== undefined) out.push(id);
      else for (const b of utf8.encode(c)) out.push(BYTE_OFFSET + b);
    }
    return out;
  }

  /** A word's ids: its symbols with the merges applied in rank order, each once (cached). */
  private segment(w: Word): number[] {
    const key = (w.spaced ? "1" : "0") + w.text;
    const hit = this.cache.get(key);
    if (hit) return hit;
    let s = this.symbolsOf(w.spaced, graphemeClusters(w.text));
    let last = -1;
    for (;;) {
      let best = Number.POSITIVE_INFINITY;
      for (let i = 0; i + 1 < s.length; i++) {
        const r = this.mergeRank.get(pairKey(s[i], s[i + 1]));
        if (r !== undefined && r > last && r < best) best = r;
      }
      if (best === Number.POSITIVE_INFINITY) break;
      const a = this.mergeLeft[best];
      const b = this.mergeRight[best];
      const id = this.mergeResult[best];
      s = mergePair(s, a, b, id);
      last = best;
    }
    if (this.cache.size >= 100_000) this.cache.clear();
    this.cache.set(key, s);
    return s;
  }
}
