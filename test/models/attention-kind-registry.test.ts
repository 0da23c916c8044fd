/**
 * Adding an LSTM attention score is one score function and one kinds-table entry: this file adds a
 * test-only kind — Luong's general score scaled by 1/√d, e = (W h)ᵀ s / √Hd — with a score written
 * here and `registerAttentionKind`, touching no other file, then trains one step, saves, loads and
 * translates through the CLI's own commands (withTrainCommand / withTranslateCommand, in process).
 * The checkpoint checks know the kind's weight from the model itself (models/registry.ts).
 */
import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { Command } from "commander";
import { afterAll, describe, expect, it, vi } from "vitest";
import type { Score } from "../../src/attention/scores.js";
import { withTrainCommand } from "../../src/cli/train.js";
import { withTranslateCommand } from "../../src/cli/translate.js";
import { readSafetensors } from "../../src/io/safetensors-file.js";
import { parameterShapes } from "../../src/models/registry.js";
import { ATTENTION_KINDS, registerAttentionKind, Seq2Seq } from "../../src/models/seq2seq/index.js";
import { linear, manualSeed, matmulT, mul, randn, type Tensor } from "../../src/tensor/index.js";
import { loadModel } from "../../src/train/load-model.js";

const KIND = "test-scaled-general";

/** The new score: e = qᵀk′ / √d over keys k′ = W h computed once per sentence. */
function scaledGeneral(): Score {
  return {
    name: "scaled-general",
    params: {},
    compute(query: Tensor, keys: Tensor) {
      return mul(matmulT(query, keys, false, true), 1 / Math.sqrt(query.shape[query.rank - 1]));
    },
  };
}

// The one entry.
registerAttentionKind(KIND, {
  params: (d) => ({ attn_w: { shape: [d.Hd, d.Dh], bound: 1 / Math.sqrt(d.Dh) } }),
  feedSize: (d) => (d.inputFeeding ? d.Hd : 0),
  contextSize: (d) => d.Dh,
  query: "current",
  keys: (memory, p) => linear(memory, p("attn_w")),
  score: () => scaledGeneral(),
});

const dir = mkdtempSync(join(tmpdir(), "qkv-kind-"));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

/** Runs `qkv <args>` through the CLI's command declarations in this process; returns what it printed. */
async function qkv(...args: string[]): Promise<string> {
  const program = new Command().exitOverride();
  withTrainCommand(program.command("train"));
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

describe("a new attention kind, added from outside", () => {
  it("is a kind like the others: listed, built, its weight's shape derived from the model", () => {
    expect(ATTENTION_KINDS).toContain(KIND);
    expect(() => registerAttentionKind(KIND, {} as never)).toThrow(/exists already/);
    expect(() => registerAttentionKind("Bad Name", {} as never)).toThrow(/lower-case/);
    const config = { srcVocabSize: 9, tgtVocabSize: 9, embedDim: 4, hiddenSize: 3, attention: KIND };
    expect(parameterShapes({ kind: "seq2seq", config }).attn_w).toEqual([6, 6]); // Hd = Dh = 2·3
    // The score is the one written above: a step's weights are softmax((W h)ᵀ s_t / √Hd).
    manualSeed(3);
    const m = new Seq2Seq({ ...config, dropout: 0 });
    m.eval();
    const src = [4, 5, 6, 7];
    const state = m.encode(src, 1, 4, [4]);
    const r = m.step(state, [2]);
    const memory = (state as unknown as { memory: Tensor }).memory;
    const keys = linear(memory, m.stateDict().attn_w).data; // (1, 4, 6)
    const q = (r as unknown as { query: Tensor }).query.data; // (1, 6)
    const e = [0, 1, 2, 3].map((j) => q.reduce((acc, qi, i) => acc + qi * keys[j * 6 + i], 0) / Math.sqrt(6));
    const z = e.reduce((acc, x) => acc + Math.exp(x - Math.max(...e)), 0);
    const want = e.map((x) => Math.exp(x - Math.max(...e)) / z);
    const got = Array.from(r.weights!.data);
    for (let j = 0; j < 4; j++) expect(got[j]).toBeCloseTo(want[j], 5);
    expect(randn([1]).shape).toEqual([1]); // the generator still draws after a model was built
  });

  it("trains one step, saves, loads and translates through the CLI's commands", async () => {
    const trained = JSON.parse(
      await qkv(
        "train",
        "--task",
        "copy",
        "--synthetic-size",
        "20",
        "--attention",
        KIND,
        "--embed",
        "8",
        "--hidden",
        "8",
        "--epochs",
        "1",
        "--batch-size",
        "32", // 20 pairs: one step, then validation, then best
        "--valid-limit",
        "4",
        "--out",
        dir,
        "--json",
        "--quiet",
      ),
    );
    expect(trained.attention).toBe(KIND);
    expect(trained.steps).toBe(1);
    const meta = JSON.parse(readFileSync(join(dir, "best.json"), "utf8")).meta;
    expect(meta.config.attention).toBe(KIND);
    const weights = await readSafetensors(join(dir, "best.safetensors"));
    expect([...weights.tensors.attn_w.shape]).toEqual([16, 16]);
    const { model } = await loadModel(dir, "best"); // the registry's checks accept the new weight
    expect(model.config).toMatchObject({ attention: KIND });
    const out = JSON.parse(await qkv("translate", "--model", dir, "--json", "--no-map", "s1 s2 s3"));
    const [result] = out;
    expect(result.sourceTokens).toEqual(["s1", "s2", "s3"]);
    expect(result.translation).toBe(result.tokens.join(" "));
    // One row of attention per output token (and <eos>), over the three source tokens, summing to 1.
    const rows: number[][] = result.alignment;
    expect(rows.length).toBeGreaterThanOrEqual(result.tokens.length);
    for (const row of rows) expect(row).toHaveLength(3);
    for (const row of rows) expect(row.reduce((a, b) => a + b, 0)).toBeCloseTo(1, 5);
  }, 60_000);
});
