/**
 * `--json` on every command (README: "Every command takes `--json`"), with the two that print JSON
 * only since the split of src/cli/main.ts: `backends --json` and `export --json`; and the shared number
 * parsers of src/cli/options.ts.
 */
import { spawnSync } from "node:child_process";
import { existsSync, mkdtempSync, readFileSync, statSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { indexOrMean, int, num } from "../../src/cli/options.js";

const root = new URL("../..", import.meta.url).pathname;
const tsx = join(root, "node_modules/.bin/tsx");
const qkv = (args: string[], env: Record<string, string> = {}) =>
  spawnSync(tsx, [join(root, "src/cli/main.ts"), ...args], {
    cwd: root,
    encoding: "utf8",
    timeout: 120_000,
    env: { ...process.env, ...env },
  });

const COMMANDS = ["train", "translate", "eval", "attend", "align", "export", "average", "backends"];

describe("qkv --json", () => {
  it("every command declares --json", () => {
    for (const c of COMMANDS) {
      const r = qkv([c, "--help"]);
      expect(r.status, `${c}: ${r.stderr}`).toBe(0);
      expect(r.stdout, c).toMatch(/^ {2}--json\b/m);
    }
  }, 120_000);

  it("the --backend help names native", () => {
    const r = qkv(["translate", "--help"]);
    expect(r.stdout).toMatch(/--backend <name>[\s\S]*native[\s\S]*wasm[\s\S]*reference/);
  }, 60_000);

  it("backends --json: the backends, the active one and the native addon's status, as in the text", () => {
    const text = qkv(["backends"]);
    expect(text.status, text.stderr).toBe(0);
    const r = qkv(["backends", "--json"]);
    expect(r.status, r.stderr).toBe(0);
    const j = JSON.parse(r.stdout);
    expect(j.available).toEqual(expect.arrayContaining(["reference", "wasm", "native"]));
    expect(j.available).toContain(j.active);
    expect(text.stdout).toContain(`available: ${j.available.join(", ")}; active: ${j.active}`);
    expect(typeof j.native.available).toBe("boolean");
    if (j.native.available) {
      expect(j.active).toBe("native");
      expect(text.stdout).toContain(`native: ${j.native.isas.join(", ")}`);
    }
    const off = JSON.parse(qkv(["backends", "--json"], { QKV_NATIVE: "0" }).stdout);
    expect(off.active).toBe("wasm");
    expect(off.native.available).toBe(false);
    expect(off.native.reason).toMatch(/disabled by QKV_NATIVE=0/);
  }, 120_000);

  it("export --json: the format, every graph written with its size, and the manifest", () => {
    const out = mkdtempSync(join(tmpdir(), "qkv-export-json-"));
    const file = join(out, "en-hi.onnx");
    const r = qkv(["export", "--model", "pretrained/en-hi", "--onnx", file, "--json"]);
    expect(r.status, r.stderr).toBe(0);
    const j = JSON.parse(r.stdout);
    expect(j.format).toBe("qkv-seq2seq-onnx");
    expect(j.model).toBe("pretrained/en-hi");
    expect(j.checkpoint).toBe("best");
    expect(j.graphs.map((g: { file: string }) => g.file)).toEqual([file, join(out, "en-hi.step.onnx")]);
    for (const g of j.graphs) expect(statSync(g.file).size, g.file).toBe(g.bytes);
    expect(j.manifest).toBe(join(out, "en-hi.json"));
    const manifest = JSON.parse(readFileSync(j.manifest, "utf8"));
    expect(manifest.format).toBe(j.format);
    expect(existsSync(join(out, manifest.step.file))).toBe(true);
  }, 120_000);
});

describe("the shared number parsers (src/cli/options.ts)", () => {
  it("int: integers in range, with the flag's name in the message", () => {
    expect(int("--beam", 1, 100)("7")).toBe(7);
    expect(() => int("--beam", 1, 100)("0")).toThrow("--beam must be between 1 and 100, got 0");
    expect(() => int("--epochs", 1)("0")).toThrow("--epochs must be ≥ 1, got 0");
    for (const bad of ["", " ", "1.5", "-1", "x", "1e400"])
      expect(() => int("--seed")(bad), bad).toThrow(`--seed must be a non-negative integer, got "${bad}"`);
  });

  it("num: finite numbers in the rule's range; a blank string is not 0", () => {
    expect(num("--lr", ">0")("0.5")).toBe(0.5);
    expect(() => num("--lr", ">0")("0")).toThrow("--lr must be > 0, got 0");
    expect(() => num("--clip", ">=0")("-1")).toThrow("--clip must be ≥ 0, got -1");
    expect(num("--dropout", "[0,1)")("0")).toBe(0);
    expect(() => num("--dropout", "[0,1)")("1")).toThrow("--dropout must be in [0, 1), got 1");
    expect(() => num("--valid-fraction", "(0,1)")("0")).toThrow("--valid-fraction must be in (0, 1), got 0");
    expect(() => num("--lr", ">0")(" ")).toThrow('--lr must be a number, got " "');
    expect(() => num("--lr", ">0")("Infinity")).toThrow('--lr must be a number, got "Infinity"');
  });

  it('indexOrMean: an index, "mean", and "alignment" for --layer only', () => {
    expect(indexOrMean("--layer")("2")).toBe(2);
    expect(indexOrMean("--head")("mean")).toBe("mean");
    expect(indexOrMean("--layer")("alignment")).toBe("alignment");
    expect(() => indexOrMean("--head")("alignment")).toThrow(
      '--head must be a non-negative integer or "mean", got "alignment"',
    );
  });
});
