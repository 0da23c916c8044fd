/**
 * Multi-layer, optionally bidirectional LSTM (Hochreiter & Schmidhuber 1997; bidirectional:
 * Schuster & Paliwal 1997; deep: Graves et al. 2013), as `torch.nn.LSTM`. Each layer and direction
 * runs the cell of lstm-cell.ts over time:
 *   [i; f; g; o]_t = W_ih x_t + b_ih + W_hh h_{t−1} + b_hh
 *   c_t = σ(f) ⊙ c_{t−1} + σ(i) ⊙ tanh(g),   h_t = σ(o) ⊙ tanh(c_t)
 * The reverse direction runs t = T−1 … 0. Layer k > 0 reads the (concatenated) outputs of layer
 * k − 1, with dropout between layers in training mode (not after the last layer).
 *
 * Shapes (declared once): T time steps, B batch, I inputSize, H hiddenSize, L numLayers,
 * D = 2 if bidirectional else 1. Input (T, B, I), or (B, T, I) with `batchFirst`, or unbatched (T, I).
 * Output (T, B, D·H) (or (B, T, D·H) / (T, D·H)): the top layer's h_t, directions concatenated.
 * States h, c: (L·D, B, H) (or (L·D, H) unbatched), ordered layer 0 forward, layer 0 reverse, …
 *
 * Variable lengths (PyTorch's pack_padded_sequence, enforce_sorted=False, without the packing):
 * with `lengths`, example b has lengths[b] valid steps; at padded steps t ≥ lengths[b] the state is
 * carried unchanged and the output is zero, so the final state of the forward direction is the one
 * at the example's own last step, and the reverse direction starts at that step. The output keeps
 * all T steps, as `pad_packed_sequence(…, total_length=T)`.
 *
 * Speed: the input projection W_ih x + b_ih + b_hh for all steps of a layer and direction is one
 * matmul over (T·B, I); each step then adds one (B, H)·(H, 4H) product.
 *
 * Parameters (PyTorch names): weight_ih_l{k} (4H, I or D·H), weight_hh_l{k} (4H, H), bias_ih_l{k}
 * (4H), bias_hh_l{k} (4H), with suffix `_reverse` for the reverse direction; all U(±1/√H), drawn
 * in that order (seeded by `manualSeed`).
 */
import {
  add,
  composite,
  concat,
  dropout,
  linear,
  mul,
  reshape,
  squeeze,
  stack,
  Tensor,
  tensor,
  transpose,
  unbind,
  unsqueeze,
  zeros,
} from "../tensor/index.js";
import { addLinear } from "../tensor/ops/matmul.js";
import { fmt } from "../tensor/shape.js";
import { type LSTMState, lstmPointwise, rnnParam } from "./lstm-cell.js";
import { Module } from "./module.js";
import { checkOptions } from "./options.js";

/** The configuration of `LSTM` (PyTorch's arguments, in camelCase). */
export interface LSTMConfig {
  inputSize: number;
  hiddenSize: number;
  /** Stacked layers (default 1). */
  numLayers?: number;
  /** Learn biases (default true). */
  bias?: boolean;
  /** Input and output are (B, T, ·) instead of (T, B, ·) (default false, as PyTorch). States are always (L·D, B, H). */
  batchFirst?: boolean;
  /** Dropout probability on the outputs of every layer but the last, in training mode (default 0). */
  dropout?: number;
  /** Add a reverse direction per layer (default false). */
  bidirectional?: boolean;
}

/** Options of `LSTM.forward`. */
export interface LSTMForwardOptions {
  /**
   * Valid steps per example (0 ≤ lengths[b] ≤ T); padded steps neither update the state nor output.
   * A tensor (B) of integers is an input of the traced op (an exported graph's lengths).
   */
  lengths?: ArrayLike<number> | Tensor | null;
}

/** The top layer's outputs at every step, and the final state of every layer and direction. */
export interface LSTMResult extends LSTMState {
  output: Tensor;
}

/**
 * A multi-layer, optionally bidirectional LSTM, as `torch.nn.LSTM` (its parameter names:
 * `weight_ih_l0`, `weight_hh_l0`, `bias_ih_l0`, …).
 */
export class LSTM extends Module {
  readonly inputSize: number;
  readonly hiddenSize: number;
  readonly numLayers: number;
  readonly bias: boolean;
  readonly batchFirst: boolean;
  readonly dropout: number;
  readonly bidirectional: boolean;

  constructor(config: LSTMConfig) {
    super();
    checkOptions("LSTM", config, {
      supported: ["inputSize", "hiddenSize", "numLayers", "bias", "batchFirst", "dropout", "bidirectional"],
      unsupported: { projSize: 0 },
    });
    const { inputSize, hiddenSize, numLayers = 1, bias = true } = config;
    for (const [name, v] of [
      ["inputSize", inputSize],
      ["hiddenSize", hiddenSize],
      ["numLayers", numLayers],
    ] as const) {
      if (!Number.isInteger(v) || v <= 0)
        throw new Error(`LSTM: ${name} must be a positive integer, got ${v}`);
    }
    const p = config.dropout ?? 0;
    if (!(p >= 0 && p < 1)) throw new Error(`LSTM: dropout must be in [0, 1), got ${p}`);
    this.inputSize = inputSize;
    this.hiddenSize = hiddenSize;
    this.numLayers = numLayers;
    this.bias = bias;
    this.batchFirst = config.batchFirst ?? false;
    this.dropout = p;
    this.bidirectional = config.bidirectional ?? false;
    const H = hiddenSize;
    for (let l = 0; l < numLayers; l++) {
      for (let d = 0; d < this.numDirections; d++) {
        const s = suffix(l, d);
        const inSize = l === 0 ? inputSize : this.numDirections * H;
        this.registerParameter(`weight_ih${s}`, rnnParam([4 * H, inSize], H));
        this.registerParameter(`weight_hh${s}`, rnnParam([4 * H, H], H));
        if (bias) {
          this.registerParameter(`bias_ih${s}`, rnnParam([4 * H], H));
          this.registerParameter(`bias_hh${s}`, rnnParam([4 * H], H));
        }
      }
    }
  }

  /** D: 2 when bidirectional, else 1. */
  get numDirections(): number {
    return this.bidirectional ? 2 : 1;
  }

  /**
   * Runs the LSTM over a sequence. `state` is the initial {h, c}, each (L·D, B, H) (or (L·D, H)
   * unbatched), zeros when omitted. Returns {output, h, c} (h, c: final states, same shapes).
   */
  forward(
    input: Tensor,
    state: LSTMState | null = null,
    { lengths = null }: LSTMForwardOptions = {},
  ): LSTMResult {
    // Traced as one op (ONNX has the LSTM whole), whose inputs are those of torch's LSTM.
    const lengthsTensor = lengths instanceof Tensor ? lengths : null;
    const inputs = [input, ...(state ? [state.h, state.c] : []), ...(lengthsTensor ? [lengthsTensor] : [])];
    const attrs = { lstm: this, state: state !== null, lengths: lengthsTensor !== null };
    const [output, h, c] = composite("lstm", inputs, attrs, () => {
      const r = this.run(input, state, lengths instanceof Tensor ? lengths.data : lengths);
      return [r.output, r.h, r.c];
    });
    return { output, h, c };
  }

  private run(input: Tensor, state: LSTMState | null, lengths: ArrayLike<number> | null): LSTMResult {
    const D = this.numDirections;
    const L = this.numLayers;
    const unbatched = input.rank === 2;
    if ((input.rank !== 2 && input.rank !== 3) || input.shape[input.rank - 1] !== this.inputSize) {
      const layout = this.batchFirst ? "(B, T, I)" : "(T, B, I)";
      throw new Error(
        `LSTM.forward: input must be ${layout} or (T, I) with I = ${this.inputSize}, got ${fmt(input.shape)}`,
      );
    }
    // To (T, B, I).
    const x = unbatched ? unsqueeze(input, 1) : this.batchFirst ? transpose(input, 0, 1) : input;
    const [T, B] = x.shape;
    if (T === 0) throw new Error(`LSTM.forward: the input has no time steps (shape ${fmt(input.shape)})`);
    const initial = this.initialStates(state, B, unbatched);
    const masks = lengths === null ? null : stepMasks(lengths, T, B, unbatched);

    let layerInput = x;
    const hs: Tensor[] = [];
    const cs: Tensor[] = [];
    for (let l = 0; l < L; l++) {
      const dirOutputs: Tensor[] = [];
      for (let d = 0; d < D; d++) {
        const k = l * D + d;
        const r = this.runDirection(layerInput, l, d, initial.h[k], initial.c[k], masks);
        dirOutputs.push(r.output);
        hs.push(r.h);
        cs.push(r.c);
      }
      layerInput = D === 1 ? dirOutputs[0] : concat(dirOutputs, 2); // (T, B, D·H)
      if (l < L - 1 && this.dropout > 0 && this.training)
        layerInput = dropout(layerInput, this.dropout, true);
    }
    let output = layerInput;
    let h = stack(hs, 0); // (L·D, B, H)
    let c = stack(cs, 0);
    if (unbatched) {
      output = squeeze(output, 1);
      h = squeeze(h, 1);
      c = squeeze(c, 1);
    } else if (this.batchFirst) {
      output = transpose(output, 0, 1);
    }
    return { output, h, c };
  }

  /** One layer and direction over all steps: x (T, B, In) → outputs (T, B, H) and the final (h, c). */
  private runDirection(
    x: Tensor,
    layer: number,
    dir: number,
    h0: Tensor,
    c0: Tensor,
    masks: (StepMask | null)[] | null,
  ): LSTMResult {
    const [T, B, In] = x.shape;
    const H = this.hiddenSize;
    const s = suffix(layer, dir);
    const wHH = this.param(`weight_hh${s}`);
    const bIH = this.maybeParam(`bias_ih${s}`);
    const bHH = this.maybeParam(`bias_hh${s}`);
    const bias = bIH && bHH ? add(bIH, bHH) : null;
    // Input projection for every step at once: (T·B, In) → (T·B, 4H) → T × (B, 4H).
    const projected = linear(reshape(x, [T * B, In]), this.param(`weight_ih${s}`), bias);
    const steps = unbind(reshape(projected, [T, B, 4 * H]));
    let h = h0;
    let c = c0;
    const outputs = new Array<Tensor>(T);
    for (let n = 0; n < T; n++) {
      const t = dir === 0 ? n : T - 1 - n;
      // (B, 4H): W_ih x_t + b (precomputed) + W_hh h_{t−1}, added into step t's row of the input
      // projection (read by nothing else: the projection's and unbind's backward never read values).
      const gates = addLinear(steps[t], h, wHH, { reuseBase: true });
      const next = lstmPointwise(gates, c, H);
      const m = masks?.[t];
      if (m) {
        // Padded examples keep their state: h_t = m ⊙ h' + (1 − m) ⊙ h_{t−1}; output m ⊙ h'.
        const out = mul(next.h, m.valid);
        outputs[t] = out;
        h = add(out, mul(h, m.padded));
        c = add(mul(next.c, m.valid), mul(c, m.padded));
      } else {
        outputs[t] = next.h;
        h = next.h;
        c = next.c;
      }
    }
    return { output: stack(outputs, 0), h, c };
  }

  /** Per layer-direction initial states (B, H), from the user's (L·D, B, H) or zeros. */
  private initialStates(
    state: LSTMState | null,
    B: number,
    unbatched: boolean,
  ): { h: Tensor[]; c: Tensor[] } {
    const H = this.hiddenSize;
    const LD = this.numLayers * this.numDirections;
    if (!state) {
      const z = zeros([B, H]);
      return { h: new Array(LD).fill(z), c: new Array(LD).fill(z) };
    }
    const want = unbatched ? [LD, H] : [LD, B, H];
    const out: { h: Tensor[]; c: Tensor[] } = { h: [], c: [] };
    for (const name of ["h", "c"] as const) {
      const t = state[name];
      if (t.rank !== want.length || t.shape.some((d, i) => d !== want[i])) {
        throw new Error(
          `LSTM.forward: initial state ${name} must be ${fmt(want)} (L·D, ${unbatched ? "" : "B, "}H), got ${fmt(t.shape)}`,
        );
      }
      out[name] = unbind(unbatched ? unsqueeze(t, 1) : t);
    }
    return out;
  }
}

function suffix(layer: number, dir: number): string {
  return `_l${layer}${dir === 1 ? "_reverse" : ""}`;
}

/** Which examples are real (1) or padding (0) at one step, as (B, 1) columns; null when all are real. */
interface StepMask {
  valid: Tensor;
  padded: Tensor;
}

function stepMasks(
  lengths: ArrayLike<number>,
  T: number,
  B: number,
  unbatched: boolean,
): (StepMask | null)[] {
  if (lengths.length !== B) {
    throw new Error(
      `LSTM.forward: lengths has ${lengths.length} entries but the batch has ${B}${unbatched ? " (unbatched input)" : ""}`,
    );
  }
  for (let b = 0; b < B; b++) {
    const n = lengths[b];
    if (!Number.isInteger(n) || n < 0 || n > T) {
      throw new Error(`LSTM.forward: lengths[${b}] = ${n} must be an integer in [0, ${T}] (T = ${T} steps)`);
    }
  }
  return Array.from({ length: T }, (_, t) => {
    const valid = new Float32Array(B);
    let all = true;
    for (let b = 0; b < B; b++) {
      valid[b] = t < lengths[b] ? 1 : 0;
      if (valid[b] === 0) all = false;
    }
    if (all) return null;
    return {
      valid: tensor(valid, [B, 1]),
      padded: tensor(
        valid.map((v) => 1 - v),
        [B, 1],
      ),
    };
  });
}
