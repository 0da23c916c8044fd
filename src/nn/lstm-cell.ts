/**
 * LSTM cell (Hochreiter & Schmidhuber 1997, "Long Short-Term Memory"; with the forget gate of
 * Gers, Schmidhuber & Cummins 2000), as `torch.nn.LSTMCell`. With gates in PyTorch's order
 * (input i, forget f, cell candidate g, output o):
 *   [i; f; g; o] = W_ih x + b_ih + W_hh h + b_hh            (4H rows)
 *   i = σ(i),  f = σ(f),  g = tanh(g),  o = σ(o)
 *   c' = f ⊙ c + i ⊙ g,   h' = o ⊙ tanh(c')
 * Shapes: B batch, I inputSize, H hiddenSize. Parameters `weight_ih` (4H, I), `weight_hh` (4H, H),
 * `bias_ih` (4H), `bias_hh` (4H), all U(±1/√H) in that order (PyTorch's init), seeded by `manualSeed`.
 */
import { backend } from "../kernels/registry.js";
import {
  add,
  isTracing,
  linear,
  mul,
  record,
  reshape,
  sigmoid,
  slice,
  squeeze,
  Tensor,
  tanh,
  unbind,
  unsqueeze,
  zeros,
} from "../tensor/index.js";
import { addLinear } from "../tensor/ops/matmul.js";
import { fmt } from "../tensor/shape.js";
import { uniform } from "./init.js";
import { Module } from "./module.js";
import { checkOptions } from "./options.js";

/** The recurrent state of an LSTM: hidden h and cell c. */
export interface LSTMState {
  h: Tensor;
  c: Tensor;
}

/**
 * The element-wise part of an LSTM step: pre-activation gates (B, 4H) in order i, f, g, o and the
 * previous cell (B, H) → new (h, c). On a backend with the fused LSTM kernels (native) it is one
 * kernel and one autograd node; elsewhere the ops below, one per term.
 */
export function lstmPointwise(gates: Tensor, c: Tensor, hiddenSize: number): LSTMState {
  const [B, H] = [gates.shape[0], hiddenSize];
  const be = backend();
  if (be.lstmCell && be.lstmCellBackward) {
    const r = be.lstmCell(gates.data, c.data, B, H);
    const hc = record(new Tensor(r.hc, [2, B, H]), "lstmCell", [gates, c], (g) => {
      const d = be.lstmCellBackward!(r.act, c.data, g.data, B, H);
      return [new Tensor(d.dGates, [B, 4 * H]), new Tensor(d.dc, [B, H])];
    });
    const [h, cNext] = unbind(hc); // two views: no copies either way
    return { h, c: cNext };
  }
  const g4 = reshape(gates, [B, 4, H]); // (B, 4H) → (B, 4, H): each gate a contiguous row
  const gate = (k: number) => reshape(slice(g4, 1, k, k + 1), [B, H]);
  const i = sigmoid(gate(0));
  const f = sigmoid(gate(1));
  const g = tanh(gate(2));
  const o = sigmoid(gate(3));
  const cNext = add(mul(f, c), mul(i, g));
  return { h: mul(o, tanh(cNext)), c: cNext };
}

/** Uniform U(±1/√H) parameter of the given shape (PyTorch's RNN init). */
export function rnnParam(shape: number[], hiddenSize: number): Tensor {
  const k = 1 / Math.sqrt(hiddenSize);
  return uniform(zeros(shape), -k, k);
}

/** The configuration of `LSTMCell`. */
export interface LSTMCellConfig {
  inputSize: number;
  hiddenSize: number;
  /** Learn biases b_ih and b_hh (default true). */
  bias?: boolean;
}

/**
 * One LSTM step, as `torch.nn.LSTMCell`: (x, (h, c)) → (h′, c′), gates in PyTorch's order i, f, g, o.
 */
export class LSTMCell extends Module {
  readonly inputSize: number;
  readonly hiddenSize: number;
  readonly bias: boolean;

  constructor(config: LSTMCellConfig) {
    super();
    checkOptions("LSTMCell", config, { supported: ["inputSize", "hiddenSize", "bias"] });
    const { inputSize, hiddenSize, bias = true } = config;
    if (!Number.isInteger(inputSize) || inputSize <= 0 || !Number.isInteger(hiddenSize) || hiddenSize <= 0) {
      throw new Error(
        `LSTMCell: inputSize (${inputSize}) and hiddenSize (${hiddenSize}) must be positive integers`,
      );
    }
    this.inputSize = inputSize;
    this.hiddenSize = hiddenSize;
    this.bias = bias;
    const H = hiddenSize;
    this.registerParameter("weight_ih", rnnParam([4 * H, inputSize], H));
    this.registerParameter("weight_hh", rnnParam([4 * H, H], H));
    if (bias) {
      this.registerParameter("bias_ih", rnnParam([4 * H], H));
      this.registerParameter("bias_hh", rnnParam([4 * H], H));
    }
  }

  /**
   * One step: x (B, I) or unbatched (I), state {h, c} of (B, H) or (H) (zeros when omitted)
   * → the new state {h, c}.
   */
  forward(x: Tensor, state: LSTMState | null = null): LSTMState {
    const H = this.hiddenSize;
    const unbatched = x.rank === 1;
    if ((x.rank !== 1 && x.rank !== 2) || x.shape[x.rank - 1] !== this.inputSize) {
      throw new Error(
        `LSTMCell.forward: input must be (B, ${this.inputSize}) or (${this.inputSize}), got ${fmt(x.shape)}`,
      );
    }
    const x2 = unbatched ? unsqueeze(x, 0) : x;
    const B = x2.shape[0];
    let h: Tensor;
    let c: Tensor;
    if (state) {
      const want = unbatched ? [H] : [B, H];
      for (const [name, t] of [
        ["h", state.h],
        ["c", state.c],
      ] as const) {
        if (t.rank !== want.length || t.shape.some((d, k) => d !== want[k])) {
          throw new Error(
            `LSTMCell.forward: state ${name} must be ${fmt(want)} for input ${fmt(x.shape)}, got ${fmt(t.shape)}`,
          );
        }
      }
      h = unbatched ? unsqueeze(state.h, 0) : state.h;
      c = unbatched ? unsqueeze(state.c, 0) : state.c;
    } else {
      h = zeros([B, H]);
      c = zeros([B, H]);
    }
    // gates = (W_ih x + b_ih + b_hh) + W_hh h: the recurrent product added into the input part.
    // While tracing (ONNX export), the two linear maps and their sum, as exported before.
    const bIH = this.maybeParam("bias_ih");
    const bHH = this.maybeParam("bias_hh");
    const gates = isTracing()
      ? add(linear(x2, this.param("weight_ih"), bIH), linear(h, this.param("weight_hh"), bHH))
      : addLinear(
          linear(x2, this.param("weight_ih"), bIH && bHH ? add(bIH, bHH) : null),
          h,
          this.param("weight_hh"),
          { reuseBase: true }, // the input part was made just for this sum
        );
    const next = lstmPointwise(gates, c, H);
    return unbatched ? { h: squeeze(next.h, 0), c: squeeze(next.c, 0) } : next;
  }
}
