/**
 * TransformerModel `latentAlignment: true`: one more single-head attention over the memory mixes
 * per-position predictions from the source embeddings, p(y_t) = Σ_j a_tj softmax(W_out tanh(W_c [x_j; h_t])).
 */
import { describe, expect, it } from "vitest";
import { attend } from "../../src/attention/attend.js";
import { mixPositions } from "../../src/attention/latent-alignment.js";
import { causalMask, paddingMask } from "../../src/attention/masks.js";
import { scaledDot } from "../../src/attention/scores.js";
import { checkWeights, parameterCount } from "../../src/models/registry.js";
import { TransformerModel } from "../../src/models/transformer/index.js";
import { crossEntropy } from "../../src/nn/index.js";
import { exportTransformerOnnx } from "../../src/onnx/transformer.js";
import {
  broadcastTo,
  concat,
  manualSeed,
  mul,
  noGrad,
  reshape,
  slice,
  type Tensor,
  tanh,
  unsqueeze,
} from "../../src/tensor/index.js";

const src = [5, 6, 7, 8, 9, 10, 0, 0];
const lengths = [4, 2];
const tgtIn = [2, 4, 5, 2, 6, 0];

function build(latentAlignment = true): TransformerModel {
  manualSeed(5);
  return new TransformerModel({
    srcVocabSize: 12,
    tgtVocabSize: 9,
    dModel: 16,
    nhead: 2,
    numEncoderLayers: 1,
    numDecoderLayers: 2,
    dimFeedforward: 32,
    dropout: 0,
    latentAlignment,
  }).eval();
}

describe("TransformerModel latentAlignment", () => {
  it("step by step (KV cache) gives forward's log-probabilities and alignment weights; rows sum to 1", () => {
    const m = build();
    noGrad(() => {
      const f = m.forward(src, lengths, tgtIn, 2, 4, 3, { needWeights: true });
      expect(f.positionProbs!.shape).toEqual([2, 3, 4, 9]);
      expect(f.layerWeights.length).toBe(2); // the decoder's own cross-attentions stay readable
      let st = m.encode(src, 2, 4, lengths);
      for (let t = 0; t < 3; t++) {
        const r = m.step(st, [tgtIn[t], tgtIn[3 + t]]);
        st = r.state;
        for (let b = 0; b < 2; b++) {
          let sum = 0;
          for (let v = 0; v < 9; v++) {
            expect(r.logits.data[b * 9 + v]).toBeCloseTo(f.logits.data[(b * 3 + t) * 9 + v], 5);
            sum += Math.exp(r.logits.data[b * 9 + v]);
          }
          expect(sum).toBeCloseTo(1, 5); // log p, already normalised
          for (let j = 0; j < 4; j++) {
            expect(r.weights.data[b * 4 + j]).toBeCloseTo(f.weights!.data[(b * 3 + t) * 4 + j], 5);
          }
          for (let j = lengths[b]; j < 4; j++) expect(r.weights.data[b * 4 + j]).toBe(0);
        }
      }
    });
  });

  it("p(y_1) is Σ_j a_j softmax(W_out tanh(W_c [√d·E_src[x_j]; h])) with a = softmax((W_q h)·(W_k m_j)/√d)", () => {
    const m = build();
    noGrad(() => {
      const st = m.encode(src, 2, 4, lengths);
      const r = m.step(st, [2, 2]);
      // h: the decoder's output at position 0, recomputed here without the alignment layer.
      const y = m.positions.forward(mul(m.tgtEmbed.forward([2, 2], [2, 1]), 4), 0); // √16 = 4
      const h = m.transformer.decoder.forward(y, st.memory, { memoryMask: paddingMask(lengths) });
      const row = (t: Tensor, b: number) =>
        Array.from(reshape(slice(t, 0, b, b + 1), [t.size / t.shape[0]]).data);
      const lin = (w: Tensor, v: number[]) => {
        const [o, i] = w.shape;
        return Array.from({ length: o }, (_, r) => v.reduce((acc, x, c) => acc + w.data[r * i + c] * x, 0));
      };
      const soft = (v: number[]) => {
        const mx = Math.max(...v);
        const e = v.map((x) => Math.exp(x - mx));
        const z = e.reduce((a, b) => a + b, 0);
        return e.map((x) => x / z);
      };
      const x = mul(m.srcEmbed.forward(src, [2, 4]), 4);
      for (let b = 0; b < 2; b++) {
        const hb = row(h, b);
        const q = lin(m.alignQ!.weight, hb);
        const mem = row(st.memory, b);
        const xs = row(x, b);
        const S = lengths[b];
        const scores = Array.from({ length: S }, (_, j) => {
          const k = lin(m.alignK!.weight, mem.slice(j * 16, (j + 1) * 16));
          return q.reduce((acc, v, c) => acc + v * k[c], 0) / 4;
        });
        const a = soft(scores);
        const want = new Array(9).fill(0);
        for (let j = 0; j < S; j++) {
          const ht = lin(m.alignCombine!.weight, [...xs.slice(j * 16, (j + 1) * 16), ...hb]).map(Math.tanh);
          const logits = lin(m.out.weight, ht).map((v, k) => v + m.out.bias!.data[k]);
          soft(logits).forEach((p, v) => {
            want[v] += a[j] * p;
          });
        }
        for (let j = 0; j < S; j++) expect(r.weights.data[b * 4 + j]).toBeCloseTo(a[j], 5);
        for (let v = 0; v < 9; v++) expect(Math.exp(r.logits.data[b * 9 + v])).toBeCloseTo(want[v], 5);
      }
    });
  });

  it("training: loss and every gradient are those of W_c applied to the concatenation [x_j; h_t]", () => {
    // The model applies W_c = [W_x | W_h] as W_x x_j + W_h h_t (no (B, T, S, 2d) concatenation); this is
    // the layer written as the formula reads, on the model's own parameters.
    const m = build().train(); // dropout 0: both passes see the same numbers
    const [B, S, T, d] = [2, 4, 3, 16];
    const tgtOut = [4, 5, 3, 6, 3, 0];
    const lossOf = (logits: Tensor) => crossEntropy(reshape(logits, [B * T, 9]), tgtOut, { ignoreIndex: 0 });
    const gradsOf = (run: () => Tensor) => {
      m.zeroGrad();
      const loss = run();
      loss.backward();
      return {
        loss: loss.item(),
        grads: m.namedParameters().map(([name, p]) => [name, Float32Array.from(p.grad!.data)] as const),
      };
    };
    const model = gradsOf(() => lossOf(m.forward(src, lengths, tgtIn, B, S, T).logits));
    const formula = gradsOf(() => {
      const st = m.encode(src, B, S, lengths);
      const y = m.positions.forward(mul(m.tgtEmbed.forward(tgtIn, [B, T]), 4), 0);
      const mask = paddingMask(lengths);
      const h = m.transformer.decoder.forward(y, st.memory, { tgtMask: causalMask(), memoryMask: mask });
      const words = st.memoryValues!;
      const { weights } = attend(m.alignQ!.forward(h), m.alignK!.forward(st.memory), words, {
        score: scaledDot(),
        mask,
      });
      const x = broadcastTo(unsqueeze(words, 1), [B, T, S, d]);
      const q = broadcastTo(unsqueeze(h, 2), [B, T, S, d]);
      const hj = tanh(m.alignCombine!.forward(concat([x, q], 3)));
      return lossOf(mixPositions(weights, m.out.forward(hj)).logits);
    });
    expect(Math.abs(model.loss - formula.loss)).toBeLessThan(1e-6 * Math.abs(formula.loss));
    expect(model.grads.map(([n]) => n)).toEqual(formula.grads.map(([n]) => n));
    let checked = 0;
    model.grads.forEach(([name, g], i) => {
      const want = formula.grads[i][1];
      const scale = Math.max(...want.map(Math.abs));
      if (name.startsWith("align_combine") || name.startsWith("out")) expect(scale).toBeGreaterThan(0);
      for (let k = 0; k < g.length; k++) {
        expect(Math.abs(g[k] - want[k]), `${name}[${k}]`).toBeLessThanOrEqual(1e-5 * scale + 1e-9);
      }
      checked++;
    });
    expect(checked).toBe(m.parameters().length);
  });

  it("is refused by the ONNX exporter and checked in the config", async () => {
    await expect(exportTransformerOnnx(build())).rejects.toThrow(/latentAlignment is not exported/);
    expect(
      () => new TransformerModel({ srcVocabSize: 5, tgtVocabSize: 5, latentAlignment: "yes" as never }),
    ).toThrow(/latentAlignment must be true or false/);
    expect(Object.keys(build(false).stateDict()).some((k) => k.startsWith("align_"))).toBe(false);
    // The checkpoint checker knows the alignment layer's weights (and their absence).
    const m = build(true);
    const sd = m.stateDict();
    expect(parameterCount({ kind: "transformer", config: m.config })).toBe(m.numParameters);
    expect(() => checkWeights({ kind: "transformer", config: m.config }, sd, "x.json")).not.toThrow();
    expect(() =>
      checkWeights({ kind: "transformer", config: { ...m.config, latentAlignment: false } }, sd, "x.json"),
    ).toThrow(/unexpected weights "align_q.weight"/);
    expect(
      Object.keys(build(true).stateDict())
        .filter((k) => k.startsWith("align_"))
        .sort(),
    ).toEqual(["align_combine.weight", "align_k.weight", "align_q.weight"]);
  });
});
