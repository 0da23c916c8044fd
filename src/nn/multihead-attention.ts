/**
 * MultiheadAttention as a Module: the attention layer of src/attention/multi-head.ts
 * (Vaswani et al. 2017, §3.2.2: MultiHead(Q, K, V) = Concat(head_1, …, head_h) W^O,
 * head_i = Attention(Q W_i^Q, K W_i^K, V W_i^V)) registered under `torch.nn.MultiheadAttention`'s
 * names — `in_proj_weight` (or `q_proj_weight`, `k_proj_weight`, `v_proj_weight`), `in_proj_bias`,
 * and the submodule `out_proj` (`out_proj.weight`, `out_proj.bias`) — so it nests in other modules,
 * is found by optimizers and saves/loads state dicts with PyTorch's keys.
 *
 * The module holds the very tensors of the wrapped layer (no copies), and `train()`/`eval()` reach it.
 */
import {
  MultiHeadAttention,
  type MultiHeadAttentionConfig,
  type MultiHeadForwardOptions,
  type MultiHeadResult,
} from "../attention/multi-head.js";
import type { Tensor } from "../tensor/index.js";
import { Linear } from "./linear.js";
import { Module } from "./module.js";

export class MultiheadAttention extends Module {
  /** The wrapped attention layer (sharing its parameter tensors with this module). */
  readonly attention: MultiHeadAttention;

  constructor(config: MultiHeadAttentionConfig) {
    super();
    this.attention = new MultiHeadAttention(config);
    const byName = new Map(this.attention.namedParameters());
    for (const [name, t] of byName) {
      if (!name.startsWith("out_proj.")) this.registerParameter(name, t);
    }
    this.registerModule(
      "out_proj",
      Linear.fromTensors(byName.get("out_proj.weight")!, byName.get("out_proj.bias") ?? null),
    );
  }

  get embedDim(): number {
    return this.attention.embedDim;
  }

  get numHeads(): number {
    return this.attention.numHeads;
  }

  override train(on = true): this {
    super.train(on);
    this.attention.train(on);
    return this;
  }

  /** `forward(query, key, value, opts)` → `{ output, weights }`, as MultiHeadAttention.forward. */
  forward(query: Tensor, key: Tensor, value: Tensor, opts: MultiHeadForwardOptions = {}): MultiHeadResult {
    this.attention.training = this.training;
    return this.attention.forward(query, key, value, opts);
  }
}
