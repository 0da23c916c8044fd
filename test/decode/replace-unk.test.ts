/** replaceUnk: each <unk> becomes the source word its step attended to most. */
import { describe, expect, it } from "vitest";
import { SOS, SPECIAL_TOKENS, UNK, Vocab } from "../../src/data/vocab.js";
import { decodeReplacingUnk, greedyDecode, replaceUnk, type StepDecoder } from "../../src/decode/index.js";
import { tensor } from "../../src/tensor/index.js";

describe("replaceUnk", () => {
  it("copies the source word of the attention argmax of each <unk> step", () => {
    const alignment = [
      [0.7, 0.2, 0.1],
      [0.1, 0.1, 0.8],
      [0.2, 0.6, 0.2],
    ];
    const out = replaceUnk([5, UNK, UNK], ["मैं", "<unk>", "<unk>"], alignment, ["I", "am", "happy"]);
    expect(out).toEqual(["मैं", "happy", "am"]);
  });

  it("takes the weights the search recorded for the step that output <unk>", () => {
    // A step decoder that says "मैं" (5), <unk>, "हूँ" (6), EOS, attending to source 0, 2, 1, 2.
    const says = [5, UNK, 6, 3];
    const attends = [0, 2, 1, 2];
    const V = 8;
    const S = 3;
    const fake: StepDecoder<number> = {
      encode: () => 0,
      step: (t) => ({
        logits: tensor(
          Array.from({ length: V }, (_, v) => (v === says[t] ? 5 : 0)),
          [1, V],
        ),
        weights: tensor(
          Array.from({ length: S }, (_, j) => (j === attends[t] ? 0.8 : 0.1)),
          [1, S],
        ),
        state: t + 1,
      }),
      selectRows: (s) => s,
    };
    const [h] = greedyDecode(fake, [4, 5, 6], 1, S, [S], { maxLength: 10 });
    expect(h.tokens).toEqual([5, UNK, 6]);
    const words = ["मैं", "<unk>", "हूँ"];
    expect(replaceUnk(h.tokens, words, h.alignment, ["I", "am", "happy"])).toEqual(["मैं", "happy", "हूँ"]);
  });

  it("decodeReplacingUnk matches each <unk> with its own step's row, before special outputs are dropped", () => {
    const vocab = new Vocab([...SPECIAL_TOKENS, "x", "y"]);
    // Step 0 outputs <sos> (an untrained model may): the <unk> of step 1 keeps row 1, not row 0.
    const alignment = [
      [0.9, 0.1],
      [0.1, 0.9],
      [0.5, 0.5],
    ];
    expect(decodeReplacingUnk(vocab, [SOS, UNK, 4], alignment, ["a", "b"])).toEqual(["b", "x"]);
    expect(vocab.decode([SOS, UNK, 4])).toEqual(["<unk>", "x"]);
  });

  it("refuses a <unk> without attention weights, or rows of another length", () => {
    expect(() => replaceUnk([UNK], ["<unk>"], [], ["a"])).toThrow(
      "replaceUnk: output step 0 has no attention weights",
    );
    expect(() => replaceUnk([UNK], ["<unk>"], [[0.5, 0.5]], ["a"])).toThrow(
      "replaceUnk: step 0 attends over 2 source positions, source has 1",
    );
  });
});
