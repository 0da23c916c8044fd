/**
 * Tensor: a float32 array with a shape, and reverse-mode automatic differentiation.
 *
 * Every op that produces a tensor from tensors that require gradients records a `GradNode`: its
 * parents and a function mapping the output's gradient to the parents' gradients (written with
 * public ops, once for all backends). `backward()` walks the graph in reverse topological order and
 * accumulates `.grad` on leaf tensors (those created by the user with `requiresGrad: true`).
 */
import { backend } from "../kernels/registry.js";
import { isMetaDevice } from "./meta.js";
import type { AttrArgs, CompositeOpName, GradNode, OpAttrs, OpName } from "./op-names.js";
import * as ops from "./ops/index.js";
import { checkShape, fmt, type Shape, sameShape, sizeOf } from "./shape.js";

export type { GradNode } from "./op-names.js";

let gradEnabled = true;

/** True unless inside `noGrad`. */
export function isGradEnabled(): boolean {
  return gradEnabled;
}

/** Runs `fn` without recording gradients (like `torch.no_grad()`). */
export function noGrad<T>(fn: () => T): T {
  const prev = gradEnabled;
  gradEnabled = false;
  try {
    return fn();
  } finally {
    gradEnabled = prev;
  }
}

/** Arrays at least this long are summed by the backend's `addInto` kernel where it has one. */
const KERNEL_ADD_INTO = 4096;

/**
 * into += from, element by element (float32 sums: each double sum of two floats rounds to the float
 * sum). Gradient accumulation only: the backend's in-place kernel for long arrays (a weight's
 * gradient from every time step), a loop for short ones, where a call costs more than the sum.
 */
function addInto(into: Float32Array, from: Float32Array): void {
  const kernel = into.length >= KERNEL_ADD_INTO ? backend().addInto : undefined;
  if (kernel) kernel.call(backend(), into, from);
  else for (let i = 0; i < into.length; i++) into[i] += from[i];
}

/** Nested arrays of numbers, as `tensor()` and `toArray()` read and write them. */
export type NestedArray = number | NestedArray[];

/** Node's `util.inspect.custom` (a registered symbol, so no import of node:util). */
const inspectCustom: unique symbol = Symbol.for("nodejs.util.inspect.custom") as never;

/**
 * A float32 n-dimensional array with a shape and reverse-mode autograd (as `torch.Tensor`):
 * `data` (row-major Float32Array), `shape`, `requiresGrad`, `grad` (null until `backward()` fills it).
 * `String(t)` prints the values as torch does.
 *
 * @example
 * const x = tensor([1, 2, 3], [3], { requiresGrad: true });
 * sum(mul(x, x)).backward();
 * x.grad?.toArray(); // [2, 4, 6]
 */
export class Tensor {
  readonly data: Float32Array;
  readonly shape: readonly number[];
  /** Whether gradients flow to (leaf) or through (non-leaf) this tensor. */
  requiresGrad: boolean;
  /** Accumulated dL/d(this) after `backward()` (leaves, and tensors marked with `retainGrad()`). */
  grad: Tensor | null = null;
  /** The op that produced this tensor, when it was recorded for autograd. */
  node: GradNode | null = null;
  private retains = false;

  constructor(data: Float32Array, shape: Shape, requiresGrad = false) {
    checkShape("tensor", shape);
    if (data.length !== sizeOf(shape) && !(data.length === 0 && isMetaDevice())) {
      throw new Error(
        `tensor: data has ${data.length} elements but shape ${fmt(shape)} needs ${sizeOf(shape)}`,
      );
    }
    this.data = data;
    this.shape = Object.freeze([...shape]);
    this.requiresGrad = requiresGrad;
  }

  get rank(): number {
    return this.shape.length;
  }

  get size(): number {
    return this.data.length;
  }

  /** True for tensors created by the user (not the output of a recorded op). */
  get isLeaf(): boolean {
    return this.node === null;
  }

  /** Nested JS arrays (a number for a scalar). */
  toArray(): NestedArray {
    const build = (dim: number, offset: number): NestedArray => {
      if (dim === this.shape.length) return this.data[offset];
      const stride = sizeOf(this.shape.slice(dim + 1));
      const out: NestedArray[] = [];
      for (let i = 0; i < this.shape[dim]; i++) out.push(build(dim + 1, offset + i * stride));
      return out;
    };
    return build(0, 0);
  }

  /** The value of a one-element tensor. */
  item(): number {
    if (this.size !== 1)
      throw new Error(`item: tensor of shape ${fmt(this.shape)} has ${this.size} elements, not 1`);
    return this.data[0];
  }

  /** A tensor sharing no graph with this one (same values, no gradient). */
  detach(): Tensor {
    return new Tensor(this.data, this.shape, false);
  }

  /** Marks a non-leaf tensor so `backward()` stores its gradient too. */
  retainGrad(): this {
    this.retains = true;
    return this;
  }

  /** Sets `requiresGrad` and returns this (for chaining on leaves). */
  requireGrad(flag = true): this {
    if (!this.isLeaf) throw new Error("requireGrad: only leaf tensors can change requiresGrad");
    this.requiresGrad = flag;
    return this;
  }

  /**
   * Back-propagates from this tensor. Without `grad`, the tensor must hold one element (a loss) and
   * dL/dL = 1 is used. Gradients accumulate into `.grad` (call `zeroGrad` between steps).
   */
  backward(grad?: Tensor): void {
    if (!this.requiresGrad) {
      throw new Error("backward: this tensor does not require grad (no input had requiresGrad: true)");
    }
    let seed = grad;
    if (!seed) {
      if (this.size !== 1) {
        throw new Error(
          `backward: grad can be omitted only for one-element outputs, got shape ${fmt(this.shape)}`,
        );
      }
      seed = new Tensor(new Float32Array([1]), this.shape);
    } else if (!sameShape(seed.shape, this.shape)) {
      throw new Error(`backward: grad of shape ${fmt(seed.shape)} does not match output ${fmt(this.shape)}`);
    }
    // Reverse topological order by iterative depth-first search.
    const order: Tensor[] = [];
    const seen = new Set<Tensor>();
    const stack: [Tensor, number][] = [[this, 0]];
    seen.add(this);
    while (stack.length > 0) {
      const top = stack[stack.length - 1];
      const [t, i] = top;
      const parents = t.node?.parents ?? [];
      if (i < parents.length) {
        top[1]++;
        const p = parents[i];
        if (p.requiresGrad && !seen.has(p)) {
          seen.add(p);
          stack.push([p, 0]);
        }
      } else {
        stack.pop();
        order.push(t);
      }
    }
    const grads = new Map<Tensor, Tensor>([[this, seed]]);
    // Sums made here (a tensor's second gradient and on), which nothing else holds: later gradients
    // of the same tensor are added into them in place, rather than a new array per addition (a
    // decoder's memory gets one or two per output step). A sum leaves the set when its tensor's
    // backward runs, since that may hand it on, shared, to several parents.
    const ownSums = new Set<Tensor>();
    // Leaves' kept .grad arrays (zeroGrad({ setToNone: false })), by how many of this backward's
    // gradients they hold (0 or 1). One is handed to the ops like an own sum only where that gives
    // the numbers a fresh .grad gets, so a run that kept its gradients and one that starts from null
    // (a resumed run's first step) stay equal bit for bit: the first gradient may be added into it
    // (into zeros that is the product itself), the second is computed alone and then added (as a
    // fresh first + second), the third on are added into it (as into an own sum).
    const kept = new Map<Tensor, number>();
    noGrad(() => {
      for (let k = order.length - 1; k >= 0; k--) {
        const t = order[k];
        const g = grads.get(t);
        if (!g) continue;
        grads.delete(t);
        ownSums.delete(g);
        kept.delete(g);
        // A fresh buffer per leaf: ops may hand the same gradient tensor (or a view of its data) to
        // several parents, and optimizers must be free to change one leaf's .grad in place. A leaf's
        // existing .grad is added into in place (PyTorch's AccumulateGrad), and is already the sum
        // when it was handed to the ops below.
        if (t.node === null || t.retains) {
          if (g === t.grad) {
            // accumulated in place
          } else if (t.grad && sameShape(t.grad.shape, g.shape) && t.grad.data.length === g.data.length) {
            addInto(t.grad.data, g.data);
          } else {
            t.grad = t.grad ? ops.add(t.grad, g) : new Tensor(Float32Array.from(g.data), t.shape);
          }
        }
        if (t.node === null) continue;
        // The parents' gradient sums that are ours to add into (an op may add into them itself): sums
        // made here, and a leaf's kept .grad for its first gradient (a weight's gradient product then
        // goes straight into it, no array per step).
        let sums: (Tensor | null)[] | undefined;
        for (let i = 0; i < t.node.parents.length; i++) {
          const p = t.node.parents[i];
          let prev = grads.get(p);
          if (!prev && p.node === null && p.requiresGrad && p.grad && sameShape(p.grad.shape, p.shape)) {
            prev = p.grad;
            grads.set(p, prev);
            kept.set(prev, 0);
          }
          if (!prev) continue;
          const first = kept.get(prev) === 0 && !sums?.includes(prev); // one slot, if p is two parents
          if (ownSums.has(prev) || first) (sums ??= new Array(t.node.parents.length).fill(null))[i] = prev;
        }
        const pg = t.node.backward(g, sums);
        t.node.parents.forEach((p, i) => {
          const gi = pg[i];
          if (!p.requiresGrad) return;
          const prev = grads.get(p);
          const held = prev ? kept.get(prev) : undefined;
          if (prev && held !== undefined) {
            // A kept .grad: this slot's gradient was added into it by the op, or is added now.
            if (!gi && sums?.[i] !== prev) return; // no gradient flowed here
            if (gi && gi.data.length !== prev.data.length) {
              kept.delete(prev);
              grads.set(p, ops.add(prev, gi));
              return;
            }
            if (gi) addInto(prev.data, gi.data);
            if (held >= 1) {
              kept.delete(prev);
              ownSums.add(prev);
            } else kept.set(prev, 1);
            return;
          }
          if (!gi) return;
          if (!prev) grads.set(p, gi);
          else if (
            ownSums.has(prev) &&
            sameShape(prev.shape, gi.shape) &&
            gi.data.length === prev.data.length
          ) {
            addInto(prev.data, gi.data);
          } else {
            const sum = ops.add(prev, gi);
            if (sum !== prev && sum !== gi) ownSums.add(sum);
            grads.set(p, sum);
          }
        });
      }
    });
  }

  /** Clears `.grad`. */
  zeroGrad(): void {
    this.grad = null;
  }

  /**
   * The values as PyTorch prints them: `tensor([[1.0000, 2.5000], …], requires_grad=True)`, nested by
   * shape, with torch's choice of fixed, integer or scientific notation (precision 4) and, past 1000
   * elements, only the first and last 3 items of each dimension around `...`. A recorded result
   * names its op (`grad_fn=<MatmulBackward>`); a tensor without values (meta device) its size.
   */
  toString(): string {
    return formatTensor(this);
  }

  /** What Node's `console.log` and `util.inspect` show: `toString()`. */
  [inspectCustom](): string {
    return this.toString();
  }

  // Chaining conveniences; each is the public op of the same name.
  /** `add(this, o)`: element-wise sum with broadcasting. */
  add(o: Tensor | number): Tensor {
    return ops.add(this, o);
  }
  /** `sub(this, o)`: element-wise difference with broadcasting. */
  sub(o: Tensor | number): Tensor {
    return ops.sub(this, o);
  }
  /** `mul(this, o)`: element-wise product with broadcasting. */
  mul(o: Tensor | number): Tensor {
    return ops.mul(this, o);
  }
  /** `div(this, o)`: element-wise quotient with broadcasting. */
  div(o: Tensor | number): Tensor {
    return ops.div(this, o);
  }
  /** `matmul(this, o)`: the matrix product, batched over leading axes (`torch.matmul`). */
  matmul(o: Tensor): Tensor {
    return ops.matmul(this, o);
  }
  /** `neg(this)`: −x. */
  neg(): Tensor {
    return ops.neg(this);
  }
  /** `exp(this)`: eˣ. */
  exp(): Tensor {
    return ops.exp(this);
  }
  /** `log(this)`: ln x. */
  log(): Tensor {
    return ops.log(this);
  }
  /** `tanh(this)`. */
  tanh(): Tensor {
    return ops.tanh(this);
  }
  /** `sigmoid(this)`: 1 / (1 + e⁻ˣ). */
  sigmoid(): Tensor {
    return ops.sigmoid(this);
  }
  /** `relu(this)`: max(0, x). */
  relu(): Tensor {
    return ops.relu(this);
  }
  /** `sum(this, axis, keepDims)`: the sum over `axis` (all axes when left out). */
  sum(axis?: number | number[], keepDims = false): Tensor {
    return ops.sum(this, axis, keepDims);
  }
  /** `mean(this, axis, keepDims)`: the mean over `axis` (all axes when left out). */
  mean(axis?: number | number[], keepDims = false): Tensor {
    return ops.mean(this, axis, keepDims);
  }
  /** `max(this, axis, keepDims)`: the maximum over `axis` (all axes when left out). */
  max(axis?: number | number[], keepDims = false): Tensor {
    return ops.max(this, axis, keepDims);
  }
  /** `softmax(this, axis)`: softmax along `axis` (default the last). */
  softmax(axis = -1): Tensor {
    return ops.softmax(this, axis);
  }
  /** `logSoftmax(this, axis)`: log softmax along `axis` (default the last). */
  logSoftmax(axis = -1): Tensor {
    return ops.logSoftmax(this, axis);
  }
  /** `reshape(this, shape)`: the same elements in a new shape (one axis may be −1). */
  reshape(shape: Shape): Tensor {
    return ops.reshape(this, shape);
  }
  /** `transpose(this, a, b)`: axes a and b swapped (default the last two). */
  transpose(a = -2, b = -1): Tensor {
    return ops.transpose(this, a, b);
  }
  /** `permute(this, perm)`: the axes reordered (`torch.permute`). */
  permute(perm: readonly number[]): Tensor {
    return ops.permute(this, perm);
  }
}

/**
 * Attaches a grad node to `out` when gradients are enabled and some parent requires them — and,
 * while tracing (`trace`), always, so the graph of a forward pass is recorded whatever requires
 * grad. `op` is one of `OpName` (src/tensor/op-names.ts); `attrs` are its non-tensor arguments, typed
 * per op (`OpAttrs`), for exporters.
 */
export function record<O extends OpName>(
  out: Tensor,
  op: O,
  parents: Tensor[],
  backward: GradNode["backward"],
  ...[attrs]: AttrArgs<OpAttrs[O]>
): Tensor {
  const grad = gradEnabled && parents.some((p) => p.requiresGrad);
  if (grad || tracer) {
    if (grad) out.requiresGrad = true;
    out.node = { op, parents, backward, ...(attrs && { attrs }) } as GradNode;
    tracer?.(out.node);
  }
  return out;
}

let tracer: ((node: GradNode) => void) | null = null;

/**
 * Runs `fn` recording a node for every op (in order, passed to `onNode`), gradients or not: the
 * graph an exporter walks. Tensors made inside keep their nodes; do not train through a trace.
 */
export function trace<T>(fn: () => T, onNode: (node: GradNode) => void = () => {}): T {
  const prev = tracer;
  tracer = onNode;
  try {
    return fn();
  } finally {
    tracer = prev;
  }
}

/** True inside `trace`. */
export function isTracing(): boolean {
  return tracer !== null;
}

/**
 * A composite op: `fn` computes `outputs` from `inputs` with other ops. Outside a trace this is just
 * `fn()`. Inside one, the ops of `fn` are not traced; each output gets one node `op` over `inputs`
 * (with `attrs` and its output index), so an exporter sees e.g. one "lstm" or "linear" instead of
 * the steps that compute it. Use it where an exchange format has the whole op (ONNX LSTM, Gemm) or
 * where the op's arguments (a slice's bounds) say more than the steps do.
 */
export function composite<T extends Tensor | Tensor[], O extends CompositeOpName = CompositeOpName>(
  op: O,
  inputs: Tensor[],
  attrs: OpAttrs[O],
  fn: () => T,
): T {
  if (!tracer) return fn();
  const outer = tracer;
  tracer = null;
  let out: T;
  try {
    out = fn();
  } finally {
    tracer = outer;
  }
  const list = Array.isArray(out) ? out : [out];
  const call = { ...attrs, outputs: list.length };
  list.forEach((t, i) => {
    if (inputs.includes(t)) return; // an input passed through unchanged (a full slice)
    t.node = {
      op,
      parents: inputs,
      backward: () => {
        throw new Error(`${op}: a traced graph is for export; run the forward outside trace() to train`);
      },
      attrs: { ...call, output: i, call },
    } as GradNode;
    outer(t.node);
  });
  return out;
}

// ---------------------------------------------------------------------------------------------
// Printing, as torch/_tensor_str.py with the default print options.

const PRINT = { precision: 4, threshold: 1000, edgeItems: 3, lineWidth: 80 };

function formatTensor(t: Tensor): string {
  const prefix = "tensor(";
  const indent = prefix.length;
  const suffixes: string[] = [];
  const n = sizeOf(t.shape);
  let body: string;
  if (t.data.length !== n) {
    body = "...";
    suffixes.push("device='meta'", `size=${pyTuple(t.shape)}`);
  } else if (n === 0) {
    body = "[]";
    if (t.rank !== 1) suffixes.push(`size=${pyTuple(t.shape)}`);
  } else {
    const summarize = n > PRINT.threshold;
    const format = valueFormatter(summarize ? summarized(t) : t.data);
    body = nestedString(t, summarize, format, indent);
  }
  if (t.node && t.requiresGrad)
    suffixes.push(`grad_fn=<${t.node.op[0].toUpperCase()}${t.node.op.slice(1)}Backward>`);
  else if (t.requiresGrad) suffixes.push("requires_grad=True");
  let out = prefix + body;
  let lastLine = out.length - out.lastIndexOf("\n") + 1;
  for (const suffix of suffixes) {
    if (lastLine + suffix.length + 2 > PRINT.lineWidth) {
      out += `,\n${" ".repeat(indent)}${suffix}`;
      lastLine = indent + suffix.length;
    } else {
      out += `, ${suffix}`;
      lastLine += suffix.length + 2;
    }
  }
  return `${out})`;
}

function pyTuple(shape: readonly number[]): string {
  return shape.length === 1 ? `(${shape[0]},)` : `(${shape.join(", ")})`;
}

/** The indices printed along an axis of length `len`: all, or the edge items around -1 (`...`). */
function printedIndices(len: number, summarize: boolean): number[] {
  const e = PRINT.edgeItems;
  if (!summarize || len <= 2 * e) return Array.from({ length: len }, (_, i) => i);
  return [...Array.from({ length: e }, (_, i) => i), -1, ...Array.from({ length: e }, (_, i) => len - e + i)];
}

function strides(shape: readonly number[]): number[] {
  const out = new Array<number>(shape.length).fill(1);
  for (let i = shape.length - 2; i >= 0; i--) out[i] = out[i + 1] * shape[i + 1];
  return out;
}

/** The values that are printed (torch's get_summarized_data), which choose the notation and width. */
function summarized(t: Tensor): number[] {
  const out: number[] = [];
  const st = strides(t.shape);
  const walk = (dim: number, offset: number) => {
    if (dim === t.rank) {
      out.push(t.data[offset]);
      return;
    }
    for (const i of printedIndices(t.shape[dim], true)) if (i >= 0) walk(dim + 1, offset + i * st[dim]);
  };
  walk(0, 0);
  return out;
}

function nestedString(
  t: Tensor,
  summarize: boolean,
  format: { width: number; format: (v: number) => string },
  indent0: number,
): string {
  if (t.rank === 0) return format.format(t.data[0]);
  const st = strides(t.shape);
  const walk = (dim: number, offset: number, indent: number): string => {
    const idx = printedIndices(t.shape[dim], summarize);
    if (dim === t.rank - 1) {
      const perLine = Math.max(1, Math.floor((PRINT.lineWidth - indent) / (format.width + 2)));
      const items = idx.map((i) => (i < 0 ? " ..." : format.format(t.data[offset + i])));
      const lines: string[] = [];
      for (let i = 0; i < items.length; i += perLine) lines.push(items.slice(i, i + perLine).join(", "));
      return `[${lines.join(`,\n${" ".repeat(indent + 1)}`)}]`;
    }
    const slices = idx.map((i) => (i < 0 ? "..." : walk(dim + 1, offset + i * st[dim], indent + 1)));
    return `[${slices.join(`,${"\n".repeat(t.rank - dim - 1)}${" ".repeat(indent + 1)}`)}]`;
  };
  return walk(0, 0, indent0);
}

/** torch's _Formatter: integer ("1."), fixed ("1.2500") or scientific ("1.2500e+03") notation, one width. */
function valueFormatter(values: ArrayLike<number>): { width: number; format: (v: number) => string } {
  const p = PRINT.precision;
  let intMode = true;
  let sci = false;
  let width = 1;
  const finite: number[] = [];
  for (let i = 0; i < values.length; i++) {
    const v = values[i];
    if (Number.isFinite(v) && v !== 0) finite.push(v);
  }
  if (finite.length > 0) {
    let min = Infinity;
    let max = 0;
    for (const v of finite) {
      min = Math.min(min, Math.abs(v));
      max = Math.max(max, Math.abs(v));
      if (v !== Math.ceil(v)) intMode = false;
    }
    const wide = max / min > 1000 || max > 1e8;
    sci = intMode ? wide : wide || min < 1e-4;
    for (const v of finite) {
      const s = sci ? toExponential(v, p) : intMode ? `${toFixed(v, 0)}.` : toFixed(v, p);
      width = Math.max(width, s.length);
    }
  }
  const format = (v: number) => {
    let s: string;
    if (Number.isNaN(v)) s = "nan";
    else if (!Number.isFinite(v)) s = v > 0 ? "inf" : "-inf";
    else if (sci) s = toExponential(v, p);
    else if (intMode) s = `${toFixed(v, 0)}.`;
    else s = toFixed(v, p);
    return s.padStart(width);
  };
  return { width, format };
}

/** |x| = n / 10^scale exactly, for a finite double x. */
function exactDecimal(x: number): { negative: boolean; n: bigint; scale: number } {
  const view = new DataView(new ArrayBuffer(8));
  view.setFloat64(0, x);
  const hi = view.getUint32(0);
  const negative = hi >>> 31 === 1;
  const bits = (hi >>> 20) & 0x7ff;
  let mantissa = (BigInt(hi & 0xfffff) << 32n) | BigInt(view.getUint32(4));
  let exp = bits === 0 ? -1074 : bits - 1075;
  if (bits !== 0) mantissa |= 1n << 52n;
  if (mantissa === 0n) return { negative, n: 0n, scale: 0 };
  while ((mantissa & 1n) === 0n) {
    mantissa >>= 1n;
    exp++;
  }
  if (exp >= 0) return { negative, n: mantissa << BigInt(exp), scale: 0 };
  return { negative, n: mantissa * 5n ** BigInt(-exp), scale: -exp };
}

/** n / 10^drop rounded half to even (Python's float formatting rounds the exact value so). */
function roundDrop(n: bigint, drop: number): bigint {
  if (drop <= 0) return n * 10n ** BigInt(-drop);
  const d = 10n ** BigInt(drop);
  const q = n / d;
  const r2 = (n % d) * 2n;
  return r2 > d || (r2 === d && (q & 1n) === 1n) ? q + 1n : q;
}

/** Python's `f"{x:.{digits}f}"` for a finite x. */
function toFixed(x: number, digits: number): string {
  const { negative, n, scale } = exactDecimal(x);
  const s = roundDrop(n, scale - digits)
    .toString()
    .padStart(digits + 1, "0");
  const body = digits === 0 ? s : `${s.slice(0, -digits)}.${s.slice(-digits)}`;
  return negative ? `-${body}` : body;
}

/** Python's `f"{x:.{digits}e}"` for a finite x. */
function toExponential(x: number, digits: number): string {
  const { negative, n, scale } = exactDecimal(x);
  let e = 0;
  let m = "0".repeat(digits + 1);
  if (n !== 0n) {
    const len = n.toString().length;
    let q = roundDrop(n, len - (digits + 1));
    e = len - 1 - scale;
    if (q.toString().length > digits + 1) {
      q /= 10n;
      e++;
    }
    m = q.toString();
  }
  const body = `${m[0]}${digits > 0 ? `.${m.slice(1)}` : ""}e${e < 0 ? "-" : "+"}${String(Math.abs(e)).padStart(2, "0")}`;
  return negative ? `-${body}` : body;
}
