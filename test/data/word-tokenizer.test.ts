import { describe, expect, it } from "vitest";
import { BpeTokenizer } from "../../src/data/bpe.js";
import { type Tokenizer, tokenizerFromJSON } from "../../src/data/tokenizers.js";
import { UNK } from "../../src/data/vocab.js";
import { WordTokenizer } from "../../src/data/word-tokenizer.js";

const train = ["Turn off the light, please.", "Turn on the light.", "मैं खुश हूँ।"];

describe("WordTokenizer", () => {
  const word = WordTokenizer.build(train, { lowercase: true });

  it("tokenizes with the word rules and maps unseen words to <unk>", () => {
    expect(word.tokenize("Turn off the LIGHTS.")).toEqual(["turn", "off", "the", "lights", "."]);
    const ids = word.encode("Turn off the lights.");
    expect(ids.filter((i) => i === UNK)).toHaveLength(1);
    expect(word.decode(ids)).toBe("turn off the <unk>.");
    expect(word.decode(word.encode("मैं खुश हूँ।", { addSos: true, addEos: true }))).toBe("मैं खुश हूँ।");
    expect(word.words(["a", "b"])).toEqual(["a", "b"]);
  });

  it('splits at whitespace only with split "space" (SCAN)', () => {
    const scan = WordTokenizer.build(["jump twice", "I_JUMP I_JUMP"], { split: "space" });
    expect(scan.tokenize(" I_JUMP\tjump ")).toEqual(["I_JUMP", "jump"]);
    expect(scan.decode(scan.encode("jump  twice"))).toBe("jump twice");
    expect(scan.size).toBe(4 + 3);
  });

  it("round-trips through JSON and refuses malformed JSON", () => {
    const back = tokenizerFromJSON(JSON.stringify(word));
    expect(back).toBeInstanceOf(WordTokenizer);
    expect(back.toJSON()).toEqual(word.toJSON());
    expect(() => WordTokenizer.fromJSON("[")).toThrow(/WordTokenizer\.fromJSON: not valid JSON/);
    expect(() => WordTokenizer.fromJSON({ ...word.toJSON(), split: "chars" })).toThrow(/expected \{ format/);
    expect(() => WordTokenizer.fromJSON({ ...word.toJSON(), tokens: ["a", "b"] })).toThrow(
      /token 0 must be <pad>/,
    );
  });
});

describe("the Tokenizer contract", () => {
  const tokenizers: Tokenizer[] = [
    WordTokenizer.build(train, { lowercase: true }),
    BpeTokenizer.train(train, { vocabSize: 300, lowercase: true }),
  ];
  for (const t of tokenizers) {
    it(`${t.kind}: encode = vocab.encode ∘ tokenize, decode = detokenize ∘ vocab.decode`, () => {
      const s = "Turn off the light, please.";
      expect(t.encode(s)).toEqual(t.vocab.encode(t.tokenize(s)));
      expect(t.decode(t.encode(s))).toBe(t.detokenize(t.tokenize(s)));
      expect(t.decode(t.encode(s))).toBe("turn off the light, please.");
      expect(t.size).toBe(t.vocab.size);
      expect(t.vocab.tokens.slice(0, 4)).toEqual(["<pad>", "<unk>", "<sos>", "<eos>"]);
      expect(t.words(t.tokenize(s))).toEqual(["turn", "off", "the", "light", ",", "please", "."]);
      expect(tokenizerFromJSON(JSON.parse(JSON.stringify(t.toJSON()))).encode(s)).toEqual(t.encode(s));
    });
  }
});
