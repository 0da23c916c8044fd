/** `qkv train --arch transformer` end to end: train, resume bit for bit, eval, translate, attend --json, export. */
import { spawnSync } from "node:child_process";
import { mkdtempSync, readFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { corpusBleu, corpusChrf, exactMatch } from "../../src/eval/index.js";
import { loadTask } from "../../src/train/index.js";

const root = new URL("../..", import.meta.url).pathname;
const tsx = join(root, "node_modules/.bin/tsx");
const qkv = (...args: string[]) =>
  spawnSync(tsx, [join(root, "src/cli/main.ts"), ...args], { cwd: root, encoding: "utf8", timeout: 120_000 });

describe("qkv CLI with a Transformer", () => {
  it("trains, resumes exactly, evaluates, translates and shows attention per layer and head", () => {
    const out = mkdtempSync(join(tmpdir(), "qkv-cli-tr-"));
    const args = [
      "train",
      "--task",
      "copy",
      "--synthetic-size",
      "600",
      "--max-length",
      "4",
      "--epochs",
      "3",
      "--arch",
      "transformer",
      "--d-model",
      "16",
      "--heads",
      "2",
      "--ff",
      "32",
      "--layers",
      "1",
      "--dropout",
      "0.2",
      "--schedule",
      "noam",
      "--warmup",
      "20",
      "--lr",
      "0.5",
      "--label-smoothing",
      "0.1",
      "--batch-size",
      "16",
      "--valid-limit",
      "10",
      "--threads",
      "1",
      "--json",
    ];
    const a = join(out, "a");
    const b = join(out, "b");
    const straight = qkv(...args, "--out", a);
    expect(straight.status, straight.stderr).toBe(0);
    const ra = JSON.parse(straight.stdout);
    expect(ra.arch).toBe("transformer");
    expect(ra.steps).toBe(3 * Math.ceil(600 / 16));
    const part = qkv(...args, "--out", b, "--max-steps", "5");
    expect(part.status, part.stderr).toBe(0);
    expect(JSON.parse(part.stdout).steps).toBe(5);
    const resumed = qkv(...args, "--out", b, "--resume");
    expect(resumed.status, resumed.stderr).toBe(0);
    expect(JSON.parse(resumed.stdout).steps).toBe(ra.steps);
    // Same weights, Adam moments and schedule: the same tensor file, the same scheduler state.
    const last = (d: string) => JSON.parse(readFileSync(join(d, "last.json"), "utf8"));
    expect(last(b).sha256).toBe(last(a).sha256);
    expect(last(b).meta.scheduler).toEqual(last(a).meta.scheduler);
    expect(last(a).meta.kind).toBe("transformer");
    const valid = (h: { valid: unknown }[]) => h.map((x) => x.valid);
    expect(valid(JSON.parse(resumed.stdout).history)).toEqual(valid(ra.history));

    const ev = qkv("eval", "--model", a, "--split", "test", "--limit", "12", "--json");
    expect(ev.status, ev.stderr).toBe(0);
    const e = JSON.parse(ev.stdout);
    expect(e.count).toBe(12);
    expect(e.attention).toBe("transformer 1×2 d16");
    // sacreBLEU's chrF2 and BLEU are those of the model's own translations of the same 12 test
    // pairs (`translate` on their raw source text) against the raw references, scored here.
    const pairs = loadTask("copy", last(a).meta.taskOptions).test.slice(0, 12);
    const all = qkv("translate", "--model", a, "--json", "--no-map", ...pairs.map((p) => p.text!.src));
    expect(all.status, all.stderr).toBe(0);
    const got = JSON.parse(all.stdout) as { translation: string; tokens: string[] }[];
    expect(got).toHaveLength(12);
    const hyps = got.map((x) => x.translation);
    const refs = [pairs.map((p) => p.text!.tgt)];
    expect(e.sacrebleu.chrf).toBe(corpusChrf(hyps, refs).score);
    expect(e.sacrebleu.bleu).toBe(corpusBleu(hyps, refs).score);
    expect(e.exactMatch).toBe(
      exactMatch(
        got.map((x) => x.tokens),
        pairs.map((p) => p.tgt),
      ),
    );
    // Enough training that the model writes some right symbols (chrF about 12), so a scorer that
    // always says 0 fails too.
    expect(hyps.some((h) => h.length > 0)).toBe(true);
    expect(e.sacrebleu.chrf).toBeGreaterThan(1);

    const tr = qkv("translate", "--model", a, "--json", "s1 s2 s3");
    expect(tr.status, tr.stderr).toBe(0);
    const [t] = JSON.parse(tr.stdout);
    expect(t.alignment.length).toBeGreaterThan(0);
    expect(t.alignment[0]).toHaveLength(3);

    const at = qkv("attend", "--model", a, "--json", "s1 s2 s3");
    expect(at.status, at.stderr).toBe(0);
    const j = JSON.parse(at.stdout);
    expect(j.layers).toHaveLength(1); // one decoder layer
    expect(j.layers[0]).toHaveLength(2); // two heads
    expect(j.layers[0][0]).toHaveLength(j.weights.length);
    // The alignment is the heads' mean of the last layer, and each head's row is a distribution.
    j.weights.forEach((row: number[], r: number) => {
      row.forEach((w, s) => {
        expect(w).toBeCloseTo((j.layers[0][0][r][s] + j.layers[0][1][r][s]) / 2, 5);
      });
      expect(j.layers[0][1][r].reduce((p: number, x: number) => p + x, 0)).toBeCloseTo(1, 5);
    });

    // ONNX: the encoder and the decoder over the prefix (run in onnxruntime in test/onnx).
    const ex = qkv("export", "--model", a, "--onnx", join(out, "m.onnx"));
    expect(ex.status, ex.stderr).toBe(0);
    const manifest = JSON.parse(readFileSync(join(out, "m.json"), "utf8"));
    expect(manifest.format).toBe("qkv-transformer-onnx");
    expect(manifest.decoder.file).toBe("m.decoder.onnx");
    expect(readFileSync(join(out, "m.decoder.onnx")).length).toBeGreaterThan(1000);
  }, 300_000);
});
