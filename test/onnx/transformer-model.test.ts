/**
 * The Transformer translation model exported as three graphs (exportTransformerOnnx): the encoder,
 * the decoder over a target prefix, and one step with a KV cache. Run in onnxruntime at batch,
 * source, target and past sizes other than the traced ones (an empty past included) against
 * `TransformerModel.encode` / `memoryCache` / `decodeAll` / `step`, and greedy loops driven by
 * onnxruntime (as a server would, with either decoder) give `greedyDecode`'s tokens, with every
 * step's logits within 1e-4 of our KV-cache step's. Both exported position kinds (the sinusoidal table is
 * computed in the graph), grouped-query attention (a multi-query variant), both
 * norm placements, both activations, tied and untied output.
 */
import * as ort from "onnxruntime-node";
import { afterAll, describe, expect, it } from "vitest";
import {
  greedyDecode,
  manualSeed,
  noGrad,
  type Tensor,
  TransformerModel,
  type TransformerModelConfig,
  tensor,
} from "../../src/index.js";
import { decodeModel, exportTransformerOnnx } from "../../src/onnx/index.js";
import { maxDiff, reportWorst, run, session } from "./ort.js";
import { ortGreedy, ortGreedyCached, oursGreedy } from "./transformer-search.js";

const TOL = 1e-4;

/** A padded batch: B rows of S ids (row 0 fills S, the others are shorter). */
function batch(B: number, S: number, seed: number, V: number): { src: Tensor; lengths: Tensor } {
  const ids: number[] = [];
  const lengths: number[] = [];
  for (let b = 0; b < B; b++) {
    const len = b === 0 ? S : 1 + ((b * 7 + seed) % S);
    lengths.push(len);
    for (let s = 0; s < S; s++) ids.push(s < len ? 4 + ((b * 5 + s * 3 + seed) % (V - 4)) : 0);
  }
  return { src: tensor(ids, [B, S]), lengths: tensor(lengths, [B]) };
}

const variants: [string, Omit<TransformerModelConfig, "srcVocabSize" | "tgtVocabSize">][] = [
  ["sinusoidal positions, post-norm, relu, tied output", {}],
  [
    "learned positions, pre-norm, gelu, untied output",
    { positions: "learned", maxLength: 24, normFirst: true, activation: "gelu", tieOutput: false },
  ],
  ["grouped-query attention (kvHeads 1 of 2: multi-query), pre-norm", { kvHeads: 1, normFirst: true }],
];

function model(extra: (typeof variants)[number][1], seed: number): TransformerModel {
  manualSeed(seed);
  return new TransformerModel({
    srcVocabSize: 13,
    tgtVocabSize: 11,
    dModel: 8,
    nhead: 2,
    numEncoderLayers: 2,
    numDecoderLayers: 2,
    dimFeedforward: 16,
    dropout: 0.1, // off in the export (evaluation mode)
    ...extra,
  }).eval();
}

afterAll(() => reportWorst("ONNX export, Transformer model"));

describe("ONNX export: Transformer encoder, decoder and step graphs", () => {
  variants.forEach(([name, extra], vi) => {
    it(`${name}: the encoder, decoder and step graphs match at other batch, source, target and past sizes`, async () => {
      const m = model(extra, 5 + vi);
      const { encoder, decoder, step, signature } = await exportTransformerOnnx(m);
      expect(m.training).toBe(false);
      const Hk = m.config.kvHeads; // the heads of every key and value tensor
      const kv = (what: string) => [0, 1].flatMap((l) => [`${what}_key_${l}`, `${what}_value_${l}`]);
      expect(signature).toEqual({
        encoder: { inputs: ["src", "srcLengths"], outputs: ["memory", ...kv("memory")] },
        decoder: { inputs: ["tgt", "memory", "srcLengths"], outputs: ["logits", "weights"] },
        step: {
          inputs: ["prev", "srcLengths", ...kv("memory"), ...kv("past")],
          outputs: ["logits", "weights", ...kv("present")],
        },
      });
      type Graph = {
        input: { type: { tensor_type: { shape: { dim: { dim_param?: string; dim_value?: number }[] } } } }[];
      };
      const dims = (bytes: Uint8Array) =>
        (decodeModel(bytes).graph as Graph).input.map((v) =>
          v.type.tensor_type.shape.dim.map((d) => d.dim_param ?? Number(d.dim_value)),
        );
      expect(dims(encoder)).toEqual([["batch", "source"], ["batch"]]);
      expect(dims(decoder)).toEqual([["batch", "target"], ["batch", "source", 8], ["batch"]]);
      expect(dims(step)).toEqual([
        ["batch"],
        ["batch"],
        ...[0, 1, 2, 3].map(() => ["batch", Hk, "source", 4]),
        ...[0, 1, 2, 3].map(() => ["batch", Hk, "past", 4]),
      ]);
      const [enc, dec, stp] = await Promise.all([session(encoder), session(decoder), session(step)]);
      for (const [B, S, T] of [
        [5, 7, 6],
        [1, 4, 1],
        [3, 11, 9],
      ]) {
        const { src, lengths } = batch(B, S, B + S, 13);
        const ours = noGrad(() => m.encode(src, B, S, lengths));
        const e = await run(enc, encoder, [src, lengths]);
        expect(maxDiff(ours.memory, e.memory, `${name} memory at B=${B}, S=${S}`)).toBeLessThan(TOL);
        const tgt = tensor(
          Array.from({ length: B * T }, (_, i) => (i % T === 0 ? 2 : 4 + ((i * 5) % 7))),
          [B, T],
        );
        const r = noGrad(() =>
          m.decodeAll(ours.memory, lengths, Array.from(tgt.data), T, { needWeights: true, lastOnly: true }),
        );
        const o = await run(dec, decoder, [tgt, ours.memory, lengths]);
        const V = 11;
        const at = `${name} decoder at B=${B}, S=${S}, T=${T}`;
        expect(maxDiff(tensor(r.logits.data, [B, V]), o.logits, `${at}: logits`)).toBeLessThan(TOL);
        expect(maxDiff(tensor((r.weights as Tensor).data, [B, S]), o.weights, `${at}: weights`)).toBeLessThan(
          TOL,
        );
        // The last position of teacher forcing over the whole prefix is the same thing.
        const full = noGrad(() => m.decodeAll(ours.memory, lengths, Array.from(tgt.data), T));
        for (let b = 0; b < B; b++) {
          const row = full.logits.data.subarray((b * T + T - 1) * V, (b * T + T) * V);
          expect(
            maxDiff(tensor(row, [V]), { data: o.logits.data.subarray(b * V, (b + 1) * V), dims: [V] }, at),
          ).toBeLessThan(TOL);
        }
        // The step after the first T − 1 tokens of tgt (none when T = 1: an empty past) equals ours.
        let state = ours;
        for (let t = 0; t + 1 < T; t++) {
          const prev = Array.from({ length: B }, (_, b) => tgt.data[b * T + t]);
          state = noGrad(() => m.step(state, prev)).state;
        }
        const last = tensor(
          Array.from({ length: B }, (_, b) => tgt.data[b * T + T - 1]),
          [B],
        );
        const rs = noGrad(() => m.step(state, Array.from(last.data)));
        const memoryKV = noGrad(() => m.memoryCache(ours.memory)).layers.flatMap((l) => [
          l.cross.key,
          l.cross.value,
        ]);
        memoryKV.forEach((t, j) => {
          const name = kv("memory")[j];
          expect(maxDiff(t as Tensor, e[name], `${name} at B=${B}, S=${S}`)).toBeLessThan(TOL);
        });
        const past = state.cache.layers.flatMap((l) =>
          [l.self.key, l.self.value].map((x) => x ?? tensor(new Float32Array(0), [B, Hk, 0, 4])),
        );
        const os = await run(stp, step, [last, lengths, ...(memoryKV as Tensor[]), ...past]);
        const sat = `${name} step at B=${B}, S=${S}, P=${T - 1}`;
        expect(maxDiff(rs.logits, os.logits, `${sat}: logits`)).toBeLessThan(TOL);
        expect(maxDiff(rs.weights, os.weights, `${sat}: weights`)).toBeLessThan(TOL);
        expect(maxDiff(rs.logits, o.logits, `${sat}: logits vs the prefix decoder`)).toBeLessThan(TOL);
        rs.state.cache.layers.forEach((l, j) => {
          expect(
            maxDiff(l.self.key as Tensor, os[`present_key_${j}`], `${sat}: present_key_${j}`),
          ).toBeLessThan(TOL);
          expect(
            maxDiff(l.self.value as Tensor, os[`present_value_${j}`], `${sat}: present_value_${j}`),
          ).toBeLessThan(TOL);
        });
        // Padded source positions get no attention.
        for (let b = 0; b < B; b++) {
          for (let s = lengths.data[b]; s < S; s++) expect(o.weights.data[b * S + s]).toBe(0);
        }
      }
    });

    it(`${name}: a greedy search driven by onnxruntime gives greedyDecode's tokens`, async () => {
      const m = model(extra, 5 + vi);
      const { encoder, decoder, step, signature } = await exportTransformerOnnx(m);
      const [enc, dec, stp] = await Promise.all([session(encoder), session(decoder), session(step)]);
      const { src, lengths } = batch(4, 6, 3, 13);
      const ids = { sos: 2, eos: 3 };
      const maxLength = 12;
      const ortRun = await ortGreedy(
        { encoder: [enc, encoder], decoder: [dec, decoder] },
        src,
        lengths,
        maxLength,
        ids,
      );
      const cachedRun = await ortGreedyCached(
        { encoder: [enc, encoder], step: [stp, step] },
        signature.step.inputs,
        src,
        lengths,
        maxLength,
        ids,
      );
      const oursRun = await oursGreedy(m, src, lengths, maxLength, ids);
      const hyps = greedyDecode(m, Array.from(src.data), 4, 6, Array.from(lengths.data), { maxLength });
      expect(ortRun.tokens).toEqual(hyps.map((h) => h.tokens));
      expect(oursRun.tokens).toEqual(ortRun.tokens);
      expect(cachedRun.tokens).toEqual(ortRun.tokens);
      expect(ortRun.logits.length).toBeGreaterThan(1);
      ortRun.logits.forEach((l, t) => {
        const ours = oursRun.logits[t];
        expect(maxDiff(tensor(ours.data, [...ours.dims]), l, `${name} greedy step ${t} logits`)).toBeLessThan(
          TOL,
        );
        const c = cachedRun.logits[t];
        expect(
          maxDiff(tensor(c.data, [...c.dims]), l, `${name} cached greedy step ${t} logits`),
        ).toBeLessThan(TOL);
        const w = oursRun.weights[t];
        expect(
          maxDiff(tensor(w.data, [...w.dims]), ortRun.weights[t], `${name} step ${t} weights`),
        ).toBeLessThan(TOL);
      });
      hyps.forEach((h, b) => {
        expect(Math.abs(ortRun.logProb[b] - h.logProb)).toBeLessThan(TOL);
      });
    });
  });

  it("learned positions: onnxruntime refuses a source, prefix or step beyond maxLength (no numbers)", async () => {
    const m = model({ positions: "learned", maxLength: 6 }, 2);
    const { encoder, decoder, step, signature } = await exportTransformerOnnx(m);
    // The refusals are the test: onnxruntime's own error log stays quiet.
    const quiet = (b: Uint8Array) =>
      ort.InferenceSession.create(b, { executionProviders: ["cpu"], logSeverityLevel: 4 });
    const [enc, dec, stp] = await Promise.all([quiet(encoder), quiet(decoder), quiet(step)]);
    const within = batch(1, 6, 0, 13);
    const e = await run(enc, encoder, [within.src, within.lengths]);
    const asT = (x: { data: Float32Array; dims: readonly number[] }) => tensor(x.data, [...x.dims]);
    const memoryKV = signature.step.inputs.filter((n) => n.startsWith("memory")).map((n) => asT(e[n]));
    const longer = batch(1, 7, 0, 13);
    await expect(run(enc, encoder, [longer.src, longer.lengths])).rejects.toThrow();
    const tgt = (T: number) => tensor([2, ...new Array(T - 1).fill(4)], [1, T]);
    await expect(run(dec, decoder, [tgt(6), asT(e.memory), within.lengths])).resolves.toBeDefined();
    await expect(run(dec, decoder, [tgt(7), asT(e.memory), within.lengths])).rejects.toThrow();
    const past = (P: number) =>
      [0, 1].flatMap(() => [0, 1].map(() => tensor(new Float32Array(2 * P * 4), [1, 2, P, 4])));
    const prev = tensor([4], [1]);
    await expect(run(stp, step, [prev, within.lengths, ...memoryKV, ...past(5)])).resolves.toBeDefined();
    await expect(run(stp, step, [prev, within.lengths, ...memoryKV, ...past(6)])).rejects.toThrow();
  });

  it("refuses learned positions too short to trace", async () => {
    const m = model({ positions: "learned", maxLength: 3 }, 1);
    await expect(exportTransformerOnnx(m)).rejects.toThrow(/learned positions need maxLength ≥ 4/);
  });

  it("refuses rope, alibi and window, naming the config field", async () => {
    await expect(exportTransformerOnnx(model({ positions: "rope" }, 1))).rejects.toThrow(
      /positions "rope" is not exported yet/,
    );
    await expect(exportTransformerOnnx(model({ positions: "alibi" }, 1))).rejects.toThrow(
      /positions "alibi" is not exported yet/,
    );
    await expect(exportTransformerOnnx(model({ window: 3 }, 1))).rejects.toThrow(
      /window \(3\) is not exported yet/,
    );
  });
});
