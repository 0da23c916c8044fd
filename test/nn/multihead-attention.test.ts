/**
 * MultiheadAttention (the Module over src/attention's multiHeadAttentionForward): PyTorch's state-dict
 * names, nesting, optimizer reach, train/eval, and the PyTorch MHA fixtures through the module.
 */
import { describe, expect, it } from "vitest";
import { fromTorchAttnMask, fromTorchKeyPaddingMask } from "../../src/attention/index.js";
import { Module, MultiHeadAttention, MultiheadAttention, SGD } from "../../src/nn/index.js";
import { randn, type Tensor } from "../../src/tensor/index.js";
import { loadFixtures, type MhaCase, type TensorData } from "../helpers/fixtures.js";
import { check, fixtureLoss, t } from "./helpers.js";

describe("MultiheadAttention module", () => {
  it("uses torch.nn.MultiheadAttention's names; MultiHeadAttention is the same class", () => {
    const m = new MultiheadAttention({ embedDim: 8, numHeads: 2 });
    expect(m.namedParameters().map(([n]) => n)).toEqual([
      "in_proj_weight",
      "in_proj_bias",
      "out_proj.weight",
      "out_proj.bias",
    ]);
    expect(MultiHeadAttention).toBe(MultiheadAttention);
    expect(m.namedParameters()[2][1]).toBe(m.outProj.weight);
    const cross = new MultiheadAttention({ embedDim: 4, numHeads: 1, kdim: 3, vdim: 5, bias: false });
    expect(Object.keys(cross.stateDict())).toEqual([
      "q_proj_weight",
      "k_proj_weight",
      "v_proj_weight",
      "out_proj.weight",
    ]);
  });

  it("nests, trains with an optimizer and follows train/eval of its parent", () => {
    const parent = new (class extends Module {
      readonly attn = this.registerModule(
        "attn",
        new MultiheadAttention({ embedDim: 4, numHeads: 2, dropout: 0.5 }),
      );
    })();
    expect(parent.namedParameters()[0][0]).toBe("attn.in_proj_weight");
    parent.eval();
    expect(parent.attn.training).toBe(false);
    parent.train();
    expect(parent.attn.training).toBe(true);
    parent.eval();
    const x = randn([3, 2, 4]);
    const before = Float32Array.from(parent.attn.namedParameters()[0][1].data);
    const opt = new SGD(parent.parameters(), { lr: 0.1 });
    parent.attn.forward(x, x, x).output.sum().backward();
    opt.step();
    expect(Array.from(parent.attn.namedParameters()[0][1].data)).not.toEqual(Array.from(before));
  });

  describe("PyTorch MHA fixtures through the module", () => {
    for (const c of loadFixtures("mha").cases as MhaCase[]) {
      it(c.name, () => {
        const cfg = c.config;
        const m = new MultiheadAttention(cfg);
        m.loadStateDict(Object.fromEntries(Object.entries(c.params).map(([k, v]) => [k, t(v)])));
        const q = t(c.inputs.query, true);
        const k = cfg.self ? q : t(c.inputs.key, true);
        const v = cfg.self ? q : t(c.inputs.value, true);
        const tm = c.torch_masks;
        const r = m.forward(q, k, v, {
          keyPaddingMask: tm.key_padding_mask ? fromTorchKeyPaddingMask(t(tm.key_padding_mask)) : null,
          attnMask: tm.attn_mask ? fromTorchAttnMask(t(tm.attn_mask), tm.attn_mask.dtype) : null,
          needWeights: cfg.needWeights,
          averageWeights: cfg.averageWeights,
        });
        check(`${c.name}.output`, r.output, c.expected.output);
        const loss: Record<string, TensorData> = { output: c.loss.output };
        const outputs: Record<string, Tensor> = { output: r.output };
        if (c.loss.weights && r.weights) {
          loss.weights = c.loss.weights;
          outputs.weights = r.weights;
        }
        fixtureLoss({ loss }, outputs).backward();
        const params = Object.fromEntries(m.namedParameters());
        for (const name of Object.keys(c.params))
          check(`${c.name}.grad.${name}`, params[name].grad, c.grads[name]);
      });
    }
  });
});
