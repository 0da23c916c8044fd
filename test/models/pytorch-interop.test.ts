/**
 * The road to PyTorch and back (issue 12). Fixtures: scripts/make-interop-weights.ts (qkv trains the
 * models of interop-specs.ts and writes their state dicts) and scripts/make_interop_fixtures.py (PyTorch
 * loads those into torch.nn.Transformer / the seq2seq mirror in scripts/qkv_torch.py, runs them, trains
 * them a few steps and writes its own state dicts). Here, without PyTorch:
 *   qkv → PyTorch: our model with the qkv-trained weights gives PyTorch's logits, attention weights and
 *                  greedy output for the same weights;
 *   PyTorch → qkv: PyTorch-trained weights load into qkv by name and give PyTorch's outputs; and the
 *                  same training steps in qkv reproduce PyTorch's losses.
 */
import { readFileSync } from "node:fs";
import { describe, expect, it } from "vitest";
import { greedyDecode, type StepDecoder } from "../../src/decode/index.js";
import { readSafetensors } from "../../src/io/safetensors-file.js";
import { Seq2Seq } from "../../src/models/seq2seq/index.js";
import { TransformerModel } from "../../src/models/transformer/index.js";
import { Adam, clipGradNorm, crossEntropy } from "../../src/nn/index.js";
import { reshape } from "../../src/tensor/index.js";
import { loadModel } from "../../src/train/load-model.js";
import { tokenizersOf } from "../../src/train/trainer.js";
import { expectClose, type TensorData } from "../helpers/fixtures.js";
import { INTEROP_MODELS } from "./interop-specs.js";

interface Ids {
  shape: number[];
  data: number[];
}
interface Outputs {
  logits: TensorData;
  weights?: TensorData;
  greedy: number[][];
}
interface InteropCase {
  name: string;
  kind: "transformer" | "seq2seq";
  config: Record<string, unknown>;
  weights: string;
  input: { src: Ids; srcLengths: Ids; tgtIn: Ids };
  maxLength: number;
  expected: Outputs;
  train: {
    lr: number;
    clip: number;
    batches: { src: Ids; srcLengths: Ids; tgtIn: Ids; tgtOut: Ids }[];
    losses: number[];
    weights: string;
    expected: Outputs;
  };
}

const dir = new URL("../fixtures/interop/", import.meta.url);
interface CheckpointCase {
  name: "checkpoint";
  from: string;
  folder: string;
  input: InteropCase["input"];
  maxLength: number;
  expected: Outputs;
}

const doc = JSON.parse(readFileSync(new URL("interop.json", dir), "utf8")) as {
  torch: string;
  cases: (InteropCase | CheckpointCase)[];
};
const modelCases = doc.cases.filter((c): c is InteropCase => c.name !== "checkpoint");
const checkpointCase = doc.cases.find((c): c is CheckpointCase => c.name === "checkpoint");

type Model = Seq2Seq | TransformerModel;

function build(c: InteropCase, dropout?: number): Model {
  const config = { ...c.config, ...(dropout === undefined ? {} : { dropout }) };
  return c.kind === "transformer"
    ? new TransformerModel(config as unknown as ConstructorParameters<typeof TransformerModel>[0])
    : new Seq2Seq(config as unknown as ConstructorParameters<typeof Seq2Seq>[0]);
}

async function load(c: InteropCase, file: string, dropout?: number): Promise<Model> {
  const { tensors, metadata } = await readSafetensors(new URL(file, dir).pathname);
  expect(metadata.kind).toBe(c.kind);
  expect(JSON.parse(metadata.config)).toEqual(c.config);
  const model = build(c, dropout);
  model.loadStateDict(tensors); // strict: every name must match
  return model;
}

function check(
  model: Model,
  c: Pick<InteropCase, "input" | "maxLength">,
  want: Outputs,
  label: string,
): number {
  model.eval();
  const { src, srcLengths, tgtIn } = c.input;
  const [B, S] = src.shape;
  const T = tgtIn.shape[1];
  const r =
    model instanceof TransformerModel
      ? model.forward(src.data, srcLengths.data, tgtIn.data, B, S, T, { needWeights: false })
      : model.forward(src.data, srcLengths.data, tgtIn.data, B, S, T);
  const { maxAbs } = expectClose(r.logits.data, want.logits, {
    rtol: 1e-4,
    atol: 1e-5,
    label: `${label} logits`,
  });
  if (want.weights) {
    expect(r.weights).not.toBeNull();
    expectClose(r.weights!.data, want.weights, { rtol: 1e-4, atol: 1e-6, label: `${label} weights` });
  }
  const hyps = greedyDecode(model as StepDecoder<unknown>, src.data, B, S, srcLengths.data, {
    maxLength: c.maxLength,
  });
  expect(hyps.map((h) => h.tokens)).toEqual(want.greedy);
  return maxAbs;
}

describe(`PyTorch ⇄ qkv round trip (fixtures from PyTorch ${doc.torch})`, () => {
  it("covers the Transformer (both norm placements, both position kinds, tied and untied) and every seq2seq attention kind", () => {
    expect(modelCases.map((c) => c.name).sort()).toEqual(INTEROP_MODELS.map((m) => m.name).sort());
    expect(modelCases.filter((c) => c.kind === "seq2seq").map((c) => c.config.attention)).toEqual(
      expect.arrayContaining([
        "bahdanau",
        "luong-general",
        "luong-dot",
        "luong-concat",
        "luong-location",
        "none",
      ]),
    );
  });

  it("a qkv checkpoint folder continued in PyTorch comes back as a checkpoint folder qkv loads", async () => {
    expect(checkpointCase).toBeDefined();
    const c = checkpointCase!;
    const torchDir = new URL(c.folder, dir).pathname;
    const { model, meta } = await loadModel(torchDir, "best"); // validated: JSON fields, sha256, shapes
    const original = await loadModel(new URL(c.from, dir).pathname, "best");
    // vocabularies, tokenizers, task and config come from the original checkpoint; the weights are new
    expect(meta.srcVocab).toEqual(original.meta.srcVocab);
    expect(meta.config).toEqual(original.meta.config);
    expect(tokenizersOf(meta).tgtTokenizer.size).toBe(meta.config.tgtVocabSize);
    expect(Array.from(model.stateDict()["out.weight"].data)).not.toEqual(
      Array.from(original.model.stateDict()["out.weight"].data),
    );
    const maxAbs = check(model, c, c.expected, "PyTorch-written checkpoint");
    console.log(
      `checkpoint folder written by PyTorch: max |qkv − PyTorch| logit difference ${maxAbs.toExponential(2)}`,
    );
  });

  for (const c of modelCases) {
    describe(c.name, () => {
      it("qkv → PyTorch: qkv-trained weights give PyTorch's outputs for the same weights", async () => {
        const maxAbs = check(await load(c, c.weights), c, c.expected, `${c.name} (qkv weights)`);
        console.log(
          `${c.name}: qkv-trained weights, max |qkv − PyTorch| logit difference ${maxAbs.toExponential(2)}`,
        );
      });

      it("PyTorch → qkv: PyTorch-trained weights load by name and give PyTorch's outputs", async () => {
        const model = await load(c, c.train.weights);
        const maxAbs = check(model, c, c.train.expected, `${c.name} (PyTorch weights)`);
        console.log(
          `${c.name}: PyTorch-trained weights, max |qkv − PyTorch| logit difference ${maxAbs.toExponential(2)}`,
        );
        // Training changed the weights: the outputs are not those of the qkv-trained start.
        expect(c.train.expected.logits.data).not.toEqual(c.expected.logits.data);
      });

      it("the same training steps in qkv give PyTorch's losses", async () => {
        const model = await load(c, c.weights, 0);
        model.train();
        const optimizer = new Adam(model.parameters(), { lr: c.train.lr });
        const V = c.config.tgtVocabSize as number;
        const losses: number[] = [];
        for (const b of c.train.batches) {
          optimizer.zeroGrad();
          const [B, S] = b.src.shape;
          const T = b.tgtIn.shape[1];
          const { logits } = model.forward(b.src.data, b.srcLengths.data, b.tgtIn.data, B, S, T);
          const loss = crossEntropy(reshape(logits, [B * T, V]), b.tgtOut.data, { ignoreIndex: 0 });
          loss.backward();
          clipGradNorm(model.parameters(), c.train.clip);
          optimizer.step();
          losses.push(loss.item());
        }
        for (let i = 0; i < losses.length; i++) {
          expect(Math.abs(losses[i] - c.train.losses[i]), `step ${i + 1}`).toBeLessThan(1e-4);
        }
        expect(losses[losses.length - 1]).toBeLessThan(losses[0]);
        if (c.kind === "seq2seq") {
          // …and the same weights. (Not asserted for the Transformer: the key part of in_proj_bias has a
          // zero gradient in exact arithmetic — softmax ignores a constant added to every score — so
          // Adam, which divides by √v, turns float rounding there into steps of size lr.)
          const torchWeights = (await readSafetensors(new URL(c.train.weights, dir).pathname)).tensors;
          for (const [name, t] of Object.entries(model.stateDict())) {
            expectClose(
              t.data,
              { shape: [...t.shape], data: Array.from(torchWeights[name].data) },
              {
                rtol: 1e-4,
                atol: 1e-4,
                label: `${c.name} ${name} after ${losses.length} steps`,
              },
            );
          }
        }
      });
    });
  }
});
