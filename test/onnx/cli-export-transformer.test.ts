/**
 * `qkv export --model DIR --onnx FILE` on Transformer checkpoints trained here (a toy copy task: word
 * tokens with sinusoidal positions and post-norm; BPE pieces with learned positions, pre-norm and
 * GELU): the encoder, the decoder, the step graph and the manifest it writes, run by onnxruntime in
 * the greedy loops a server would write (tokenizing with the manifest's tokenizer; the decoder over
 * the prefix, or the step fed its own KV cache) give `greedyDecode`'s translations,
 * every step's logits within 1e-4 of ours, at a batch size and lengths other than the traced ones.
 * Folders that hold no checkpoint are refused with a clear message.
 */
import { spawnSync } from "node:child_process";
import { mkdtempSync, readFileSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { tokenizerFromJSON } from "../../src/data/index.js";
import { greedyDecode, type Tensor, TransformerModel, tensor } from "../../src/index.js";
import { loadModel, type TrainOptions, tokenizersOf, train } from "../../src/node.js";
import { maxDiff, reportWorst, session } from "./ort.js";
import { ortGreedy, ortGreedyCached, oursGreedy } from "./transformer-search.js";

const root = new URL("../..", import.meta.url).pathname;
const tsx = join(root, "node_modules/.bin/tsx");
const qkv = (...args: string[]) =>
  spawnSync(tsx, [join(root, "src/cli/main.ts"), ...args], { cwd: root, encoding: "utf8", timeout: 120_000 });

const TOL = 1e-4;
const copy = { syntheticSize: 400, minLength: 2, maxLength: 6, symbols: 8 };
const base: TrainOptions = {
  task: "copy",
  taskOptions: copy,
  arch: "transformer",
  transformer: {
    dModel: 16,
    nhead: 2,
    numEncoderLayers: 1,
    numDecoderLayers: 2,
    dimFeedforward: 32,
    dropout: 0,
  },
  schedule: "noam",
  warmup: 20,
  lr: 0.2,
  batchSize: 16,
  epochs: 4,
  seed: 7,
  validLimit: 20,
  quiet: true,
};
const checkpoints: [string, TrainOptions][] = [
  ["word tokens, sinusoidal positions, post-norm", base],
  [
    "BPE, learned positions, pre-norm, gelu",
    {
      ...base,
      taskOptions: { ...copy, tokenizer: "bpe", vocabSize: 300 },
      transformer: {
        ...base.transformer,
        positions: "learned",
        maxLength: 32,
        normFirst: true,
        activation: "gelu",
      },
    },
  ],
];
const dirs: string[] = [];

beforeAll(async () => {
  for (const [, opts] of checkpoints) {
    const out = mkdtempSync(join(tmpdir(), "qkv-tr-onnx-"));
    await train({ ...opts, outDir: out });
    dirs.push(out);
  }
}, 240_000);

afterAll(() => reportWorst("qkv export, Transformer checkpoints"));

describe("qkv export (Transformer)", () => {
  checkpoints.forEach(([name], k) => {
    it(`${name}: the graphs and manifest reproduce greedyDecode's translations`, async () => {
      const out = mkdtempSync(join(tmpdir(), "qkv-tr-export-"));
      const file = join(out, "copy.onnx");
      const r = qkv("export", "--model", dirs[k], "--onnx", file);
      expect(r.status, r.stderr).toBe(0);
      expect(r.stdout).toMatch(
        /copy\.onnx \(\d+ bytes\), .*copy\.decoder\.onnx \(\d+ bytes\), .*copy\.step\.onnx \(\d+ bytes\), .*copy\.json/,
      );
      const manifest = JSON.parse(readFileSync(join(out, "copy.json"), "utf8"));
      const { model, meta } = await loadModel(dirs[k]);
      expect(model).toBeInstanceOf(TransformerModel);
      const m = model as TransformerModel;
      const kv = (what: string) => [0, 1].flatMap((l) => [`${what}_key_${l}`, `${what}_value_${l}`]);
      expect(manifest).toMatchObject({
        format: "qkv-transformer-onnx",
        opset: 17,
        decoder: {
          file: "copy.decoder.onnx",
          inputs: ["tgt", "memory", "srcLengths"],
          outputs: ["logits", "weights"],
        },
        step: {
          file: "copy.step.onnx",
          inputs: ["prev", "srcLengths", ...kv("memory"), ...kv("past")],
          outputs: ["logits", "weights", ...kv("present")],
        },
        encoder: { file: "copy.onnx", inputs: ["src", "srcLengths"], outputs: ["memory", ...kv("memory")] },
        ids: { pad: 0, unk: 1, sos: 2, eos: 3 },
        maxTargetLength: meta.maxTargetLength,
        task: "copy",
        srcVocab: meta.srcVocab,
        tgtVocab: meta.tgtVocab,
        maxPositions: m.config.positions === "learned" ? 32 : null,
        config: m.config,
      });
      const { srcTokenizer: ckSrc, tgtTokenizer: ckTgt } = tokenizersOf(meta);
      expect(manifest.srcTokenizer).toEqual(ckSrc.toJSON());
      expect(manifest.tgtTokenizer.format).toBe(k === 0 ? "qkv-word-tokenizer" : "qkv-bpe");

      // A server's side: the tokenizer from the manifest, the graphs in onnxruntime.
      const srcTok = tokenizerFromJSON(manifest.srcTokenizer);
      const tgtTok = tokenizerFromJSON(manifest.tgtTokenizer);
      const sentences = ["s3 s1 s4 s1 s5", "s2 s7", "s6 s0 s2 s2", "s5 s3 s1 s7 s7 s2", "s4 s4 s0"]; // B = 5 (traced at 2)
      const ids = sentences.map((s) => srcTok.encode(s));
      const B = ids.length;
      const S = Math.max(...ids.map((x) => x.length));
      const src = tensor(
        ids.flatMap((x) => [...x, ...new Array(S - x.length).fill(manifest.ids.pad)]),
        [B, S],
      );
      const lengths = tensor(
        ids.map((x) => x.length),
        [B],
      );
      const read = (f: string) => new Uint8Array(readFileSync(join(out, f)));
      const [encBytes, decBytes, stepBytes] = [manifest.encoder, manifest.decoder, manifest.step].map((g) =>
        read(g.file),
      );
      const [enc, dec, stp] = await Promise.all([encBytes, decBytes, stepBytes].map(session));
      const maxLength = manifest.maxTargetLength + 2;
      const idsSE = { sos: manifest.ids.sos, eos: manifest.ids.eos };
      const ortRun = await ortGreedy(
        { encoder: [enc, encBytes], decoder: [dec, decBytes] },
        src,
        lengths,
        maxLength,
        idsSE,
      );
      const cachedRun = await ortGreedyCached(
        { encoder: [enc, encBytes], step: [stp, stepBytes] },
        manifest.step.inputs,
        src,
        lengths,
        maxLength,
        idsSE,
      );
      expect(cachedRun.tokens).toEqual(ortRun.tokens);
      const hyps = greedyDecode(m, Array.from(src.data), B, S, Array.from(lengths.data), { maxLength });
      expect(ortRun.tokens).toEqual(hyps.map((h) => h.tokens));
      hyps.forEach((h, b) => {
        expect(Math.abs(ortRun.logProb[b] - h.logProb)).toBeLessThan(TOL);
      });
      const oursRun = await oursGreedy(m, src, lengths, maxLength, idsSE);
      expect(ortRun.logits.length).toBe(oursRun.logits.length);
      ortRun.logits.forEach((l, t) => {
        const ours: Tensor = tensor(oursRun.logits[t].data, [...oursRun.logits[t].dims]);
        expect(maxDiff(ours, l, `${name}: logits at step ${t}`)).toBeLessThan(TOL);
        expect(maxDiff(ours, cachedRun.logits[t], `${name}: cached step ${t} logits`)).toBeLessThan(TOL);
      });
      // The model learned something of the task: translations are not all alike, and some copy.
      const texts = ortRun.tokens.map((t) => tgtTok.decode(t));
      console.log(`${name}: ${sentences.map((x, b) => `${x} → ${texts[b]}`).join("; ")}`);
      expect(new Set(texts).size).toBeGreaterThan(2);
      expect(texts.filter((t, b) => t === sentences[b]).length).toBeGreaterThan(0);
      expect(ckTgt.decode(hyps[0].tokens)).toBe(texts[0]);
    }, 120_000);
  });

  it("refuses a missing folder, a folder without a checkpoint and a file that is not one", () => {
    const missing = qkv("export", "--model", join(tmpdir(), "qkv-no-such-model"), "--onnx", "/tmp/x.onnx");
    expect(missing.status).toBe(1);
    expect(missing.stderr).toMatch(
      /qkv export: no model at .*qkv-no-such-model \(expected a folder with best\.json/,
    );
    const empty = mkdtempSync(join(tmpdir(), "qkv-empty-"));
    const none = qkv("export", "--model", empty, "--onnx", join(empty, "x.onnx"));
    expect(none.status).toBe(1);
    expect(none.stderr).toMatch(
      /qkv export: .*qkv-empty-\w+ is not a checkpoint folder: it has no best\.json/,
    );
    const plain = join(empty, "notes.txt");
    writeFileSync(plain, "hello");
    const file = qkv("export", "--model", plain, "--onnx", join(empty, "x.onnx"));
    expect(file.status).toBe(1);
    expect(file.stderr).toMatch(/notes\.txt is a file, not a checkpoint folder/);
    writeFileSync(join(empty, "best.json"), "{}");
    const junk = qkv("export", "--model", empty, "--onnx", join(empty, "x.onnx"));
    expect(junk.status).toBe(1);
    expect(junk.stderr).toMatch(/best\.json is not a qkv checkpoint/);
  }, 60_000);
});
