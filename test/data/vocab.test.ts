import { describe, expect, it } from "vitest";
import { EOS, PAD, SOS, SPECIAL_TOKENS, UNK, Vocab } from "../../src/data/vocab.js";

const corpus = [
  ["the", "cat", "sat"],
  ["the", "dog", "sat"],
  ["the", "cat", "ran"],
];

describe("Vocab", () => {
  it("has the special tokens at fixed ids", () => {
    expect([PAD, UNK, SOS, EOS]).toEqual([0, 1, 2, 3]);
    expect(SPECIAL_TOKENS).toEqual(["<pad>", "<unk>", "<sos>", "<eos>"]);
  });

  it("orders tokens by frequency desc, then token string asc", () => {
    const v = Vocab.build(corpus);
    expect(v.tokens).toEqual(["<pad>", "<unk>", "<sos>", "<eos>", "the", "cat", "sat", "dog", "ran"]);
    expect(v.size).toBe(9);
    expect(v.idOf("the")).toBe(4);
    expect(v.tokenOf(7)).toBe("dog");
  });

  it("is independent of sentence order", () => {
    expect(Vocab.build([...corpus].reverse()).tokens).toEqual(Vocab.build(corpus).tokens);
  });

  it("applies minFreq and maxSize", () => {
    expect(Vocab.build(corpus, { minFreq: 2 }).tokens).toEqual([
      "<pad>",
      "<unk>",
      "<sos>",
      "<eos>",
      "the",
      "cat",
      "sat",
    ]);
    expect(Vocab.build(corpus, { minFreq: 3 }).tokens.slice(4)).toEqual(["the"]);
    expect(Vocab.build(corpus, { maxSize: 6 }).tokens.slice(4)).toEqual(["the", "cat"]);
    expect(() => Vocab.build(corpus, { maxSize: 2 })).toThrow(/maxSize/);
  });

  it("never adds special tokens found in the data twice", () => {
    const v = Vocab.build([["<unk>", "a", "<eos>"]]);
    expect(v.tokens).toEqual(["<pad>", "<unk>", "<sos>", "<eos>", "a"]);
  });

  it("encodes with optional sos/eos and maps unknown tokens to UNK", () => {
    const v = Vocab.build(corpus);
    expect(v.encode(["the", "cat", "flew"])).toEqual([4, 5, UNK]);
    expect(v.encode(["the", "cat"], { addSos: true, addEos: true })).toEqual([SOS, 4, 5, EOS]);
  });

  it("decodes, stripping specials and stopping at eos", () => {
    const v = Vocab.build(corpus);
    const ids = [SOS, 4, 5, 6, EOS, 7, PAD, PAD];
    expect(v.decode(ids)).toEqual(["the", "cat", "sat"]);
    expect(v.decode(ids, { stripSpecial: false })).toEqual(["<sos>", "the", "cat", "sat", "<eos>"]);
    expect(v.decode(ids, { stripSpecial: false, stopAtEos: false })).toEqual([
      "<sos>",
      "the",
      "cat",
      "sat",
      "<eos>",
      "dog",
      "<pad>",
      "<pad>",
    ]);
    expect(v.decode(new Int32Array([4, UNK, 8]))).toEqual(["the", "<unk>", "ran"]);
    expect(() => v.decode([99])).toThrow(/outside/);
  });

  it("round-trips encode/decode and JSON", () => {
    const v = Vocab.build(corpus);
    const sentence = ["the", "dog", "ran"];
    expect(v.decode(v.encode(sentence, { addSos: true, addEos: true }))).toEqual(sentence);
    const json = JSON.stringify(v);
    const w = Vocab.fromJSON(json);
    expect(w.tokens).toEqual(v.tokens);
    expect(Vocab.fromJSON(v.toJSON()).idOf("ran")).toBe(8);
    expect(JSON.parse(json)).toEqual({ format: "qkv-vocab", version: 1, tokens: v.tokens });
  });

  it("rejects malformed JSON vocabularies", () => {
    expect(() => Vocab.fromJSON({ format: "qkv-vocab", version: 1, tokens: ["a", "b"] })).toThrow(/<pad>/);
    expect(() =>
      Vocab.fromJSON({ format: "qkv-vocab", version: 1, tokens: [...SPECIAL_TOKENS, "x", "x"] }),
    ).toThrow(/duplicate/);
    expect(() => Vocab.fromJSON("{}")).toThrow(/qkv-vocab/);
  });
});
