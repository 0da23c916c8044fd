/**
 * Ensemble decoding (OpenNMT-py's `-models A B …`): M models that share the target vocabulary decode
 * as one step decoder whose scores are the log of the mean of the members' probabilities,
 *
 *   log p(y_t | ·) = log (1/M · Σ_m p_m(y_t | ·)),   p_m = softmax(logits_m)
 *
 * (computed as a log-sum-exp in float64), so greedy, beam search and sampling work on it unchanged.
 * Its `weights` are the members' attention weights averaged (used for the alignment, coverage penalty
 * and --replace-unk); null when any member has none. Each member encodes the same source ids itself,
 * so the members must share the source vocabulary too; they may differ in architecture and size.
 */
import { logSoftmax, mean, stack, type Tensor, tensor } from "../tensor/index.js";
import type { StepDecoder, StepOutput } from "./search.js";

/** An ensemble's decoding state: each member model's own state, in the members' order. */
export type EnsembleState = unknown[];

export class EnsembleDecoder implements StepDecoder<EnsembleState> {
  constructor(readonly members: readonly StepDecoder<unknown>[]) {
    if (members.length === 0) throw new Error("EnsembleDecoder: no models");
  }

  encode(src: Int32Array | number[], B: number, S: number, srcLengths: number[]): EnsembleState {
    return this.members.map((m) => m.encode(src, B, S, srcLengths));
  }

  step(state: EnsembleState, prev: Int32Array | number[]): StepOutput<EnsembleState> {
    const outs = this.members.map((m, i) => m.step(state[i], prev));
    const [N, V] = outs[0].logits.shape;
    outs.forEach((o, i) => {
      if (o.logits.shape[0] !== N || o.logits.shape[1] !== V)
        throw new Error(
          `EnsembleDecoder: model ${i} gives logits [${o.logits.shape}], model 0 [${N}, ${V}] (same target vocabulary needed)`,
        );
    });
    const lps = outs.map((o) => logSoftmax(o.logits, -1).data);
    const out = new Float32Array(N * V);
    const logM = Math.log(lps.length);
    for (let k = 0; k < N * V; k++) {
      let max = Number.NEGATIVE_INFINITY;
      for (const lp of lps) if (lp[k] > max) max = lp[k];
      if (max === Number.NEGATIVE_INFINITY) {
        out[k] = max;
        continue;
      }
      let z = 0;
      for (const lp of lps) z += Math.exp(lp[k] - max);
      out[k] = max + Math.log(z) - logM;
    }
    const ws = outs.map((o) => o.weights);
    const weights = ws.every((w): w is Tensor => w !== null) ? mean(stack(ws, 0), 0) : null;
    return { logits: tensor(out, [N, V]), state: outs.map((o) => o.state), weights };
  }

  selectRows(state: EnsembleState, index: ArrayLike<number>): EnsembleState {
    return this.members.map((m, i) => m.selectRows(state[i], index));
  }
}
