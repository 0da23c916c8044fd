/**
 * Reliability of training and checkpoints against careless and hostile use: the folder lock, reuse of
 * an --out, hostile or broken checkpoint JSON, validation against the weights, --resume --lr,
 * nonsense numbers and empty data.
 */
import { spawnSync } from "node:child_process";
import {
  existsSync,
  mkdirSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  symlinkSync,
  writeFileSync,
} from "node:fs";
import { hostname, tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { parameterCount, parameterShapes } from "../../src/models/registry.js";
import { ATTENTION_KINDS, Seq2Seq, type Seq2SeqConfig } from "../../src/models/seq2seq/index.js";
import {
  evaluatePairs,
  loadCheckpoint,
  loadModel,
  loadTask,
  saveCheckpoint,
  type TrainOptions,
  train,
} from "../../src/train/index.js";

const toy: TrainOptions = {
  task: "copy",
  taskOptions: { syntheticSize: 64, minLength: 2, maxLength: 3, symbols: 6 },
  attention: "luong-dot",
  model: { embedDim: 4, hiddenSize: 4, dropout: 0 },
  batchSize: 16,
  lr: 1e-2,
  seed: 3,
  validLimit: 8,
  quiet: true,
};
const fresh = (tag: string) => mkdtempSync(join(tmpdir(), `qkv-rel-${tag}-`));
const readJson = (p: string) => JSON.parse(readFileSync(p, "utf8"));
const writeJson = (p: string, v: unknown) => writeFileSync(p, JSON.stringify(v));

/** A pid that certainly belongs to no running process: one that has just exited. */
function deadPid(): number {
  const r = spawnSync(process.execPath, ["-e", "process.stdout.write(String(process.pid))"], {
    encoding: "utf8",
  });
  return Number(r.stdout);
}

describe("the --out folder lock", () => {
  it("a second training into a folder in use refuses at once, naming the folder and the holder", async () => {
    const out = fresh("lock");
    const first = train({ ...toy, epochs: 3, outDir: out });
    while (!existsSync(join(out, ".lock"))) await new Promise((r) => setTimeout(r, 5));
    await expect(train({ ...toy, epochs: 1, outDir: out })).rejects.toThrow(
      new RegExp(`train: ${out} is in use by process ${process.pid} \\(this process\\)`),
    );
    await first; // the holder is undisturbed and releases the lock
    expect(existsSync(join(out, ".lock"))).toBe(false);
    expect((await loadCheckpoint<{ epoch: number }>(out, "last")).meta.epoch).toBe(3);
  }, 60_000);

  it("a stale lock (its process is gone) is taken over; another host's lock is refused", async () => {
    const out = fresh("stale");
    const pid = deadPid();
    const lock = { pid, host: hostname(), token: "x", started: "then", command: "qkv train" };
    writeJson(join(out, ".lock"), lock);
    const r = await train({ ...toy, epochs: 1, maxSteps: 2, outDir: out });
    expect(r.steps).toBe(2);
    expect(readdirSync(out).filter((f) => f.startsWith("."))).toEqual([]);
    writeJson(join(out, ".lock"), { ...lock, pid: process.pid, host: "elsewhere.example" });
    await expect(train({ ...toy, epochs: 1, outDir: out, resume: true })).rejects.toThrow(
      /is locked by process \d+ on host elsewhere\.example.*delete .*\.lock/,
    );
  }, 60_000);
});

describe("reusing an --out", () => {
  it("refuses to train over checkpoints unless --resume or --overwrite", async () => {
    const out = fresh("reuse");
    await train({ ...toy, epochs: 1, outDir: out });
    const bestBefore = readJson(join(out, "best.json")).sha256;
    await expect(train({ ...toy, seed: 9, epochs: 1, outDir: out })).rejects.toThrow(
      /already holds checkpoints \(last\.json, best\.json\); pass --resume .* or --overwrite/,
    );
    expect(readJson(join(out, "best.json")).sha256).toBe(bestBefore); // untouched
    const r = await train({ ...toy, seed: 9, epochs: 1, maxSteps: 2, outDir: out, overwrite: true });
    expect(r.steps).toBe(2);
    expect(existsSync(join(out, "best.json"))).toBe(false); // the old run's best is gone, not mixed in
    expect(readJson(join(out, "last.json")).meta.step).toBe(2);
    await expect(train({ ...toy, outDir: out, resume: true, overwrite: true })).rejects.toThrow(/exclude/);
  }, 60_000);
});

describe("--resume with a new --lr", () => {
  it("applies it (the optimizer and last.json agree); without --lr the checkpoint's stays", async () => {
    const out = fresh("lr");
    await train({ ...toy, epochs: 2, maxSteps: 3, outDir: out });
    expect(readJson(join(out, "last.json")).meta.optimizer.paramGroups[0].lr).toBe(1e-2);
    await train({ ...toy, epochs: 2, maxSteps: 5, outDir: out, resume: true, lr: 0.5 });
    const m = readJson(join(out, "last.json")).meta;
    expect(m.optimizer.paramGroups[0].lr).toBe(0.5);
    expect(m.trainOptions.lr).toBe(0.5);
    await train({ ...toy, lr: undefined, epochs: 2, maxSteps: 7, outDir: out, resume: true });
    expect(readJson(join(out, "last.json")).meta.optimizer.paramGroups[0].lr).toBe(0.5);
  }, 60_000);
});

describe("hostile and broken checkpoints", () => {
  const model = async () => {
    const out = fresh("ck");
    await train({ ...toy, epochs: 1, outDir: out });
    return out;
  };
  /** Rewrites best.json through `edit`, then loads it. */
  const loadEdited = async (out: string, edit: (j: Record<string, unknown>) => unknown) => {
    const j = readJson(join(out, "best.json"));
    writeJson(join(out, "bad.json"), edit(j));
    return loadModel(join(out, "bad.json"));
  };

  it("weights must be a plain file inside the folder, read with a bound from its own header", async () => {
    const out = await model();
    for (const t of ["../../etc/hostname", "/dev/zero", "sub/best.safetensors", "..", "best.json"]) {
      await expect(loadEdited(out, (j) => ({ ...j, tensors: t }))).rejects.toThrow(
        /"tensors" must be the name of a \.safetensors file in the checkpoint's folder/,
      );
    }
    symlinkSync("/dev/zero", join(out, "zero.safetensors"));
    await expect(loadEdited(out, (j) => ({ ...j, tensors: "zero.safetensors" }))).rejects.toThrow(
      /symbolic link/,
    );
    mkdirSync(join(out, "dir.safetensors"));
    await expect(loadEdited(out, (j) => ({ ...j, tensors: "dir.safetensors" }))).rejects.toThrow(
      /not a regular file \(a folder\)/,
    );
    const fifo = spawnSync("mkfifo", [join(out, "fifo.safetensors")]);
    if (fifo.status === 0) {
      await expect(loadEdited(out, (j) => ({ ...j, tensors: "fifo.safetensors" }))).rejects.toThrow(
        /not a regular file \(a device, FIFO or socket\)/,
      );
    }
    // A file longer than its header says is refused before it is hashed.
    const real = readJson(join(out, "best.json")).tensors;
    writeFileSync(
      join(out, "padded.safetensors"),
      Buffer.concat([readFileSync(join(out, real)), Buffer.alloc(1000)]),
    );
    await expect(loadEdited(out, (j) => ({ ...j, tensors: "padded.safetensors" }))).rejects.toThrow(
      /file is \d+ bytes but its header describes \d+/,
    );
  }, 60_000);

  it("null, a missing sha256, config or tgtVocab, wrong sizes and NaN weights are clear errors", async () => {
    const out = await model();
    await expect(loadEdited(out, () => null)).rejects.toThrow(/is not a qkv checkpoint \(the JSON is null/);
    await expect(loadEdited(out, (j) => ({ ...j, sha256: undefined }))).rejects.toThrow(
      /"sha256" must be 64 lowercase hex digits, got missing/,
    );
    await expect(loadEdited(out, (j) => ({ ...j, meta: null }))).rejects.toThrow(
      /"meta" must be an object, got null/,
    );
    const meta = (edit: (m: Record<string, unknown>) => void) => (j: Record<string, unknown>) => {
      const m = structuredClone(j.meta) as Record<string, unknown>;
      edit(m);
      return { ...j, meta: m };
    };
    await expect(
      loadEdited(
        out,
        meta((m) => delete m.config),
      ),
    ).rejects.toThrow(/meta\.config must be an object \(the model's configuration\), got missing/);
    await expect(
      loadEdited(
        out,
        meta((m) => delete m.tgtVocab),
      ),
    ).rejects.toThrow(/meta\.tgtVocab must be an array of token strings, got missing/);
    await expect(
      loadEdited(
        out,
        meta((m) => (m.srcVocab as string[]).pop()),
      ),
    ).rejects.toThrow(/meta\.srcVocab must be \d+ tokens \(config\.srcVocabSize\)/);
    await expect(
      loadEdited(
        out,
        meta((m) => {
          (m.config as Record<string, number>).hiddenSize = 5;
        }),
      ),
    ).rejects.toThrow(
      /the weights do not match meta\.config .*"encoder\.weight_ih_l0" has shape \[16, 4\], the config needs \[20, 4\]/,
    );
    await expect(
      loadEdited(
        out,
        meta((m) => {
          (m.config as Record<string, number>).hiddenSize = 100000;
        }),
      ),
    ).rejects.toThrow(/would need [\d.]+ GiB/);
    await expect(
      loadEdited(out, (j) => JSON.parse(`{"__proto__": {"x": 1}, "format": ${JSON.stringify(j.format)}}`)),
    ).rejects.toThrow(/"__proto__" is not allowed/);
    // NaN weights: a consistent pair (right hash) whose model cannot work.
    const { model: m, meta: goodMeta } = await loadModel(out, "best");
    const sd = m.stateDict();
    sd["out.bias"].data[1] = Number.NaN;
    await saveCheckpoint(out, "nan", { model: sd, meta: goodMeta });
    await expect(loadModel(out, "nan")).rejects.toThrow(/weight "out\.bias" holds NaN at index 1/);
    await expect(loadModel(out, "../best")).rejects.toThrow(/checkpoint name must be/);
  }, 60_000);
});

describe("nonsense numbers and empty data", () => {
  it("every numeric training option is checked, with its name", async () => {
    const cases: [Partial<TrainOptions>, RegExp][] = [
      [{ clip: -1 }, /clip \(--clip\) must be a number ≥ 0, got -1/],
      [{ lr: 0 }, /lr \(--lr\) must be a number > 0, got 0/],
      [{ epochs: 0 }, /epochs \(--epochs\) must be an integer ≥ 1, got 0/],
      [{ batchSize: 0 }, /batchSize \(--batch-size\) must be an integer ≥ 1/],
      [{ maxSteps: 0 }, /maxSteps \(--max-steps\) must be an integer ≥ 1/],
      [{ validLimit: 0 }, /validLimit \(--valid-limit\) must be an integer ≥ 1/],
      [{ labelSmoothing: 1 }, /labelSmoothing \(--label-smoothing\) must be a number in \[0, 1\)/],
      [{ model: { hiddenSize: 2.5 } }, /model\.hiddenSize \(--hidden\) must be an integer ≥ 1, got 2\.5/],
      [{ taskOptions: { limit: 0 } }, /limit \(--limit\) must be an integer ≥ 1, got 0/],
      [{ taskOptions: { maxLength: 0 } }, /maxLength \(--max-length\) must be an integer ≥ 1, got 0/],
      [
        { taskOptions: { syntheticSize: 0 } },
        /syntheticSize \(--synthetic-size\) must be an integer ≥ 1, got 0/,
      ],
      [{ model: { hiddenSize: 100000 } }, /the model \(embed 64, hidden 100000.*would need [\d.]+ GiB/],
    ];
    for (const [o, re] of cases) {
      await expect(
        train({ ...toy, taskOptions: { syntheticSize: 50 }, model: {}, ...o }),
        JSON.stringify(o),
      ).rejects.toThrow(re);
    }
  }, 60_000);

  it("--max-length below the default shortest sequence gives sequences of that length, not NaN", () => {
    for (const maxLength of [1, 4]) {
      const t = loadTask("copy", { maxLength, syntheticSize: 20 });
      expect(t.train.every((p) => p.src.length === maxLength)).toBe(true);
    }
    expect(() => loadTask("copy", { minLength: 6, maxLength: 4 })).toThrow(/minLength 6 is above maxLength/);
  });

  it("an empty or blank data file is an error, and so is evaluating nothing", async () => {
    const data = fresh("empty");
    mkdirSync(join(data, "scan"));
    for (const body of ["", "\n\n"]) {
      writeFileSync(join(data, "scan", "tasks_train_simple.txt"), body);
      writeFileSync(join(data, "scan", "tasks_test_simple.txt"), "IN: jump OUT: I_JUMP\n");
      expect(() => loadTask("scan-simple", { dataDir: data })).toThrow(
        body ? /tasks_train_simple\.txt:1: not a SCAN line/ : /task "scan-simple" has no training pairs/,
      );
    }
    await expect(train({ ...toy, task: "scan-simple", taskOptions: { dataDir: data } })).rejects.toThrow(
      /no training pairs|not a SCAN line/,
    );
    const { model, meta } = await (async () => {
      const out = fresh("evalempty");
      await train({ ...toy, epochs: 1, maxSteps: 1, outDir: out });
      return loadModel(out, "last");
    })();
    const { Vocab } = await import("../../src/data/index.js");
    expect(() => evaluatePairs(model, [], new Vocab(meta.srcVocab), new Vocab(meta.tgtVocab))).toThrow(
      /no pairs to evaluate/,
    );
  }, 60_000);
});

describe("the parameter count used for the memory check", () => {
  it("names and shapes equal the model's state dict for every attention and layout", () => {
    const configs: Seq2SeqConfig[] = [];
    for (const attention of ATTENTION_KINDS) {
      configs.push({
        srcVocabSize: 7,
        tgtVocabSize: 9,
        embedDim: 3,
        hiddenSize: 2,
        encoderLayers: 2,
        attention,
      });
      if (attention !== "luong-dot") {
        configs.push({
          srcVocabSize: 5,
          tgtVocabSize: 6,
          embedDim: 4,
          hiddenSize: 3,
          bidirectional: false,
          decoderHiddenSize: 5,
          attentionDim: 7,
          inputFeeding: false,
          maxSourceLength: 11,
          attention,
        });
      }
      configs.push({
        srcVocabSize: 7,
        tgtVocabSize: 8,
        embedDim: 3,
        hiddenSize: 2,
        attention,
        attentionValues: "embeddings",
      });
      if (attention !== "none") {
        configs.push({
          srcVocabSize: 7,
          tgtVocabSize: 8,
          embedDim: 3,
          hiddenSize: 2,
          attention,
          bridge: false,
        });
      }
    }
    for (const c of configs) {
      const m = new Seq2Seq(c);
      const actual = Object.fromEntries(Object.entries(m.stateDict()).map(([k, t]) => [k, [...t.shape]]));
      // The registry builds the model on the meta device (no storage): the same names and shapes.
      expect({ ...parameterShapes({ kind: "seq2seq", config: c }) }, JSON.stringify(c)).toEqual(actual);
      expect(parameterCount({ kind: "seq2seq", config: c })).toBe(m.numParameters);
    }
  });
});
