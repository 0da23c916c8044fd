/** --tokenizer word|bpe: tasks tokenize with either, checkpoints carry the tokenizer, models load from it. */
import { spawnSync } from "node:child_process";
import { mkdtempSync, readFileSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { BpeTokenizer, tokenize } from "../../src/data/index.js";
import {
  type CheckpointMeta,
  loadModel,
  loadTask,
  type TrainOptions,
  tokenizersOf,
  train,
} from "../../src/train/index.js";
import { requireDataset } from "../helpers/data.js";

const root = new URL("../..", import.meta.url).pathname;
const tsx = join(root, "node_modules/.bin/tsx");
const qkv = (env: Record<string, string>, ...args: string[]) =>
  spawnSync(tsx, [join(root, "src/cli/main.ts"), ...args], {
    cwd: root,
    encoding: "utf8",
    timeout: 120_000,
    env: { ...process.env, ...env },
  });

const copy = { syntheticSize: 300, minLength: 2, maxLength: 4, symbols: 8 };
const toy: TrainOptions = {
  task: "copy",
  taskOptions: { ...copy, tokenizer: "bpe", vocabSize: 300 },
  attention: "luong-dot",
  model: { embedDim: 8, hiddenSize: 8, dropout: 0 },
  batchSize: 32,
  epochs: 1,
  validLimit: 10,
  quiet: true,
};

describe("tasks with --tokenizer", () => {
  it("bpe: learned per side from the training part; pieces spell the same words", () => {
    const word = loadTask("copy", copy);
    const bpe = loadTask("copy", { ...copy, tokenizer: "bpe", vocabSize: 300 });
    expect(word.srcTokenizer.kind).toBe("word");
    expect(bpe.srcTokenizer.kind).toBe("bpe");
    expect(bpe.tgtTokenizer.kind).toBe("bpe");
    expect(bpe.srcVocab.size).toBe(bpe.srcTokenizer.size);
    expect(bpe.srcTokenizer.size).toBeLessThanOrEqual(300);
    bpe.train.slice(0, 50).forEach((p, i) => {
      expect(bpe.tgtTokenizer.words(p.tgt)).toEqual(word.train[i].tgt);
      expect(bpe.srcTokenizer.detokenize(p.src)).toBe(word.train[i].src.join(" "));
    });
    // Same data and options → the same merges (a checkpoint's tokenizer can be checked against its data).
    expect(loadTask("copy", { ...copy, tokenizer: "bpe", vocabSize: 300 }).srcTokenizer.toJSON()).toEqual(
      bpe.srcTokenizer.toJSON(),
    );
    expect(() => loadTask("copy", { ...copy, tokenizer: "bpe", vocabSize: 100 })).toThrow(/vocabSize/);
    expect(() => loadTask("copy", { ...copy, tokenizer: "chars" as never })).toThrow(/tokenizer must be/);
  });

  it.skipIf(!requireDataset("tatoeba-eng-hin"))(
    "tatoeba-hin: word tokens are unchanged; BPE leaves no <unk> in valid and test",
    () => {
      const word = loadTask("tatoeba-hin", { minFreq: 2 });
      const bpe = loadTask("tatoeba-hin", { tokenizer: "bpe", vocabSize: 2000 });
      expect(word.train[0].src).toEqual(
        tokenize(bpe.srcTokenizer.detokenize(bpe.train[0].src), { lowercase: true }),
      );
      for (const part of [bpe.valid, bpe.test]) {
        for (const p of part) {
          expect(bpe.srcVocab.encode(p.src)).not.toContain(1);
          expect(bpe.tgtVocab.encode(p.tgt)).not.toContain(1);
        }
      }
      expect(word.test.some((p) => word.tgtVocab.encode(p.tgt).includes(1))).toBe(true);
      expect(bpe.test.map((p) => bpe.tgtTokenizer.words(p.tgt))).toEqual(word.test.map((p) => p.tgt));
    },
  );
});

describe("checkpoints with a BPE tokenizer", () => {
  it("store it, load it, and translate / attend / eval from the checkpoint alone", async () => {
    const out = mkdtempSync(join(tmpdir(), "qkv-bpe-"));
    const r = await train({ ...toy, outDir: out });
    const { model, meta } = await loadModel(out, "best");
    expect(meta.srcTokenizer?.format).toBe("qkv-bpe");
    const { srcTokenizer, tgtTokenizer } = tokenizersOf(meta);
    expect(srcTokenizer).toBeInstanceOf(BpeTokenizer);
    expect(srcTokenizer.toJSON()).toEqual(r.task.srcTokenizer.toJSON());
    expect(tgtTokenizer.toJSON()).toEqual(r.task.tgtTokenizer.toJSON());
    expect(model.config.srcVocabSize).toBe(srcTokenizer.size);

    // No data folder: translate and attend need only the checkpoint.
    const env = { QKV_DATA_DIR: join(out, "no-data-here") };
    const tr = qkv(env, "translate", "--model", out, "--json", "s1 s2 s3");
    expect(tr.status, tr.stderr).toBe(0);
    const [res] = JSON.parse(tr.stdout);
    expect(res.sourceTokens).toEqual(srcTokenizer.tokenize("s1 s2 s3"));
    expect(res.translation).toBe(tgtTokenizer.detokenize(res.tokens));
    const at = qkv(env, "attend", "--model", out, "--color", "none", "s1 s2");
    expect(at.status, at.stderr).toBe(0);
    // The map shows words (no "▁"); the model's BPE pieces are the JSON's sourceTokens above.
    expect(at.stdout).toContain("s1");
    expect(at.stdout).not.toContain("▁");
    const ev = qkv(env, "eval", "--model", out, "--limit", "10", "--json");
    expect(ev.status, ev.stderr).toBe(0);
    expect(JSON.parse(ev.stdout).count).toBe(10);

    // The trainer refuses to resume with another tokenizer.
    await expect(
      train({ ...toy, taskOptions: { ...toy.taskOptions, vocabSize: 265 }, outDir: out, resume: true }),
    ).rejects.toThrow(/vocabulary differs/);
  }, 180_000);

  it("refuses a tokenizer whose size disagrees with the model; old checkpoints get the word tokenizer", async () => {
    const out = mkdtempSync(join(tmpdir(), "qkv-tok-"));
    await train({ ...toy, taskOptions: copy, maxSteps: 1, outDir: out });
    const file = join(out, "last.json");
    const ck = JSON.parse(readFileSync(file, "utf8")) as { meta: CheckpointMeta };
    const meta = ck.meta;
    expect(meta.srcTokenizer?.format).toBe("qkv-word-tokenizer");
    const { srcTokenizer, ...old } = meta;
    delete old.tgtTokenizer;
    const fromOld = tokenizersOf(old as CheckpointMeta);
    expect(fromOld.srcTokenizer.toJSON()).toEqual(srcTokenizer);
    const bpe = BpeTokenizer.train(["s1 s2"], { vocabSize: 270, split: "space" });
    expect(() => tokenizersOf({ ...meta, srcTokenizer: bpe.toJSON() })).toThrow(
      /the src tokenizer has \d+ ids but the model's srcVocabSize is/,
    );
    // An edited tokenizer: refused by the checksum of the vocabularies and tokenizers (vocabSha256)…
    writeFileSync(file, JSON.stringify({ ...ck, meta: { ...meta, tgtTokenizer: { format: "qkv-bpe" } } }));
    await expect(loadModel(out, "last")).rejects.toThrow(
      /the vocabularies or tokenizers were changed after saving/,
    );
    // …and, in a checkpoint without one (older), by the tokenizer's own validation.
    const { vocabSha256: _sum, ...unsummed } = meta;
    writeFileSync(
      file,
      JSON.stringify({ ...ck, meta: { ...unsummed, tgtTokenizer: { format: "qkv-bpe" } } }),
    );
    await expect(loadModel(out, "last").then((m) => tokenizersOf(m.meta))).rejects.toThrow(
      /BpeTokenizer\.fromJSON: version must be 1/,
    );
  }, 60_000);
});
