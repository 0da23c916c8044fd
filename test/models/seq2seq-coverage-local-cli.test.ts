/**
 * `qkv train --attention coverage|local-m|local-p [--window D]` through the CLI's own commands (in
 * process): the window is validated, saved in the checkpoint's config only when given, the kind's
 * weights are checked on load, and the loaded model translates with the trained weights.
 */
import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { Command } from "commander";
import { afterAll, describe, expect, it, vi } from "vitest";
import { withTrainCommand } from "../../src/cli/train.js";
import { withTranslateCommand } from "../../src/cli/translate.js";
import { readSafetensors } from "../../src/io/safetensors-file.js";
import type { Seq2Seq } from "../../src/models/seq2seq/index.js";
import { noGrad } from "../../src/tensor/index.js";
import { loadModel } from "../../src/train/load-model.js";

const root = mkdtempSync(join(tmpdir(), "qkv-kinds-"));
afterAll(() => rmSync(root, { recursive: true, force: true }));

async function qkv(...args: string[]): Promise<string> {
  const program = new Command().exitOverride().configureOutput({ writeErr: () => {} });
  withTrainCommand(program.command("train").exitOverride());
  withTranslateCommand(program.command("translate"));
  const out: string[] = [];
  const log = vi.spyOn(console, "log").mockImplementation((...a: unknown[]) => {
    out.push(a.join(" "));
  });
  try {
    await program.parseAsync(["node", "qkv", ...args]);
  } finally {
    log.mockRestore();
  }
  return out.join("\n");
}

/** Runs a `qkv` command that must fail; returns what it wrote on stderr (`qkv train: …`). */
async function qkvFails(...args: string[]): Promise<string> {
  const err: string[] = [];
  const write = vi.spyOn(process.stderr, "write").mockImplementation((chunk: string | Uint8Array) => {
    err.push(String(chunk));
    return true;
  });
  const exit = vi.spyOn(process, "exit").mockImplementation((code) => {
    throw new Error(`exit ${code}`);
  });
  try {
    await expect(qkv(...args)).rejects.toThrow();
  } finally {
    write.mockRestore();
    exit.mockRestore();
  }
  return err.join("");
}

const small = (out: string) => [
  "train",
  "--task",
  "copy",
  "--synthetic-size",
  "20",
  "--embed",
  "8",
  "--hidden",
  "8",
  "--epochs",
  "1",
  "--batch-size",
  "32",
  "--valid-limit",
  "4",
  "--out",
  out,
  "--json",
  "--quiet",
];

describe("qkv train --attention coverage | local-m | local-p", () => {
  it("local-p --window 3: saved with the window and the kind's weights, loaded, translated", async () => {
    const dir = join(root, "local-p");
    const trained = JSON.parse(await qkv(...small(dir), "--attention", "local-p", "--window", "3"));
    expect(trained.attention).toBe("local-p");
    const meta = JSON.parse(readFileSync(join(dir, "best.json"), "utf8")).meta;
    expect(meta.config).toMatchObject({ attention: "local-p", attentionWindow: 3 });
    const weights = await readSafetensors(join(dir, "best.safetensors"));
    expect([...weights.tensors.attn_w_p.shape]).toEqual([16, 16]); // (A, Hd), A = Hd = 2·8
    expect([...weights.tensors.attn_v_p.shape]).toEqual([16]);
    const { model } = await loadModel(dir, "best");
    const m = model as Seq2Seq;
    expect(m.config.attentionWindow).toBe(3);
    expect(Array.from(m.param("attn_w_p").data)).toEqual(Array.from(weights.tensors.attn_w_p.data));
    const out = JSON.parse(await qkv("translate", "--model", dir, "--json", "--no-map", "s1 s2 s3"));
    const rows: number[][] = out[0].alignment;
    expect(rows.length).toBeGreaterThanOrEqual(out[0].tokens.length);
    for (const row of rows) {
      expect(row).toHaveLength(3);
      const sum = row.reduce((a, b) => a + b, 0);
      expect(sum).toBeGreaterThan(0);
      expect(sum).toBeLessThanOrEqual(1 + 1e-6); // the Gaussian factor scales local-p's weights
    }
  }, 60_000);

  it("coverage: no window in the config; the loaded model carries its coverage through decoding", async () => {
    const dir = join(root, "coverage");
    await qkv(...small(dir), "--attention", "coverage");
    const meta = JSON.parse(readFileSync(join(dir, "best.json"), "utf8")).meta;
    expect(meta.config.attention).toBe("coverage");
    expect("attentionWindow" in meta.config).toBe(false); // only given windows are written
    const { model } = await loadModel(dir, "best");
    const m = model as Seq2Seq;
    noGrad(() => {
      let state = m.encode([4, 5, 6], 1, 3, [3]);
      const r1 = m.step(state, [2]);
      state = r1.state;
      expect(Array.from(state.attnState!.data)).toEqual(Array.from(r1.weights!.data));
    });
  }, 60_000);

  it("refuses --window for a kind without a window, and a window below 1", async () => {
    expect(
      await qkvFails(...small(join(root, "bad1")), "--attention", "luong-general", "--window", "2"),
    ).toBe(
      "qkv train: --window is for --arch transformer (a sliding window) or a seq2seq --attention with a window (local-m, local-p), not luong-general\n",
    );
    await expect(
      qkv(...small(join(root, "bad3")), "--attention", "local-m", "--window", "0"),
    ).rejects.toThrow(/--window/);
  });
});
