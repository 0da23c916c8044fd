/**
 * The exporter's output, byte for byte: the SHA-256 of the ONNX files a set of small seeded models
 * export to. The hashes were taken from the exporter as it was before src/onnx/export.ts was split
 * into tracing, size solving, graph building and lowering (issue 17); a change to any node, name,
 * attribute, initializer or their order changes a hash. The models cover every lowering: element-wise
 * ops, reductions, layout ops, gathers, slices, unbind, gelu (both forms), matmul with transposed
 * operands, softmax (and from a log-sum-exp), masks (padding and causal), sinusoidal positions, LSTM, the LSTM seq2seq and the
 * Transformer graphs. If the output changes on purpose, check it in onnxruntime (the other tests of
 * test/onnx) and write the new hashes here.
 */
import { createHash } from "node:crypto";
import { describe, expect, it } from "vitest";
import {
  ATTENTION_KIND_SPECS,
  ATTENTION_KINDS,
  abs,
  add,
  broadcastTo,
  concat,
  div,
  Embedding,
  embedding,
  exp,
  indexSelect,
  LayerNorm,
  Linear,
  LSTM,
  log,
  logSoftmax,
  Module,
  MultiheadAttention,
  manualSeed,
  matmulT,
  max,
  maximum,
  mean,
  min,
  minimum,
  mul,
  neg,
  paddingMask,
  permute,
  pow,
  randn,
  record,
  relu,
  reshape,
  Seq2Seq,
  sigmoid,
  sinusoidalEncoding,
  slice,
  softmax,
  softmaxFromLse,
  split,
  sqrt,
  square,
  squeeze,
  stack,
  sub,
  sum,
  type Tensor,
  TransformerModel,
  tanh,
  tensor,
  unbind,
  unsqueeze,
} from "../../src/index.js";
import { exportOnnx, exportSeq2SeqOnnx, exportTransformerOnnx } from "../../src/onnx/index.js";

const sha256 = (bytes: Uint8Array) => createHash("sha256").update(bytes).digest("hex");

/** An encoder layer over ids with a padding mask (embedding, MHA, layer norm, ReLU, log-softmax). */
class TinyEncoder extends Module {
  readonly embed = this.registerModule("embed", new Embedding(20, 8, { paddingIdx: 0 }));
  readonly pos = this.registerParameter("pos", randn([16, 8]));
  readonly attn = this.registerModule(
    "attn",
    new MultiheadAttention({ embedDim: 8, numHeads: 2, batchFirst: true }),
  );
  readonly norm = this.registerModule("norm", new LayerNorm(8));
  readonly out = this.registerModule("out", new Linear(8, 20));

  forward(ids: Tensor, lengths: Tensor): Tensor {
    const T = ids.shape[1];
    const x = add(mul(this.embed.forward(ids), Math.sqrt(8)), slice(this.pos, 0, 0, T));
    const a = this.attn.forward(x, x, x, { keyPaddingMask: paddingMask(lengths), needWeights: false });
    return logSoftmax(this.out.forward(relu(this.norm.forward(add(x, a.output)))), -1);
  }
}

/** The other ops, on (B, T, 6) inputs. */
class Zoo extends Module {
  readonly lin = this.registerModule("lin", new Linear(6, 6));
  readonly table = this.registerParameter("table", randn([5, 6]));

  forward(x: Tensor, y: Tensor): Record<string, Tensor> {
    const [B, T] = x.shape;
    const z = sigmoid(this.lin.forward(x));
    const parts = split(z, [2, 4], 2);
    const rows = unbind(permute(concat([parts[1], parts[0]], -1), [2, 0, 1]));
    const flat = reshape(stack([rows[0], rows[5]], 2), [B, T * 2]);
    const scores = matmulT(x, y, false, true); // (B, T, T)
    return {
      elementwise: add(
        sub(mul(exp(tanh(x)), abs(y)), sqrt(add(square(y), 1))),
        add(maximum(x, neg(y)), minimum(log(add(abs(x), 1)), pow(abs(y), 1.5))),
      ),
      reduced: concat([max(z, 1), mean(z, 1), div(sum(z, 1), T), min(z, [1, 2], true).reshape([B, 1])], 1),
      moved: add(
        reshape(squeeze(unsqueeze(flat, 0), 0), [B, T, 2]),
        broadcastTo(slice(slice(z, 1, -1), 2, 0, 2), [B, T, 2]),
      ),
      gathered: slice(x, 1, 1, -1),
      picked: indexSelect(z, 2, [5, 0, 0]),
      looked: embedding(this.table, [1, 4, 2], [3]),
      attended: softmax(scores, -1),
      fromLse: softmaxFromLse(scores, log(sum(exp(scores), -1))),
      positions: sinusoidalEncoding(T, 6),
    };
  }
}

const gelu = (approximate: "none" | "tanh") => (x: Tensor) =>
  record(tensor(Array.from(x.data), [...x.shape]), "gelu", [x], () => [null], { approximate });

async function exports(): Promise<Record<string, Uint8Array>> {
  const out: Record<string, Uint8Array> = {};
  manualSeed(7);
  out.encoder = await exportOnnx(new TinyEncoder().eval(), [
    tensor([3, 4, 5, 6, 7, 0, 0, 0], [2, 4]),
    tensor([4, 1], [2]),
  ]);
  manualSeed(8);
  out.zoo = await exportOnnx(new Zoo(), [randn([2, 3, 6]), randn([2, 3, 6])]);
  for (const form of ["none", "tanh"] as const)
    out[`gelu-${form}`] = await exportOnnx({ forward: gelu(form) }, [randn([2, 3])]);
  manualSeed(21);
  const lstm = new LSTM({ inputSize: 4, hiddenSize: 3, numLayers: 2, bidirectional: true }).eval();
  out.lstm = await exportOnnx(
    lstm,
    [randn([5, 2, 4]), { h: randn([4, 2, 3]), c: randn([4, 2, 3]) }, { lengths: tensor([5, 3], [2]) }],
    {
      inputNames: ["input", "state", "options"],
      dynamicAxes: { "state.h": { 1: "input_1" }, "state.c": { 1: "input_1" } },
    },
  );
  manualSeed(22);
  out["lstm-batch-first"] = await exportOnnx(
    new LSTM({ inputSize: 3, hiddenSize: 4, batchFirst: true, bias: false }).eval(),
    [randn([2, 3, 3])],
  );
  // Kinds without an ONNX form (coverage, local-m, local-p) refuse: test/models/seq2seq-coverage-local.test.ts.
  for (const attention of ATTENTION_KINDS.filter((k) => ATTENTION_KIND_SPECS[k].noOnnx === undefined)) {
    manualSeed(11);
    const latent = attention === "luong-general";
    const m = new Seq2Seq({
      ...(latent ? { attentionValues: "embeddings" as const, latentAlignment: true } : {}),
      srcVocabSize: 12,
      tgtVocabSize: 10,
      embedDim: 6,
      hiddenSize: 5,
      encoderLayers: attention === "bahdanau" ? 2 : 1,
      attention,
      attentionDim: 7,
      maxSourceLength: 12,
    }).eval();
    const g = await exportSeq2SeqOnnx(m);
    out[`seq2seq-${attention}-encoder`] = g.encoder;
    out[`seq2seq-${attention}-step`] = g.step;
  }
  for (const [name, extra] of [
    ["sinusoidal", {}],
    [
      "learned",
      { positions: "learned", maxLength: 24, normFirst: true, activation: "gelu", tieOutput: false },
    ],
  ] as const) {
    manualSeed(31);
    const m = new TransformerModel({
      srcVocabSize: 13,
      tgtVocabSize: 11,
      dModel: 8,
      nhead: 2,
      numEncoderLayers: 2,
      numDecoderLayers: 2,
      dimFeedforward: 16,
      ...extra,
    }).eval();
    const g = await exportTransformerOnnx(m);
    out[`transformer-${name}-encoder`] = g.encoder;
    out[`transformer-${name}-decoder`] = g.decoder;
    out[`transformer-${name}-step`] = g.step;
  }
  return out;
}

/** SHA-256 of each export, taken before the exporter was split (issue 17). */
const EXPECTED: Record<string, string> = {
  encoder: "970e680503b41168ad816a65897c3af16c1a232d9b379137f8fdc7ad13d61bd0",
  zoo: "4302e397b819fa590e038a6836622501e4b0e7eefaffb77900f0114398b2ffa7",
  "gelu-none": "fb4fabb9661593d63c7eb3a4f842766240314ffd0bfb9ab27d1eec6ab37bdf71",
  "gelu-tanh": "3822e8d8532803d15ef58207eb7858f2e0786dfaf2340d7db628aee2949f2e1a",
  lstm: "e608d69baafe97af6a80f6b22e17e5ccb7301275f69133e57276e7c3ca4c2721",
  "lstm-batch-first": "7654dac8217c2a51fefa767d224671d3a59be2f5a11db202df4600dbce59f57e",
  "seq2seq-none-encoder": "0b61beb0a637f8345801aaa3dbf1c1b40d358ac371ecca4dd5e0a5d50f80f9fb",
  "seq2seq-none-step": "d88ef047987bc42e5a2957196dd2251319a0a6c28bc977c452528972510bdd20",
  "seq2seq-bahdanau-encoder": "26425c9d0691f87b1e8d974e67a293a794e37a4cefd927df9143c0dc375aa7a3",
  "seq2seq-bahdanau-step": "e40b957fae71066dec608a1ed8867a6000d7d68043d9ae1430e60f8d1128ce8e",
  "seq2seq-luong-dot-encoder": "e6a702a6dc809bf8c07718cc15e3008e1c9860c3072882eb28210177e469c864",
  "seq2seq-luong-dot-step": "e96ff92c0a8c8f2a453fce227dab0da3c0b981c5f0719e89097bdc1b20dfe7df",
  "seq2seq-luong-general-encoder": "d53701dbd74fbcb2d018f7313d75c20ba1830ec3b49c705465e5c2de8b20e405",
  "seq2seq-luong-general-step": "7fe8e04a4a4ab6a1825d1a22c06c0b710793485e641d129dc19c20b49afd4f6c",
  "seq2seq-luong-concat-encoder": "d59e8a3f2ea6402e9643a2434ddf0c12623316bbb385fb3d1e414b3b36328b9d",
  "seq2seq-luong-concat-step": "fb92239c9a2c1c705d75989ca3c08613fe6a0c56230462e4efc76f6c4a92a1f7",
  "seq2seq-luong-location-encoder": "e6a702a6dc809bf8c07718cc15e3008e1c9860c3072882eb28210177e469c864",
  "seq2seq-luong-location-step": "f7c0c43ac7e736097c5a4608e13b7ca5691ed27fcd8327165a59d6eff01e84da",
  "transformer-sinusoidal-encoder": "5825b8e5dfbb1f18f4b2785147ade0062a2b2dd5952552df819c3936ef1752e8",
  "transformer-sinusoidal-decoder": "cd3d2e030051a7b4e6a3f864fabc054b7fa8c5ad4ce4af772e6ac1e0d62f16fd",
  "transformer-sinusoidal-step": "c49bbd29a8977a6b65bbaea73b120747d692bda550001da47aa921eb5f8d91be",
  "transformer-learned-encoder": "5b947bf8b158ef1a928f3110e4af01e28b9fe217778ac16fe48f045698563f7b",
  "transformer-learned-decoder": "66f229426369e0cd093ef39531daa51d0108b20c985358c750e1754650a8b683",
  "transformer-learned-step": "623466946317e04c851881fb7960c8947f694c5c8ae5f873a13369260839809f",
};

describe("ONNX export: bytes", () => {
  it("every small model exports to the same bytes as before the exporter was split", async () => {
    const got = Object.fromEntries(Object.entries(await exports()).map(([k, v]) => [k, sha256(v)]));
    if (process.env.QKV_PRINT_ONNX_HASHES) console.log(JSON.stringify(got, null, 2));
    expect(got).toEqual(EXPECTED);
  }, 120_000);
});
