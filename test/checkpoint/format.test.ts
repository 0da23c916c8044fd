/**
 * The checkpoint format as data (src/checkpoint/format.ts): the word rules agree with the tasks', the
 * meta schema refuses what no model can be built from (naming the field), and modelFromCheckpoint
 * rebuilds a model equal to the one saved, refusing weights that do not fit or are not finite.
 */
import { describe, expect, it } from "vitest";
import {
  modelFromCheckpoint,
  tokenizersOf,
  validateCheckpointMeta,
  wordRuleOf,
} from "../../src/checkpoint/format.js";
import { WordTokenizer } from "../../src/data/word-tokenizer.js";
import { Seq2Seq } from "../../src/models/seq2seq/model.js";
import { manualSeed, tensor } from "../../src/tensor/index.js";
import { TASK_NAMES, taskSpec } from "../../src/train/tasks.js";

const src = WordTokenizer.build(["turn off the lights ."]);
const tgt = WordTokenizer.build(["लाइट बंद करो"]);
const config = { srcVocabSize: src.size, tgtVocabSize: tgt.size, embedDim: 4, hiddenSize: 3 };
const meta = {
  kind: "seq2seq" as const,
  config,
  task: "tatoeba-hin",
  srcVocab: src.vocab.tokens,
  tgtVocab: tgt.vocab.tokens,
  srcTokenizer: src.toJSON(),
  tgtTokenizer: tgt.toJSON(),
};

describe("checkpoint format", () => {
  it("word rules: the same as every task's tokenizer (train/tasks.ts)", () => {
    for (const task of TASK_NAMES) {
      const want = taskSpec(task).tokenizer;
      expect(wordRuleOf(task), task).toEqual({ split: want.name, lowercase: want.lowercase });
    }
  });

  it("the meta schema names the field it refuses", () => {
    expect(() => validateCheckpointMeta(meta, "x.json")).not.toThrow();
    expect(() => validateCheckpointMeta({ ...meta, kind: "rnn" }, "x.json")).toThrow(
      'checkpoint x.json: meta.kind must be "seq2seq" or "transformer", got string "rnn"',
    );
    expect(() =>
      validateCheckpointMeta({ ...meta, config: { ...config, attention: "cosine" } }, "x.json"),
    ).toThrow(/meta\.config\.attention must be one of none, bahdanau/);
    expect(() => validateCheckpointMeta({ ...meta, srcVocab: ["a"] }, "x.json")).toThrow(
      new RegExp(`meta\\.srcVocab must be ${src.size} tokens`),
    );
    expect(() => validateCheckpointMeta({ ...meta, maxTargetLength: 1e9 }, "x.json")).toThrow(
      /meta\.maxTargetLength must be an integer from 1 to 1024/,
    );
    // The memory budget is the caller's: 1 KiB cannot hold this model.
    expect(() => validateCheckpointMeta(meta, "x.json", { memoryBytes: 1024 })).toThrow(
      /checkpoint x\.json: its model \(embed 4, hidden 3, layers 1, .*would need/,
    );
    expect(() => validateCheckpointMeta(meta, "x.json", { forResume: true })).toThrow(/meta\.epoch must be/);
  });

  it("modelFromCheckpoint rebuilds the saved model; refuses weights that do not fit or are not finite", () => {
    manualSeed(5);
    const saved = new Seq2Seq(config);
    const weights = saved.stateDict();
    const m = modelFromCheckpoint(meta, weights, "x.json");
    expect(m.training).toBe(false);
    for (const [k, t] of Object.entries(m.stateDict())) expect([...t.data], k).toEqual([...weights[k].data]);
    const { srcTokenizer, tgtTokenizer } = tokenizersOf(meta);
    expect(srcTokenizer.tokenize("Turn off the lights.")).toEqual(src.tokenize("Turn off the lights."));
    expect(tgtTokenizer.size).toBe(tgt.size);
    const { attn_w: _, ...missing } = weights;
    expect(() => modelFromCheckpoint(meta, missing, "x.json")).toThrow(
      /checkpoint x\.json: the weights do not match meta\.config \(attention luong-general, embed 4, hidden 3\): weight "attn_w" \[6, 6\] is missing/,
    );
    const bad = { ...weights, "out.bias": tensor([Number.NaN, ...weights["out.bias"].data.slice(1)]) };
    expect(() => modelFromCheckpoint(meta, bad, "x.json")).toThrow(/weight "out\.bias" holds NaN at index 0/);
    expect(() => tokenizersOf({ ...meta, config: { ...config, srcVocabSize: src.size + 1 } })).toThrow(
      /the src tokenizer has \d+ ids but the model's srcVocabSize is/,
    );
  });
});
