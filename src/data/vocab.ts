/**
 * A token <-> id vocabulary for sequence-to-sequence models, with the four special tokens every
 * encoder-decoder needs at fixed ids: <pad>=0 (padding), <unk>=1 (out-of-vocabulary), <sos>=2
 * (start of sequence, the decoder's first input) and <eos>=3 (end of sequence).
 *
 * `Vocab.build` is deterministic: tokens are ordered by frequency (descending), ties broken by the
 * token string in ascending UTF-16 code-unit order (not locale order, which varies between machines).
 * `toJSON` / `Vocab.fromJSON` round-trip exactly, for storing a vocabulary next to a checkpoint.
 */

export const PAD = 0;
/** The id of the unknown token `<unk>`. */
export const UNK = 1;
/** The id of the start-of-sequence token `<sos>`. */
export const SOS = 2;
/** The id of the end-of-sequence token `<eos>`. */
export const EOS = 3;

/** The special ids by name — the one table (decoding, batching and the ONNX manifest's `ids` use it). */
export const SPECIAL_IDS: Readonly<{ pad: number; unk: number; sos: number; eos: number }> = Object.freeze({
  pad: PAD,
  unk: UNK,
  sos: SOS,
  eos: EOS,
});

/** The padding token (id 0). */
export const PAD_TOKEN = "<pad>";
/** The unknown token (id 1). */
export const UNK_TOKEN = "<unk>";
/** The start-of-sequence token (id 2). */
export const SOS_TOKEN = "<sos>";
/** The end-of-sequence token (id 3). */
export const EOS_TOKEN = "<eos>";

/** The special tokens in id order: `SPECIAL_TOKENS[PAD] === "<pad>"`, etc. */
export const SPECIAL_TOKENS: readonly string[] = Object.freeze([PAD_TOKEN, UNK_TOKEN, SOS_TOKEN, EOS_TOKEN]);

/** Options of `Vocab.build`. */
export interface VocabBuildOptions {
  /** Keep only tokens seen at least this many times (default 1). */
  minFreq?: number;
  /** Cap on the total size, the 4 special tokens included (default: no cap). */
  maxSize?: number;
}

/** Options of `Vocab.encode`. */
export interface EncodeOptions {
  /** Prepend <sos> (default false). */
  addSos?: boolean;
  /** Append <eos> (default false). */
  addEos?: boolean;
}

/** Options of `Vocab.decode`. */
export interface DecodeOptions {
  /** Drop <pad>, <sos> and <eos> from the output (default true). <unk> is always kept. */
  stripSpecial?: boolean;
  /** Stop at the first <eos> (default true); with `stripSpecial: false` the <eos> itself is kept. */
  stopAtEos?: boolean;
}

/** The serialised form: `tokens[i]` is the token of id `i`. */
export interface VocabJSON {
  format: "qkv-vocab";
  version: 1;
  tokens: string[];
}

function compareCodeUnits(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}

/** A token ↔ id table with the special ids {pad 0, unk 1, sos 2, eos 3}. */
export class Vocab {
  private readonly itos: readonly string[];
  private readonly stoi: ReadonlyMap<string, number>;

  /** `tokens` must start with the four special tokens in order and hold no duplicates. */
  constructor(tokens: readonly string[]) {
    for (let i = 0; i < SPECIAL_TOKENS.length; i++) {
      if (tokens[i] !== SPECIAL_TOKENS[i]) {
        throw new Error(
          `Vocab: token ${i} must be ${SPECIAL_TOKENS[i]}, got ${JSON.stringify(tokens[i])} ` +
            `(the special tokens are ${SPECIAL_TOKENS.join(" ")} at ids 0..3)`,
        );
      }
    }
    const stoi = new Map<string, number>();
    tokens.forEach((t, i) => {
      if (typeof t !== "string") throw new Error(`Vocab: token ${i} is not a string`);
      if (stoi.has(t))
        throw new Error(`Vocab: duplicate token ${JSON.stringify(t)} at ids ${stoi.get(t)} and ${i}`);
      stoi.set(t, i);
    });
    this.itos = Object.freeze([...tokens]);
    this.stoi = stoi;
  }

  /** Builds a vocabulary from tokenised sentences (order: frequency desc, then token asc). */
  static build(sentences: Iterable<readonly string[]>, options: VocabBuildOptions = {}): Vocab {
    const minFreq = options.minFreq ?? 1;
    const maxSize = options.maxSize;
    if (!(minFreq >= 1)) throw new Error(`Vocab.build: minFreq must be >= 1, got ${minFreq}`);
    if (maxSize !== undefined && !(Number.isInteger(maxSize) && maxSize >= SPECIAL_TOKENS.length)) {
      throw new Error(`Vocab.build: maxSize must be an integer >= ${SPECIAL_TOKENS.length}, got ${maxSize}`);
    }
    const counts = new Map<string, number>();
    for (const sentence of sentences) {
      for (const tok of sentence) counts.set(tok, (counts.get(tok) ?? 0) + 1);
    }
    const specials = new Set(SPECIAL_TOKENS);
    const kept = [...counts.entries()]
      .filter(([tok, n]) => n >= minFreq && !specials.has(tok))
      .sort((a, b) => b[1] - a[1] || compareCodeUnits(a[0], b[0]))
      .map(([tok]) => tok);
    const room = maxSize === undefined ? kept.length : maxSize - SPECIAL_TOKENS.length;
    return new Vocab([...SPECIAL_TOKENS, ...kept.slice(0, room)]);
  }

  /** Restores a vocabulary written by `toJSON` (an object, or its JSON text). */
  static fromJSON(json: VocabJSON | string): Vocab {
    const obj = (typeof json === "string" ? JSON.parse(json) : json) as Partial<VocabJSON>;
    if (obj?.format !== "qkv-vocab" || obj.version !== 1 || !Array.isArray(obj.tokens)) {
      throw new Error('Vocab.fromJSON: expected { format: "qkv-vocab", version: 1, tokens: string[] }');
    }
    return new Vocab(obj.tokens);
  }

  /** The vocabulary as JSON (its tokens in id order), as checkpoints store it. */
  toJSON(): VocabJSON {
    return { format: "qkv-vocab", version: 1, tokens: [...this.itos] };
  }

  /** Number of tokens, specials included. */
  get size(): number {
    return this.itos.length;
  }

  /** All tokens in id order (a copy). */
  get tokens(): string[] {
    return [...this.itos];
  }

  /** Whether `token` has an id of its own. */
  has(token: string): boolean {
    return this.stoi.has(token);
  }

  /** The id of `token`, or UNK when it is not in the vocabulary. */
  idOf(token: string): number {
    return this.stoi.get(token) ?? UNK;
  }

  /** The token of `id`; throws on an id outside [0, size). */
  tokenOf(id: number): string {
    const tok = this.itos[id];
    if (tok === undefined) throw new Error(`Vocab.tokenOf: id ${id} is outside [0, ${this.itos.length})`);
    return tok;
  }

  /** Token → id for each token (unknown tokens → `<unk>`). */
  encode(tokens: readonly string[], options: EncodeOptions = {}): number[] {
    const ids = tokens.map((t) => this.idOf(t));
    if (options.addSos) ids.unshift(SOS);
    if (options.addEos) ids.push(EOS);
    return ids;
  }

  /** Id → token for each id. */
  decode(ids: ArrayLike<number>, options: DecodeOptions = {}): string[] {
    const stripSpecial = options.stripSpecial ?? true;
    const stopAtEos = options.stopAtEos ?? true;
    const out: string[] = [];
    for (let i = 0; i < ids.length; i++) {
      const id = ids[i];
      if (id === EOS && stopAtEos) {
        if (!stripSpecial) out.push(EOS_TOKEN);
        break;
      }
      if (stripSpecial && (id === PAD || id === SOS || id === EOS)) continue;
      out.push(this.tokenOf(id));
    }
    return out;
  }
}
