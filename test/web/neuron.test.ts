/**
 * The explorer's neuron view numbers (web/src/neuron.ts) in Node: one head's q, k and v, sliced from the
 * layer's in_proj_weight, give back the model's own maps (translateTransformer's encoder self-, decoder
 * self- and cross-attention) for every layer and head, ≤ 1e-6; the products add up to the score; and the
 * worked example (d_k = 4, three words) equals a computation by hand, written out here. On the bundled
 * Transformer (pre-norm, latent alignment) and on the small random post-norm one of the browser tests.
 * View 3c's repeated word: without the positional encoding the two rows of "the" are equal (≤ 1e-6) for
 * every layer and head; with it they differ; with it they are the model's own map rows.
 */
import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { type LoadedTransformer, transformerFromCheckpoint } from "../../web/src/checkpoint.js";
import {
  headVectors,
  layersFor,
  NEURON_KINDS,
  neuronSteps,
  REPEATED_SENTENCE,
  repeatedWord,
  workedExample,
} from "../../web/src/neuron.js";
import { translateTransformer } from "../../web/src/transformer.js";
import { loadBundledPageModels } from "../helpers/bundled-page-models.js";
import { saveTinyTransformer } from "../helpers/tiny-transformer.js";

const tmp = mkdtempSync(join(tmpdir(), "qkv-web-neuron-"));
afterAll(() => rmSync(tmp, { recursive: true, force: true }));

async function tiny(): Promise<LoadedTransformer> {
  const dir = join(tmp, "tiny");
  await saveTinyTransformer(dir);
  const json = JSON.parse(readFileSync(join(dir, "best.json"), "utf8"));
  return transformerFromCheckpoint(json, new Uint8Array(readFileSync(join(dir, json.tensors))));
}

/** Every layer, head and query: the neuron view's weights against the model's map rows. */
function checkAll(m: LoadedTransformer, sentence: string): void {
  const run = translateTransformer(m, sentence);
  const maps = {
    "encoder-self": run.encoderWeights,
    "decoder-self": run.decoderSelfWeights,
    cross: run.crossWeights,
  };
  for (const { kind } of NEURON_KINDS) {
    const perLayer = maps[kind];
    expect(perLayer.length).toBe(layersFor(m, kind));
    for (let l = 0; l < perLayer.length; l++) {
      const [, H, T, S] = perLayer[l].shape;
      for (let h = 0; h < H; h++) {
        const hv = headVectors(m, run.inputs, kind, l, h);
        expect(hv.q.length).toBe(T);
        expect(hv.k.length).toBe(S);
        for (let i = 0; i < T; i++) {
          const r = neuronSteps(hv, i);
          const row = Array.from(perLayer[l].data.subarray((h * T + i) * S, (h * T + i + 1) * S));
          const full = row.map(() => 0);
          r.keys.forEach((j, n) => {
            full[j] = r.weights[n];
          });
          for (let j = 0; j < S; j++) expect(Math.abs(full[j] - row[j])).toBeLessThanOrEqual(1e-6);
          r.sums.forEach((s, n) => {
            expect(Math.abs(s / r.sqrtDk - r.scores[n])).toBeLessThanOrEqual(1e-5 * (1 + Math.abs(s)));
          });
        }
      }
    }
  }
}

describe("the neuron view's numbers", () => {
  it("reproduce the bundled Transformer's maps, every layer, head and query (≤ 1e-6)", async () => {
    const { tr } = await loadBundledPageModels();
    checkAll(tr, "Turn off the lights.");
  });

  it("reproduce a post-norm Transformer's maps too (the random test model)", async () => {
    checkAll(await tiny(), "Where is the station?");
  });

  it("view 3c: a repeated word's two rows are equal without positions, differ with them (every layer, head)", async () => {
    const { tr } = await loadBundledPageModels();
    for (const m of [tr, await tiny()]) {
      const run = translateTransformer(m, REPEATED_SENTENCE);
      const L = m.model.config.numEncoderLayers;
      const H = m.model.config.nhead;
      for (let l = 0; l < L; l++) {
        for (let h = 0; h < H; h++) {
          const r = repeatedWord(m, l, h);
          expect(r.tokens[r.first]).toBe(r.tokens[r.second]);
          expect(r.first).toBeLessThan(r.second);
          expect(r.diffWithout).toBeLessThanOrEqual(1e-6);
          expect(r.diffWith).toBeGreaterThan(1e-3);
          // With positions, the rows are the model's own (translateTransformer's encoder map).
          const [, , S] = run.encoderWeights[l].shape;
          const row = (i: number) =>
            Array.from(run.encoderWeights[l].data.subarray((h * S + i) * S, (h * S + i + 1) * S));
          [r.first, r.second].forEach((i, n) => {
            r.with[n].forEach((w, j) => {
              expect(Math.abs(w - row(i)[j])).toBeLessThanOrEqual(1e-6);
            });
          });
        }
      }
    }
    expect(() => repeatedWord(tr, 0, 0, "the cat")).toThrow(/no token occurs twice in "the cat"/);
  });

  it("the worked example equals the hand computation", () => {
    const r = workedExample();
    // q = (1, 0, 1, 0); k_the = (0, 1, 0, 1), k_cat = (1, 1, 1, 0), k_sat = (2, 0, 2, 1).
    expect(r.products).toEqual([
      [0, 0, 0, 0],
      [1, 0, 1, 0],
      [2, 0, 2, 0],
    ]);
    expect(r.sums).toEqual([0, 2, 4]);
    expect(r.sqrtDk).toBe(2);
    // e = q·k / √4 = 0, 1, 2; a = (e⁰, e¹, e²) / (e⁰ + e¹ + e²).
    const Z = 1 + Math.E + Math.E ** 2;
    const a = [1 / Z, Math.E / Z, Math.E ** 2 / Z];
    r.scores.forEach((e, j) => {
      expect(Math.abs(e - [0, 1, 2][j])).toBeLessThanOrEqual(1e-6);
    });
    r.weights.forEach((w, j) => {
      expect(Math.abs(w - a[j])).toBeLessThanOrEqual(1e-6);
    });
    expect(a.map((x) => x.toFixed(3))).toEqual(["0.090", "0.245", "0.665"]);
    // Unshifted numerators in the example (exp(e_j), as a learner computes them).
    r.exps.forEach((x, j) => {
      expect(Math.abs(x - Math.exp(j))).toBeLessThanOrEqual(1e-5);
    });
    // c = a_the (1, 0, 0, 1) + a_cat (0, 2, 0, 0) + a_sat (0, 0, 1, 1).
    const c = [a[0], 2 * a[1], a[2], a[0] + a[2]];
    r.context.forEach((x, d) => {
      expect(Math.abs(x - c[d])).toBeLessThanOrEqual(1e-6);
    });
  });
});
