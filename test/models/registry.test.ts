/**
 * The model registry (src/models/registry.ts) and the meta device it builds on (src/tensor/meta.ts):
 * shapes from the meta build equal a real build's, counts by layer multiplication equal a real build's,
 * no random number is drawn on the meta device, and the kind lookups refuse what they do not know.
 */
import { describe, expect, it } from "vitest";
import {
  buildModel,
  checkFits,
  isTransformer,
  kindOf,
  type ModelSpec,
  modelKind,
  parameterCount,
  parameterShapes,
  specOf,
} from "../../src/models/registry.js";
import { isMetaDevice, manualSeed, onMetaDevice, random, zeros } from "../../src/tensor/index.js";

const SPECS: ModelSpec[] = [
  {
    kind: "seq2seq",
    config: { srcVocabSize: 11, tgtVocabSize: 9, embedDim: 4, hiddenSize: 3, encoderLayers: 3 },
  },
  {
    kind: "seq2seq",
    config: { srcVocabSize: 11, tgtVocabSize: 9, attention: "bahdanau", latentAlignment: true },
  },
  {
    kind: "transformer",
    config: {
      srcVocabSize: 11,
      tgtVocabSize: 9,
      dModel: 8,
      nhead: 2,
      numEncoderLayers: 3,
      numDecoderLayers: 2,
    },
  },
  {
    kind: "transformer",
    config: {
      srcVocabSize: 11,
      tgtVocabSize: 9,
      dModel: 8,
      nhead: 2,
      tieOutput: false,
      positions: "learned",
    },
  },
];

describe("the model registry", () => {
  it("shapes and counts derived on the meta device equal a real build's", () => {
    for (const spec of SPECS) {
      const real = buildModel(spec);
      const shapes = Object.fromEntries(Object.entries(real.stateDict()).map(([k, t]) => [k, [...t.shape]]));
      expect({ ...parameterShapes(spec) }, JSON.stringify(spec)).toEqual(shapes);
      expect(parameterCount(spec), JSON.stringify(spec)).toBe(real.numParameters);
      expect(kindOf(real).name).toBe(spec.kind);
      expect(isTransformer(real)).toBe(spec.kind === "transformer");
      expect(specOf(real).kind).toBe(spec.kind);
    }
  });

  it("counts 10⁹ layers without building them, and refuses the memory they need", () => {
    const one = parameterCount({
      kind: "seq2seq",
      config: { srcVocabSize: 9, tgtVocabSize: 9, encoderLayers: 1 },
    });
    const two = parameterCount({
      kind: "seq2seq",
      config: { srcVocabSize: 9, tgtVocabSize: 9, encoderLayers: 2 },
    });
    const big = {
      kind: "seq2seq",
      config: { srcVocabSize: 9, tgtVocabSize: 9, encoderLayers: 1e9 },
    } as const;
    expect(parameterCount(big)).toBe(one + (1e9 - 1) * (two - one));
    expect(() => checkFits(big, "train", 4, "the model", 2 ** 34)).toThrow(
      /^train: the model \(embed 64, hidden 128, layers 1000000000, vocabularies 9\/9\) has .* parameters and would need .* choose smaller --hidden \/ --embed \/ --layers$/,
    );
    expect(() => checkFits(SPECS[0], "train", 4, "the model", 2 ** 34)).not.toThrow();
  });

  it("the meta device: shapes without storage, no random draws, nested and restored", () => {
    manualSeed(3);
    const before = random();
    manualSeed(3);
    const t = onMetaDevice(() => {
      expect(isMetaDevice()).toBe(true);
      onMetaDevice(() => buildModel(SPECS[2]));
      expect(isMetaDevice()).toBe(true);
      return zeros([1000, 1000]);
    });
    expect(isMetaDevice()).toBe(false);
    expect(t.shape).toEqual([1000, 1000]);
    expect(t.data.length).toBe(0);
    expect(random()).toBe(before); // building on the meta device drew nothing
    expect(() =>
      onMetaDevice(() => {
        throw new Error("x");
      }),
    ).toThrow("x");
    expect(isMetaDevice()).toBe(false);
  });

  it("an unknown kind is refused, naming the kinds there are", () => {
    expect(() => modelKind("rnn")).toThrow('unknown model kind "rnn" (one of "seq2seq", "transformer")');
    expect(modelKind(undefined).name).toBe("seq2seq"); // files from before `kind` existed
    expect(() => modelKind("constructor")).toThrow(/unknown model kind/);
  });
});
