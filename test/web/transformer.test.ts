/**
 * The explorer's Transformer (web/src/transformer.ts) in Node, against qkv's own paths: the translation
 * is `greedyDecode`'s, the cross-attention's last layer averaged over heads is greedyDecode's alignment
 * (the cached steps), the encoder maps are `encode({ needWeights })`'s, the decoder self-attention is
 * causal. Also the loader (kind checked) and the model folders the Vite plugin lists (QKV_MODELS_DIR).
 */
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { isStale } from "../../scripts/web.js";
import { greedyDecode } from "../../src/decode/index.js";
import { TransformerModel } from "../../src/models/transformer/index.js";
import { loadCheckpoint } from "../../src/train/checkpoint.js";
import { type CheckpointMeta, tokenizersOf } from "../../src/train/trainer.js";
import {
  type CheckpointJson,
  type LoadedTransformer,
  seq2seqFromCheckpoint,
  transformerFromCheckpoint,
} from "../../web/src/checkpoint.js";
import { float16FileName } from "../../web/src/float16.js";
import { headsOf, layersOf, mapOf } from "../../web/src/stacks.js";
import { transformerAnalysis, translateTransformer } from "../../web/src/transformer.js";
import { bundledModels } from "../../web/vite.config.js";
import { saveTinyTransformer, TINY_TRANSFORMER } from "../helpers/tiny-transformer.js";

const SENTENCE = "Turn off the lights.";
let tmp: string;
let dir: string;
let loaded: LoadedTransformer;

const readJson = (d: string) => JSON.parse(readFileSync(join(d, "best.json"), "utf8"));
const bytesOf = (d: string) => new Uint8Array(readFileSync(join(d, readJson(d).tensors)));

beforeAll(async () => {
  tmp = mkdtempSync(join(tmpdir(), "qkv-web-transformer-"));
  dir = join(tmp, "models", "tiny-transformer");
  await saveTinyTransformer(dir);
  loaded = await transformerFromCheckpoint(readJson(dir), bytesOf(dir));
});

afterAll(() => rmSync(tmp, { recursive: true, force: true }));

/** The same model, built by the Node path (loadCheckpoint + tokenizersOf), independent of web/src. */
async function nodeModel() {
  const ck = await loadCheckpoint<CheckpointMeta>(dir, "best");
  const model = new TransformerModel(ck.meta.config as never).eval();
  model.loadStateDict(ck.model);
  return { model, ...tokenizersOf(ck.meta), meta: ck.meta };
}

describe("the explorer's Transformer", () => {
  it("translates as greedyDecode does; cross-attention equals its alignment; encoder maps equal encode()'s", async () => {
    const n = await nodeModel();
    const ids = n.srcTokenizer.encode(SENTENCE);
    const S = ids.length;
    const limit = Math.max(S * 2 + 10, n.meta.maxTargetLength * 2 + 10);
    const [hyp] = greedyDecode(n.model, ids, 1, S, [S], { maxLength: limit });
    const run = translateTransformer(loaded, SENTENCE);
    expect(run.srcTokens).toEqual(n.srcTokenizer.tokenize(SENTENCE));
    expect(run.translation).toBe(n.tgtTokenizer.decode(hyp.tokens));
    expect(run.stepLabels.length).toBe(hyp.alignment.length);
    const T = run.stepLabels.length;
    const H = TINY_TRANSFORMER.nhead as number;
    // The last decoder layer's cross-attention, averaged over heads, is the alignment of the cached steps.
    const last = run.crossWeights[run.crossWeights.length - 1];
    expect(last.shape).toEqual([1, H, T, S]);
    let worst = 0;
    for (let t = 0; t < T; t++) {
      for (let j = 0; j < S; j++) {
        let m = 0;
        for (let h = 0; h < H; h++) m += last.data[(h * T + t) * S + j] / H;
        worst = Math.max(worst, Math.abs(m - hyp.alignment[t][j]));
      }
    }
    expect(worst).toBeLessThanOrEqual(1e-5);
    const enc = n.model.encode(ids, 1, S, [S], { needWeights: true }).encoderWeights ?? [];
    expect(run.encoderWeights.length).toBe(TINY_TRANSFORMER.numEncoderLayers);
    run.encoderWeights.forEach((w, l) => {
      expect(w.shape).toEqual([1, H, S, S]);
      expect(Array.from(w.data)).toEqual(Array.from(enc[l].data));
    });
  });

  it("gives three labelled stacks: encoder self (English × English), decoder self (causal), cross", () => {
    const run = translateTransformer(loaded, SENTENCE);
    const a = transformerAnalysis(run, "tiny");
    const S = run.srcTokens.length;
    const T = run.stepLabels.length;
    expect(a.translation).toBe(run.translation);
    expect(a.encoderSelf.kind).toBe("self");
    expect(a.encoderSelf.queryTokens).toEqual(run.srcTokens);
    expect(a.encoderSelf.keyTokens).toEqual(run.srcTokens);
    expect([layersOf(a.encoderSelf), headsOf(a.encoderSelf)]).toEqual([2, 2]);
    expect(a.encoderSelf.source.q).toContain("English");
    expect(a.encoderSelf.source.k).toContain("English");
    expect(a.encoderSelf.source.v).toContain("English");
    // Layers and heads differ (what the layer/head choice switches between).
    expect(mapOf(a.encoderSelf, 0, 0)).not.toEqual(mapOf(a.encoderSelf, 0, 1));
    expect(mapOf(a.encoderSelf, 0, 0)).not.toEqual(mapOf(a.encoderSelf, 1, 0));
    const ds = a.decoderSelf;
    const cross = a.cross;
    if (!ds || !cross) throw new Error("no decoder stacks");
    expect(ds.queryTokens[0]).toBe("<sos>");
    expect(ds.queryTokens.slice(1)).toEqual(run.stepLabels.slice(0, T - 1));
    for (let l = 0; l < layersOf(ds); l++) {
      for (let h = 0; h < headsOf(ds); h++) {
        mapOf(ds, l, h).forEach((row, i) => {
          expect(row.length).toBe(T);
          expect(row.reduce((p, x) => p + x, 0)).toBeCloseTo(1, 5);
          expect(row.slice(i + 1).every((x) => x === 0)).toBe(true);
        });
      }
    }
    expect(cross.kind).toBe("cross");
    expect(cross.queryTokens).toEqual(run.stepLabels);
    expect(cross.keyTokens).toEqual(run.srcTokens);
    expect(mapOf(cross, 1, 1).map((r) => r.length)).toEqual(new Array(T).fill(S));
  });

  it("the loader refuses a checkpoint of the other kind, naming both", async () => {
    const lstmDir = fileURLToPath(new URL("../../pretrained/en-hi", import.meta.url));
    await expect(transformerFromCheckpoint(readJson(lstmDir), bytesOf(lstmDir))).rejects.toThrow(
      /expected a "transformer" model, the checkpoint holds kind "seq2seq"/,
    );
    await expect(seq2seqFromCheckpoint(readJson(dir) as CheckpointJson, bytesOf(dir))).rejects.toThrow(
      /expected a "seq2seq" model, the checkpoint holds kind "transformer"/,
    );
  });
});

describe("model folders (web/vite.config.ts, scripts/web.ts)", () => {
  it("QKV_MODELS_DIR adds folders after pretrained/'s, as role transformer; a repeated name is refused", () => {
    const before = process.env.QKV_MODELS_DIR;
    try {
      process.env.QKV_MODELS_DIR = join(tmp, "models");
      const models = bundledModels();
      expect(models[0].name).toBe("en-hi");
      const tiny = models.find((m) => m.name === "tiny-transformer");
      expect(tiny?.role).toBe("transformer");
      expect(tiny?.files).toEqual(["best.json", float16FileName(readJson(dir).tensors)]); // served in float16
      expect(models.indexOf(tiny as never)).toBe(models.length - 1);
      expect(JSON.stringify(models)).not.toContain(tmp); // no local paths reach the page
      const dup = join(tmp, "dup");
      mkdirSync(join(dup, "en-hi"), { recursive: true });
      writeFileSync(join(dup, "en-hi", "best.json"), readFileSync(join(dir, "best.json")));
      process.env.QKV_MODELS_DIR = dup;
      expect(() => bundledModels()).toThrow(/a model named "en-hi" is already bundled/);
      process.env.QKV_MODELS_DIR = join(tmp, "nowhere");
      expect(() => bundledModels()).toThrow(/QKV_MODELS_DIR: no folder/);
      delete process.env.QKV_MODELS_DIR;
      expect(bundledModels().some((m) => m.name === "tiny-transformer")).toBe(false);
    } finally {
      if (before === undefined) delete process.env.QKV_MODELS_DIR;
      else process.env.QKV_MODELS_DIR = before;
    }
  });

  it("a site built with other extra model folders is stale", () => {
    const site = join(tmp, "site");
    mkdirSync(site, { recursive: true });
    writeFileSync(join(site, "index.html"), "<!doctype html>");
    writeFileSync(join(site, ".qkv-models-dir"), join(tmp, "models"));
    expect(isStale(site, join(tmp, "models"))).toBe(false);
    expect(isStale(site, "")).toBe(true);
    writeFileSync(join(site, ".qkv-models-dir"), "");
    expect(isStale(site, "")).toBe(false);
    expect(isStale(site, join(tmp, "models"))).toBe(true);
  });
});
