/**
 * No kernel keeps a copy of a weight across an optimizer step: after Adam changes the parameters in
 * place, every path that reads them — linear, the LSTM (fused cell where a backend has one), the
 * Transformer's fused encoder layer and incremental decoder step used by greedy decoding — computes
 * with the new values, exactly as a fresh model built from the updated state dict does. A backend that
 * cached packed weights between calls without invalidating them on update fails here.
 */
import { expect, it } from "vitest";
import { greedyDecode } from "../../../src/decode/index.js";
import { TransformerModel } from "../../../src/models/transformer/index.js";
import { Adam, Linear, LSTM } from "../../../src/nn/index.js";
import { manualSeed, mul, noGrad, sum, type Tensor, tensor } from "../../../src/tensor/index.js";
import { describeOnEveryBackend } from "../../helpers/on-backend.js";

const values = (n: number, seed: number) => Array.from({ length: n }, (_, i) => Math.sin(seed + i * 0.37));
const same = (a: Tensor, b: Tensor) => expect([...a.data]).toEqual([...b.data]);

describeOnEveryBackend("weights read after an optimizer step", () => {
  it("linear and LSTM outputs after Adam steps equal a fresh module's with the updated weights", () => {
    manualSeed(3);
    const lin = new Linear(12, 40);
    const lstm = new LSTM({ inputSize: 12, hiddenSize: 16 });
    const x = tensor(values(5 * 12, 1), [5, 12]);
    const seq = tensor(values(4 * 5 * 12, 2), [4, 5, 12]);
    const opt = new Adam([...lin.parameters(), ...lstm.parameters()], { lr: 0.05 });
    for (let step = 0; step < 3; step++) {
      // Forward (so any cache would be filled), backward, update in place.
      const loss = sum(mul(lin.forward(x), lin.forward(x))).add(sum(lstm.forward(seq).output));
      const yBefore = noGrad(() => [...lin.forward(x).data]);
      opt.zeroGrad();
      loss.backward();
      opt.step();
      expect(noGrad(() => [...lin.forward(x).data])).not.toEqual(yBefore);
      manualSeed(3);
      const lin2 = new Linear(12, 40);
      lin2.loadStateDict(lin.stateDict());
      const lstm2 = new LSTM({ inputSize: 12, hiddenSize: 16 });
      lstm2.loadStateDict(lstm.stateDict());
      noGrad(() => {
        same(lin.forward(x), lin2.forward(x));
        same(lstm.forward(seq).output, lstm2.forward(seq).output);
      });
    }
  });
  it("the Transformer's greedy decoding (fused encoder layer and decoder step) after Adam steps", () => {
    manualSeed(4);
    const config = {
      srcVocabSize: 11,
      tgtVocabSize: 12,
      dModel: 16,
      nhead: 2,
      numEncoderLayers: 1,
      numDecoderLayers: 1,
      dimFeedforward: 32,
      dropout: 0,
    };
    const model = new TransformerModel(config);
    const src = Int32Array.from([4, 5, 6, 7, 8, 9]);
    const [B, S] = [2, 3];
    const opt = new Adam(model.parameters(), { lr: 0.05 });
    for (let step = 0; step < 2; step++) {
      model.eval();
      const before = greedyDecode(model, src, B, S, [3, 3], { maxLength: 5 });
      model.train();
      const { logits } = model.forward(src, [3, 3], Int32Array.from([2, 4, 5, 2, 6, 7]), B, S, 3);
      opt.zeroGrad();
      sum(mul(logits, logits)).backward();
      opt.step();
      model.eval();
      const fresh = new TransformerModel(config);
      fresh.loadStateDict(model.stateDict());
      fresh.eval();
      const after = greedyDecode(model, src, B, S, [3, 3], { maxLength: 5 });
      const want = greedyDecode(fresh, src, B, S, [3, 3], { maxLength: 5 });
      expect(after.map((h) => h.tokens)).toEqual(want.map((h) => h.tokens));
      expect(after.map((h) => h.logProb)).toEqual(want.map((h) => h.logProb));
      // The step changed what decoding computes (else the check above says nothing).
      expect(after.map((h) => h.logProb)).not.toEqual(before.map((h) => h.logProb));
    }
  });
});
