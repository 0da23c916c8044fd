/**
 * `qkv train --arch transformer --positions … --kv-heads … --window …`: the options reach the
 * checkpoint's config (and a trained checkpoint translates), bad values are refused naming the option.
 */
import { spawnSync } from "node:child_process";
import { mkdtempSync, readFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";

const root = new URL("../..", import.meta.url).pathname;
const tsx = join(root, "node_modules/.bin/tsx");
const qkv = (...args: string[]) =>
  spawnSync(tsx, [join(root, "src/cli/main.ts"), ...args], { cwd: root, encoding: "utf8", timeout: 120_000 });

const tiny = ["train", "--task", "copy", "--synthetic-size", "200", "--max-length", "4", "--epochs", "1"];
const arch = ["--arch", "transformer", "--d-model", "16", "--heads", "4", "--ff", "32", "--layers", "1"];

describe("qkv train: --positions, --kv-heads, --window", () => {
  it("a Transformer with ALiBi, multi-query attention and a window: the checkpoint's config carries them", () => {
    const out = join(mkdtempSync(join(tmpdir(), "qkv-cli-pos-")), "m");
    const opts = ["--positions", "alibi", "--kv-heads", "1", "--window", "3"];
    const r = qkv(...tiny, ...arch, ...opts, "--threads", "1", "--quiet", "--out", out);
    expect(r.status, r.stderr).toBe(0);
    const meta = JSON.parse(readFileSync(join(out, "last.json"), "utf8")).meta;
    expect(meta.config).toMatchObject({ positions: "alibi", kvHeads: 1, window: 3, nhead: 4 });
    const t = qkv("translate", "--model", out, "--json", "s1 s2 s3");
    expect(t.status, t.stderr).toBe(0);
    const [tr] = JSON.parse(t.stdout);
    expect(typeof tr.translation).toBe("string");
    expect(tr.alignment.length).toBeGreaterThan(0);
  });

  it("refuses a kind it does not know, a kv-heads that does not divide the heads, and seq2seq", () => {
    const bad = qkv(...tiny, ...arch, "--positions", "rotary");
    expect(bad.status).not.toBe(0);
    expect(bad.stderr).toMatch(/--positions.*rotary.*sinusoidal, learned, rope, alibi/s);
    const kv = qkv(...tiny, ...arch, "--kv-heads", "3", "--out", join(tmpdir(), "qkv-never-written"));
    expect(kv.status).not.toBe(0);
    expect(kv.stderr).toMatch(/kvHeads must be a positive divisor of nhead \(4\), got 3/);
    const w = qkv(...tiny, ...arch, "--window", "0");
    expect(w.status).not.toBe(0);
    expect(w.stderr).toMatch(/--window/);
    const s = qkv(...tiny, "--arch", "seq2seq", "--positions", "rope");
    expect(s.status).not.toBe(0);
    expect(s.stderr).toMatch(/--positions is for --arch transformer/);
  });
});
