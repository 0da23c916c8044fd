/** The qkv command line end to end: train a toy model, translate, eval, attend; helpful errors. */
import { spawn, spawnSync } from "node:child_process";
import { existsSync, mkdtempSync, readFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { accuracyByLength, corpusBleu, exactMatch, tokenAccuracy } from "../../src/eval/index.js";
import { loadTask } from "../../src/train/index.js";

const root = new URL("../..", import.meta.url).pathname;
const tsx = join(root, "node_modules/.bin/tsx");
const qkv = (...args: string[]) =>
  spawnSync(tsx, [join(root, "src/cli/main.ts"), ...args], { cwd: root, encoding: "utf8", timeout: 120_000 });

describe("qkv CLI", () => {
  const out = mkdtempSync(join(tmpdir(), "qkv-cli-"));
  const model = join(out, "copy");

  it("train → translate → eval → attend on a toy copy task", () => {
    const t = qkv(
      "train",
      "--task",
      "copy",
      "--synthetic-size",
      "600",
      "--max-length",
      "4",
      "--epochs",
      "4",
      "--embed",
      "16",
      "--hidden",
      "32",
      "--lr",
      "0.05",
      "--valid-limit",
      "20",
      "--out",
      model,
      "--json",
    );
    expect(t.status, t.stderr).toBe(0);
    const r = JSON.parse(t.stdout);
    expect(r.steps).toBe(4 * Math.ceil(600 / 64));
    expect(existsSync(join(model, "best.safetensors"))).toBe(true);
    expect(existsSync(join(model, "last.json"))).toBe(true);

    const tr = qkv("translate", "--model", model, "--json", "s1 s2 s3");
    expect(tr.status, tr.stderr).toBe(0);
    const [res] = JSON.parse(tr.stdout);
    expect(res.source).toBe("s1 s2 s3");
    expect(res.alignment.length).toBeGreaterThan(0);
    expect(res.alignment[0]).toHaveLength(3);

    const ev = qkv(
      "eval",
      "--model",
      model,
      "--split",
      "test",
      "--limit",
      "30",
      "--json",
      "--plot",
      join(out, "p.svg"),
    );
    expect(ev.status, ev.stderr).toBe(0);
    const e = JSON.parse(ev.stdout);
    expect(e.count).toBe(30);
    // The scores are those of the model's own translations of the same 30 test pairs (`translate`,
    // scored here), and this model has learned to copy (about 0.9 exact match): a scorer that
    // always says 0, or miscounts, fails.
    const meta = JSON.parse(readFileSync(join(model, "last.json"), "utf8")).meta;
    const pairs = loadTask("copy", meta.taskOptions).test.slice(0, 30);
    const all = qkv(
      "translate",
      "--model",
      model,
      "--json",
      "--no-map",
      ...pairs.map((p) => p.src.join(" ")),
    );
    expect(all.status, all.stderr).toBe(0);
    const hyps = (JSON.parse(all.stdout) as { tokens: string[] }[]).map((x) => x.tokens);
    const refs = pairs.map((p) => p.tgt);
    expect(hyps).toHaveLength(30);
    expect(e.exactMatch).toBe(exactMatch(hyps, refs));
    expect(e.exactMatch * 30).toBe(hyps.filter((h, i) => h.join(" ") === refs[i].join(" ")).length);
    expect(e.tokenAccuracy).toBe(tokenAccuracy(hyps, refs));
    expect(e.byLength).toEqual(accuracyByLength(hyps, refs));
    const bleu = corpusBleu(
      hyps.map((h) => h.join(" ")),
      [refs.map((x) => x.join(" "))],
      { tokenize: "none" },
    ).score;
    expect(e.bleu).toBeCloseTo(bleu, 10);
    expect(e.exactMatch).toBeGreaterThan(0.5);
    expect(existsSync(join(out, "p.svg"))).toBe(true);

    const at = qkv(
      "attend",
      "--model",
      model,
      "--color",
      "none",
      "--png",
      join(out, "a.png"),
      "--html",
      join(out, "a.html"),
      "s1 s2",
    );
    expect(at.status, at.stderr).toBe(0);
    expect(at.stdout).toContain("s1");
    expect(existsSync(join(out, "a.png"))).toBe(true);
    expect(readFileSync(join(out, "a.html"), "utf8")).toMatch(/<svg[\s\S]*s1[\s\S]*<\/html>/);
  }, 180_000);

  it("explains unknown options, bad values and missing files", () => {
    const unknown = qkv("train", "--task", "copy", "--epoch", "3");
    expect(unknown.status).not.toBe(0);
    expect(unknown.stderr).toMatch(/unknown option '--epoch'/);
    const badTask = qkv("train", "--task", "nope");
    expect(badTask.stderr).toMatch(/Allowed choices are/);
    const badNum = qkv("train", "--task", "copy", "--epochs", "many");
    expect(badNum.stderr).toMatch(/--epochs must be a non-negative integer, got "many"/);
    const missing = qkv("translate", "--model", join(out, "absent"), "hello");
    expect(missing.status).toBe(1);
    expect(missing.stderr).toMatch(/qkv translate: no model at .*absent/);
  }, 60_000);

  it("Ctrl-C saves the last checkpoint and exits cleanly; --resume picks it up", async () => {
    const dir = join(out, "sigint");
    const args = [
      "--import",
      "tsx",
      join(root, "src/cli/main.ts"),
      "train",
      "--task",
      "copy",
      "--synthetic-size",
      "20000",
    ];
    args.push(
      "--max-length",
      "10",
      "--epochs",
      "2",
      "--embed",
      "8",
      "--hidden",
      "8",
      "--valid-limit",
      "20",
      "--out",
      dir,
    );
    const child = spawn(process.execPath, args, { cwd: root });
    let stdout = "";
    let stderr = "";
    child.stdout.on("data", (d) => {
      stdout += d;
    });
    child.stderr.on("data", (d) => {
      stderr += d;
      if (/epoch 1\/2 \d+\//.test(stderr)) child.kill("SIGINT");
    });
    const code = await new Promise<number | null>((resolve) => child.on("close", resolve));
    expect(code, stderr).toBe(0);
    expect(stdout).toMatch(/interrupted — last checkpoint saved: \d+ steps/);
    expect(existsSync(join(dir, "last.json"))).toBe(true);
    const resumed = qkv("train", ...args.slice(4), "--resume", "--max-steps", "700", "--json");
    expect(resumed.status, resumed.stderr).toBe(0);
    expect(JSON.parse(resumed.stdout).steps).toBeGreaterThan(0);
  }, 120_000);

  it("npm start's bundled English→Hindi model loads, translates and aligns", () => {
    // The model `npm start` translates with, as package.json names it.
    const start: string = JSON.parse(readFileSync(join(root, "package.json"), "utf8")).scripts.start;
    const bundled = /--model (\S+)/.exec(start)?.[1] ?? "(none)";
    const r = qkv("translate", "--model", join(root, bundled), "--json", "He is my friend.");
    expect(r.status, r.stderr).toBe(0);
    const [res] = JSON.parse(r.stdout);
    expect(res.sourceTokens.join("").replace(/[^a-z]/gi, "")).toBe("heismyfriend");
    expect(res.tokens.length).toBeGreaterThan(0);
    expect(res.translation).toMatch(/[\u0900-\u097F]/); // Devanagari output
    for (const row of res.alignment) expect(row.reduce((p: number, x: number) => p + x, 0)).toBeCloseTo(1, 5);
    // The LSTM + attention model stays available (the explorer and the ONNX export test load it).
    const lstm = qkv("translate", "--model", join(root, "pretrained/en-hi"), "--json", "He is my friend.");
    expect(lstm.status, lstm.stderr).toBe(0);
    const lstmOut = JSON.parse(lstm.stdout)[0];
    expect(lstmOut.sourceTokens.join("").replace(/▁/g, "")).toBe("heismyfriend.");
    expect(lstmOut.translation).toMatch(/[\u0900-\u097F]/);
  }, 60_000);
});
