/**
 * What a checkpoint load refuses (issue 20): integer or BOOL weights (a model's parameters are
 * floating point), a checkpoint JSON that is a symbolic link (`best.json` linking out of its folder),
 * and vocabularies changed after saving — `meta.vocabSha256` (SHA-256 of the vocabularies and
 * tokenizers) catches swapped entries; a stored tokenizer must agree with `meta.*Vocab` id for id.
 * Checkpoints from before the checksum (no `vocabSha256`, e.g. pretrained/) still load.
 */
import { createHash } from "node:crypto";
import { mkdirSync, mkdtempSync, readFileSync, rmSync, symlinkSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { tokenizersOf } from "../../src/checkpoint/format.js";
import { Tensor } from "../../src/tensor/index.js";
import { loadCheckpoint, saveCheckpoint } from "../../src/train/checkpoint.js";
import { loadModel, train } from "../../src/train/index.js";

const root = new URL("../..", import.meta.url).pathname;
const dir = mkdtempSync(join(tmpdir(), "qkv-ck-"));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

/** A checkpoint folder whose weights file is these raw safetensors bytes (hash and JSON made to fit). */
function rawCheckpoint(name: string, header: object, data: Uint8Array): string {
  const d = join(dir, name);
  mkdirSync(d, { recursive: true });
  const json = new TextEncoder().encode(JSON.stringify(header));
  const bytes = new Uint8Array(8 + json.length + data.length);
  new DataView(bytes.buffer).setBigUint64(0, BigInt(json.length), true);
  bytes.set(json, 8);
  bytes.set(data, 8 + json.length);
  const sha256 = createHash("sha256").update(bytes).digest("hex");
  const tensors = `last.${sha256}.safetensors`;
  writeFileSync(join(d, tensors), bytes);
  writeFileSync(
    join(d, "last.json"),
    JSON.stringify({ format: "qkv-checkpoint", version: 1, tensors, sha256, meta: {} }),
  );
  return d;
}

describe("checkpoint loads refuse non-float weights", () => {
  for (const [dtype, data] of [
    ["I32", new Uint8Array(new Int32Array([1, 2]).buffer)],
    ["I64", new Uint8Array(new BigInt64Array([1n, 2n]).buffer)],
    ["U8", new Uint8Array([1, 2])],
    ["BOOL", new Uint8Array([1, 0])],
  ] as const) {
    it(`${dtype}`, async () => {
      const header = { "encoder.weight": { dtype, shape: [2], data_offsets: [0, data.length] } };
      const d = rawCheckpoint(`int-${dtype}`, header, data);
      await expect(loadCheckpoint(d, "last")).rejects.toThrow(
        `tensor "encoder.weight" is stored as ${dtype}; a checkpoint's weights and optimizer state must be floating point (F64, F32, F16, BF16)`,
      );
    });
  }

  it("F64 and F16 weights load (floating point)", async () => {
    const data = new Uint8Array(new Float64Array([0.5, 2]).buffer);
    const d = rawCheckpoint("f64", { w: { dtype: "F64", shape: [2], data_offsets: [0, 16] } }, data);
    const ck = await loadCheckpoint(d, "last");
    expect([...ck.model.w.data]).toEqual([0.5, 2]);
  });
});

describe("checkpoint JSON must be a plain file in its folder", () => {
  it("a best.json that is a symbolic link (out of the folder) is refused", async () => {
    const elsewhere = join(dir, "elsewhere");
    await saveCheckpoint(elsewhere, "best", {
      model: { w: new Tensor(new Float32Array([1]), [1]) },
      meta: {},
    });
    const run = join(dir, "linked");
    mkdirSync(run);
    symlinkSync(join(elsewhere, "best.json"), join(run, "best.json"));
    await expect(loadCheckpoint(run, "best")).rejects.toThrow(
      `loadCheckpoint: cannot read ${join(run, "best.json")}: it is a symbolic link; a checkpoint's JSON must be a plain file in its folder`,
    );
    // The plain file itself loads.
    expect((await loadCheckpoint(elsewhere, "best")).model.w.data[0]).toBe(1);
  });
});

describe("vocabularies are checked on load", () => {
  const run = join(dir, "run");
  let json: { meta: Record<string, unknown> } & Record<string, unknown>;
  beforeAll(async () => {
    await train({
      task: "copy",
      taskOptions: { syntheticSize: 16, maxLength: 3, symbols: 5 },
      attention: "luong-general",
      model: { embedDim: 3, hiddenSize: 2 },
      epochs: 1,
      validLimit: 2,
      quiet: true,
      outDir: run,
    });
    json = JSON.parse(readFileSync(join(run, "best.json"), "utf8"));
  }, 60_000);

  /** best.json with its meta changed by `edit`, in a folder of its own (same weights). */
  function edited(name: string, edit: (meta: Record<string, unknown>) => void): string {
    const d = join(dir, name);
    mkdirSync(d);
    const j = structuredClone(json);
    edit(j.meta);
    const weights = j.tensors as string;
    writeFileSync(join(d, weights), readFileSync(join(run, weights)));
    writeFileSync(join(d, "best.json"), JSON.stringify(j));
    return d;
  }

  it("a saved checkpoint carries vocabSha256 and loads", async () => {
    expect(json.meta.vocabSha256).toMatch(/^[0-9a-f]{64}$/);
    await expect(loadModel(run, "best")).resolves.toBeDefined();
  });

  it("swapped vocabulary entries are refused naming the checkpoint", async () => {
    const d = edited("swapped", (m) => {
      const v = m.tgtVocab as string[];
      [v[4], v[5]] = [v[5], v[4]];
    });
    await expect(loadModel(d, "best")).rejects.toThrow(
      `checkpoint ${join(d, "best.json")}: the vocabularies or tokenizers were changed after saving`,
    );
  });

  it("a malformed vocabSha256 is refused; a checkpoint without one (older) loads", async () => {
    const bad = edited("bad-sum", (m) => {
      m.vocabSha256 = "xyz";
    });
    await expect(loadModel(bad, "best")).rejects.toThrow("meta.vocabSha256 must be 64 lowercase hex digits");
    const old = edited("old", (m) => {
      delete m.vocabSha256;
    });
    await expect(loadModel(old, "best")).resolves.toBeDefined();
    // The bundled models predate the checksum and still load.
    await expect(loadModel(join(root, "pretrained/en-hi"), "best")).resolves.toBeDefined();
  });

  it("a stored tokenizer that disagrees with meta.tgtVocab is refused (older checkpoints: no checksum)", async () => {
    const d = edited("tok-mismatch", (m) => {
      delete m.vocabSha256;
      const v = m.tgtVocab as string[];
      [v[4], v[5]] = [v[5], v[4]];
    });
    const { meta } = await loadModel(d, "best");
    const v = json.meta.tgtVocab as string[];
    expect(() => tokenizersOf(meta)).toThrow(
      `checkpoint: the tgt tokenizer's vocabulary differs from meta.tgtVocab at id 4 (${JSON.stringify(v[4])} vs ${JSON.stringify(v[5])})`,
    );
    expect(() => tokenizersOf(json.meta as never)).not.toThrow();
  });
});
