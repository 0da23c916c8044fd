/**
 * Every PyTorch option is implemented or refused with an error naming it, never ignored: options qkv
 * does not implement (MultiheadAttention's addBiasKv / addZeroAttn, Embedding's maxNorm, LSTM's
 * projSize, the Transformer's bias: false, class weights of the losses) throw unless given PyTorch's
 * default; PyTorch's spellings of supported options (batch_first, weight_decay, averageAttnWeights)
 * throw naming qkv's. LayerNorm's `bias: false` (PyTorch ≥ 2.1) is implemented.
 */
import { describe, expect, it } from "vitest";
import {
  Adam,
  crossEntropy,
  Embedding,
  LayerNorm,
  LSTM,
  LSTMCell,
  MultiheadAttention,
  mseLoss,
  nllLoss,
  SGD,
  Transformer,
  TransformerDecoderLayer,
  TransformerEncoderLayer,
} from "../../src/nn/index.js";
import { layerNorm } from "../../src/nn/layer-norm.js";
import { randn, tensor } from "../../src/tensor/index.js";

// Options as a JavaScript caller (or a spread object) passes them: not checked by TypeScript.
const loose = <T>(o: object) => o as T;

describe("unsupported PyTorch options are refused", () => {
  const mha = { embedDim: 4, numHeads: 2 };
  it.each([
    [
      () => new MultiheadAttention(loose({ ...mha, addBiasKv: true })),
      /MultiheadAttention: option "addBiasKv".*not supported/,
    ],
    [
      () => new MultiheadAttention(loose({ ...mha, add_zero_attn: true })),
      /option "add_zero_attn" \(PyTorch's add_zero_attn\)/,
    ],
    [
      () => new MultiheadAttention(loose({ ...mha, batch_first: true })),
      /unknown option "batch_first"; qkv spells it "batchFirst"/,
    ],
    [() => new Embedding(5, 3, loose({ maxNorm: 1 })), /Embedding: option "maxNorm"/],
    [() => new Embedding(5, 3, loose({ sparse: true })), /option "sparse"/],
    [
      () => Embedding.fromPretrained(randn([5, 3]), loose({ scale_grad_by_freq: true })),
      /Embedding.fromPretrained: option "scale_grad_by_freq"/,
    ],
    [() => new LSTM(loose({ inputSize: 2, hiddenSize: 3, projSize: 2 })), /LSTM: option "projSize"/],
    [() => new LSTM(loose({ inputSize: 2, hiddenSize: 3, batch_first: true })), /spells it "batchFirst"/],
    [
      () => new LSTMCell(loose({ inputSize: 2, hiddenSize: 3, hidden_size: 4 })),
      /LSTMCell: unknown option "hidden_size"/,
    ],
    [
      () => new TransformerEncoderLayer(loose({ dModel: 4, nhead: 2, bias: false })),
      /TransformerEncoderLayer: option "bias"/,
    ],
    [
      () => new TransformerDecoderLayer(loose({ dModel: 4, nhead: 2, norm_first: true })),
      /spells it "normFirst"/,
    ],
    [
      () => new Transformer(loose({ dModel: 4, nhead: 2, customEncoder: {} })),
      /Transformer: option "customEncoder"/,
    ],
    [
      () => new LayerNorm(3, loose({ elementwise_affine: false })),
      /LayerNorm: unknown option "elementwise_affine"/,
    ],
    [
      () => crossEntropy(randn([2, 3]), [0, 1], loose({ weight: tensor([1, 2, 3]) })),
      /crossEntropy: option "weight"/,
    ],
    [
      () => nllLoss(randn([2, 3]), [0, 1], loose({ ignore_index: 1 })),
      /nllLoss: unknown option "ignore_index"; qkv spells it "ignoreIndex"/,
    ],
    [
      () => crossEntropy(randn([2, 3]), [0, 1], loose({ label_smoothing: 0.1 })),
      /spells it "labelSmoothing"/,
    ],
    [() => mseLoss(randn([2]), randn([2]), loose({ reduce: false })), /mseLoss: option "reduce"/],
    [
      () => new Adam([randn([2], 1, 0, { requiresGrad: true })], loose({ weight_decay: 0.1 })),
      /Adam: unknown option "weight_decay"; qkv spells it "weightDecay"/,
    ],
    [
      () =>
        new SGD([{ params: [randn([2], 1, 0, { requiresGrad: true })], weight_decay: 1 } as never], {
          lr: 0.1,
        }),
      /SGD \(group 0\): unknown option "weight_decay"/,
    ],
  ])("%#", (make, error) => {
    expect(make).toThrow(error);
  });

  it("MultiheadAttention.forward refuses PyTorch's averageAttnWeights (qkv: averageWeights)", () => {
    const m = new MultiheadAttention({ embedDim: 4, numHeads: 2 });
    const x = randn([3, 1, 4]);
    expect(() => m.forward(x, x, x, loose({ averageAttnWeights: false }))).toThrow(
      /MultiheadAttention.forward: unknown option "averageAttnWeights"; qkv spells it "averageWeights"/,
    );
    expect(() => m.forward(x, x, x, loose({ need_weights: false }))).toThrow(/spells it "needWeights"/);
    expect(m.forward(x, x, x, { averageWeights: false }).weights?.shape).toEqual([1, 2, 3, 3]);
  });

  it("accepts PyTorch's defaults of the options it does not implement", () => {
    expect(
      () =>
        new MultiheadAttention(loose({ embedDim: 4, numHeads: 2, addBiasKv: false, add_zero_attn: false })),
    ).not.toThrow();
    expect(() => new Embedding(5, 3, loose({ maxNorm: null, normType: 2, sparse: false }))).not.toThrow();
    expect(() => new LSTM(loose({ inputSize: 2, hiddenSize: 3, projSize: 0 }))).not.toThrow();
    expect(() => new TransformerEncoderLayer(loose({ dModel: 4, nhead: 2, bias: true }))).not.toThrow();
  });
});

describe("LayerNorm bias: false", () => {
  it("has no bias parameter and computes x̂ ⊙ γ", () => {
    const ln = new LayerNorm(3, { bias: false });
    expect(ln.namedParameters().map(([n]) => n)).toEqual(["weight"]);
    expect(ln.bias).toBeNull();
    ln.weight?.data.set([2, -1, 0.5]);
    const x = tensor([1, 2, 4, -3, 0, 3], [2, 3]);
    const want = layerNorm(x, [3], ln.weight, null);
    expect(Array.from(ln.forward(x).data)).toEqual(Array.from(want.data));
    // Row 0: mean 7/3, and the middle entry is x̂ = (2 − 7/3)/σ, times γ = −1.
    const sigma = Math.sqrt(((1 - 7 / 3) ** 2 + (2 - 7 / 3) ** 2 + (4 - 7 / 3) ** 2) / 3 + 1e-5);
    expect(ln.forward(x).data[1]).toBeCloseTo(-(2 - 7 / 3) / sigma, 5);
    expect(Object.keys(new LayerNorm(3).stateDict())).toEqual(["weight", "bias"]);
  });
});
