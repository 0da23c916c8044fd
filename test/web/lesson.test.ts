/**
 * The explorer's numbers, in Node: the page's checkpoint loader builds the same model as `loadModel`,
 * its translation loop gives `decodeAll`'s tokens and alignment (what `qkv attend` prints), the three
 * steps reproduce the model's own weights, Luong = scaled dot with scale 1, and per-layer/per-head
 * tensors become stacks.
 */
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { decodeAll } from "../../src/decode/index.js";
import { MultiheadAttention } from "../../src/nn/index.js";
import { loadModel, TASK_NAMES, taskSpec, tokenizersOf, vocabsOf } from "../../src/node.js";
import { manualSeed, randn } from "../../src/tensor/index.js";
import {
  type CheckpointJson,
  seq2seqFromCheckpoint,
  tokenizersOfMeta,
  wordRuleOf,
} from "../../web/src/checkpoint.js";
import { luongDot, luongEqualsScaledDot, threeSteps, translateWithAttention } from "../../web/src/lesson.js";
import { lstmCrossStack, lstmStatesSelfAttention, mapOf, stackFromTensors } from "../../web/src/stacks.js";
import { translateTransformer } from "../../web/src/transformer.js";
import { loadBundledPageModels } from "../helpers/bundled-page-models.js";
import { expectPinned } from "../helpers/fingerprint.js";

const dir = join(new URL("../..", import.meta.url).pathname, "pretrained/en-hi");
const json = JSON.parse(readFileSync(join(dir, "best.json"), "utf8")) as CheckpointJson;
const bytes = new Uint8Array(readFileSync(join(dir, "best.safetensors")));
const SENTENCES = ["Turn off the lights.", "I am happy.", "Where is the station?", "He is my friend."];

describe("the explorer's numbers", () => {
  it("tokenizes like the CLI: each task's word rule, and the bundled checkpoints' tokenizers", () => {
    for (const task of TASK_NAMES) {
      const want = taskSpec(task).tokenizer;
      expect(wordRuleOf(task), task).toEqual({ split: want.name, lowercase: want.lowercase });
    }
    for (const name of ["en-hi", "en-hi-none"]) {
      const meta = JSON.parse(readFileSync(join(dir, "..", name, "best.json"), "utf8")).meta;
      const page = tokenizersOfMeta(meta);
      const cli = tokenizersOf(meta);
      for (const s of ["Turn off the lights, please!", "Don't stop.", "  Where IS the station?"]) {
        expect(page.src.tokenize(s)).toEqual(cli.srcTokenizer.tokenize(s));
        const toks = cli.tgtTokenizer.tokenize("मैं खुश हूँ।");
        expect(page.tgt.detokenize(toks)).toBe(cli.tgtTokenizer.detokenize(toks));
      }
    }
  });

  it("loads the bundled checkpoint from bytes as loadModel does, and rejects a wrong hash", async () => {
    const page = await seq2seqFromCheckpoint(json, bytes);
    const { model } = await loadModel(dir, "best");
    const a = page.model.stateDict();
    const b = model.stateDict();
    expect(Object.keys(a)).toEqual(Object.keys(b));
    for (const k of Object.keys(a)) expect([...a[k].data], k).toEqual([...b[k].data]);
    const bad = bytes.slice();
    bad[bytes.length - 1] ^= 1;
    await expect(seq2seqFromCheckpoint(json, bad)).rejects.toThrow(/does not belong/);
  });

  it("translates with decodeAll's tokens and alignment, and the model's scores give its weights", async () => {
    const page = await seq2seqFromCheckpoint(json, bytes);
    const { model, meta } = await loadModel(dir, "best");
    const { srcVocab } = vocabsOf(meta);
    for (const s of SENTENCES) {
      const run = translateWithAttention(page, s);
      const [h] = decodeAll(model, [srcVocab.encode(run.srcTokens)], {
        maxTargetLength: meta.maxTargetLength,
      });
      expect(run.outTokens).toEqual(page.tgtVocab.decode(h.tokens));
      expect(run.weights.length).toBe(h.alignment.length);
      run.weights.forEach((row, t) => {
        row.forEach((w, j) => {
          expect(Math.abs(w - h.alignment[t][j])).toBeLessThanOrEqual(1e-6);
        });
      });
      expect(run.translation.length).toBeGreaterThan(0);
      expect(run.memory.length).toBe(run.srcTokens.length);
      expect(run.memory[0].length).toBe(2 * (meta.config as { hiddenSize: number }).hiddenSize);
      // softmax of the model's own scores e_tj is its weights a_tj.
      run.scores.forEach((e, t) => {
        const m = Math.max(...e);
        const z = e.reduce((p, x) => p + Math.exp(x - m), 0);
        e.forEach((x, j) => {
          expect(Math.abs(Math.exp(x - m) / z - run.weights[t][j])).toBeLessThan(1e-6);
        });
      });
    }
    expect(() => translateWithAttention(page, "  ")).toThrow(/no words/);
  });

  it("three steps: the weighted sum of h with the weights is the context the decoder read", async () => {
    const page = await seq2seqFromCheckpoint(json, bytes);
    const run = translateWithAttention(page, SENTENCES[0]);
    const t = 1;
    const steps = threeSteps(run.queries[t], run.memory, run.memory, luongDot());
    expect(steps.scores.length).toBe(run.srcTokens.length);
    expect(steps.weights.reduce((p, x) => p + x, 0)).toBeCloseTo(1, 6);
    // Luong's dot product, by hand.
    run.memory.forEach((h, j) => {
      const e = h.reduce((p, x, k) => p + x * run.queries[t][k], 0);
      expect(steps.scores[j]).toBeCloseTo(e, 4);
    });
    // The decoder's own context c_t = Σ_j a_tj h_j.
    const c = run.memory[0].map((_, k) => run.memory.reduce((p, h, j) => p + run.weights[t][j] * h[k], 0));
    c.forEach((x, k) => {
      expect(Math.abs(x - run.contexts[t][k])).toBeLessThan(1e-5);
    });
  });

  it("Luong dot attention = scaled dot with Q = s, K = V = h, scale 1 (≤ 1e-6) on the model's states", async () => {
    const page = await seq2seqFromCheckpoint(json, bytes);
    const run = translateWithAttention(page, SENTENCES[0]);
    const eq = luongEqualsScaledDot(run.queries, run.memory);
    expect(eq.max).toBeLessThanOrEqual(1e-6);
    expect(() => luongEqualsScaledDot([[1, 2]], run.memory)).toThrow(/one size/);
  });

  it("stacks: the LSTM-states stand-in, the cross map, and per-layer/per-head tensors", async () => {
    const page = await seq2seqFromCheckpoint(json, bytes);
    const run = translateWithAttention(page, SENTENCES[1]);
    const self = lstmStatesSelfAttention(run);
    const S = run.srcTokens.length;
    expect(mapOf(self, 0, 0).length).toBe(S);
    for (const row of mapOf(self, 0, 0)) expect(row.reduce((p, x) => p + x, 0)).toBeCloseTo(1, 5);
    expect(self.queryTokens).toEqual(self.keyTokens);
    const cross = lstmCrossStack(run);
    expect(mapOf(cross, 0, 0)).toBe(run.weights);
    expect(() => mapOf(cross, 1, 0)).toThrow(/1 layers × 1 heads/);

    manualSeed(3);
    const mha = new MultiheadAttention({ embedDim: 8, numHeads: 2, batchFirst: true });
    const x = randn([1, 4, 8]);
    const layers = [0, 1].map(() => mha.forward(x, x, x, { averageWeights: false }).weights!);
    const tokens = ["a", "b", "c", "d"];
    const info = { title: "t", kind: "self" as const, source: { q: "x", k: "x", v: "x" } };
    const st = stackFromTensors({ ...info, queryTokens: tokens, keyTokens: tokens }, layers);
    expect(st.weights.length).toBe(2);
    expect(st.weights[0].length).toBe(2);
    expect(st.weights[1][1][3][2]).toBe(layers[1].data[(1 * 4 + 3) * 4 + 2]);
    expect(() => stackFromTensors({ ...info, queryTokens: ["a"], keyTokens: tokens }, layers)).toThrow(
      /expected \[1, H, 1, 4\]/,
    );
  });
});

/**
 * What the page showed before it used `greedyDecode` (commit 53771cb, reference backend): each step's
 * label, and weighted sums of the weights, scores, queries, contexts and encoder states (LSTM) and of
 * every layer's maps (Transformer).
 */
const PINNED = [
  {
    sentence: "Turn off the lights.",
    lstm: ["▁ब", "त्", "ती", "▁बंद", "▁कर", "दो", "।", "<eos>"],
    lstmSums: [
      43.41330181108788, 1873.7576135993004, 6.078436948863356, -68.65409031198942, -186.1236251500377,
    ],
    transformer: ["▁ब", "त्", "ती", "▁बंद", "▁कर", "तीं", "▁हैं", "।", "<eos>"],
    transformerSums: [325.2892507544061, 494.9948388892958, 504.2202242151252],
  },
  {
    sentence: "I am happy.",
    lstm: ["▁मैं", "▁खुश", "▁हूँ", "।", "<eos>"],
    lstmSums: [
      26.336203982587904, 658.185863494873, 26.98095785940282, -120.67508904141141, -92.9445911628427,
    ],
    transformer: ["▁मैं", "▁खुश", "▁हूँ", "।", "<eos>"],
    transformerSums: [220.62540867830467, 299.7482583481669, 264.9347511186206],
  },
  {
    sentence: "Where is the station?",
    lstm: ["▁स्टेशन", "▁स्टेशन", "▁कहाँ", "▁है", "?", "<eos>"],
    lstmSums: [
      33.26226120497449, 1027.884670138359, -164.4130684683778, 167.54733536318236, -8.64035228814464,
    ],
    transformer: ["▁स्टेशन", "▁कहाँ", "▁है", "?", "<eos>"],
    transformerSums: [244.04451627162416, 298.2349052282807, 262.9516672381724],
  },
  {
    sentence: "He is my friend.",
    lstm: ["▁वह", "▁मेरी", "▁दोस्त", "▁है", "।", "<eos>"],
    lstmSums: [
      30.64369335018273, 904.6378775499761, -74.1776660891455, -11.496228493982926, 69.23766306680045,
    ],
    transformer: ["▁वह", "▁मेरी", "▁दोस्त", "▁है", "।", "<eos>"],
    transformerSums: [263.8693280043308, 328.71490595937576, 340.9479382677564],
  },
];
const weighted = (xs: number[][]) => {
  let a = 0;
  xs.forEach((r, i) => {
    r.forEach((x, j) => {
      a += x * (((i * 31 + j) % 11) + 1);
    });
  });
  return a;
};
const weightedTensors = (ts: { data: Float32Array }[]) => {
  let a = 0;
  for (const t of ts) t.data.forEach((x, i) => void (a += x * ((i % 13) + 1)));
  return a;
};

describe("the page's translations, pinned", () => {
  it("the bundled LSTM and Transformer give the steps and numbers they gave before", async () => {
    const { lstm, tr } = await loadBundledPageModels();
    for (const p of PINNED) {
      const r = translateWithAttention(lstm, p.sentence);
      expect(r.stepLabels).toEqual(p.lstm);
      const sums = [r.weights, r.scores, r.queries, r.contexts, r.memory].map(weighted);
      expectPinned(sums, p.lstmSums, `${p.sentence} (LSTM)`);
      const t = translateTransformer(tr, p.sentence);
      expect(t.stepLabels).toEqual(p.transformer);
      expect(t.decoderTokens).toEqual(["<sos>", ...p.transformer.slice(0, -1)]);
      const maps = [t.encoderWeights, t.decoderSelfWeights, t.crossWeights].map(weightedTensors);
      expectPinned(maps, p.transformerSums, `${p.sentence} (Transformer)`);
    }
  });
});
