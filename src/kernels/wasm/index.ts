/**
 * The wasm backend: the kernel contract on WebAssembly SIMD128 (AssemblyScript sources in
 * wasm/assembly/, embedded by `npm run build:wasm`), multi-threaded over a shared memory
 * in Node and in a dedicated Worker of a cross-origin isolated page (threads.ts).
 * Same contract, same conformance suite as the reference backend (test/kernels/conformance.test.ts).
 *
 * Each call copies its inputs into the wasm arena, runs the kernel (on several threads when the work
 * is large enough to pay for it), and copies its output out into an array of the output pool
 * (src/kernels/pool.ts: memory used again in browsers, a fresh Float32Array in Node).
 */
import type { AttentionGrads, Backend, FusedAttentionParams, MatmulParams } from "../contract.js";
import {
  BINARY_CODE,
  COSTLY_UNARY,
  PAR_ATTENTION,
  PAR_ELEMENTWISE,
  PAR_MATMUL,
  PAR_TRANSCENDENTAL,
  REDUCE_CODE,
  UNARY_CODE,
} from "../op-codes.js";
import { uninitArray } from "../pool.js";
import {
  attentionIsEmpty,
  checkSoftmaxOut,
  checkThreadCount,
  collapseAxes,
  emptyAttention,
  permuteWalk,
  REDUCE_IDENTITY,
  zeroAttentionGrads,
} from "../shared.js";
import { broadcastStrides } from "../strides.js";
import { type RuntimeOptions, type RuntimeStats, WasmRuntime } from "./runtime.js";
import { threadSupport } from "./threads.js";

const UNARY = UNARY_CODE;
const BINARY = BINARY_CODE;
const REDUCE = REDUCE_CODE;

const ceil = (n: number, m: number) => Math.ceil(n / m) * m;
const BLOCK = 64; // keys per block in the attention kernels (BC in wasm/assembly/attention.ts)

/** The wasm backend, with its thread and memory controls. */
export interface WasmBackend extends Backend {
  readonly runtime: WasmRuntime;
  /** Counters of serial and parallel jobs by kernel. */
  readonly stats: RuntimeStats;
}

/** Copies (groups, rows, cols) into (groups, rowsPad, colsPad) at `ptr`, zero padded. */
function putPadded(
  rt: WasmRuntime,
  src: Float32Array,
  groups: number,
  rows: number,
  cols: number,
  ptr: number,
  rowsPad: number,
  colsPad: number,
  fill = 0,
): void {
  const f = rt.f32;
  const base = ptr >>> 2;
  if (rows === rowsPad && cols === colsPad) {
    f.set(src, base);
    return;
  }
  f.fill(fill, base, base + groups * rowsPad * colsPad);
  if (cols === colsPad) {
    for (let g = 0; g < groups; g++) {
      f.set(src.subarray(g * rows * cols, (g + 1) * rows * cols), base + g * rowsPad * colsPad);
    }
    return;
  }
  for (let g = 0; g < groups; g++) {
    for (let r = 0; r < rows; r++) {
      const s = (g * rows + r) * cols;
      f.set(src.subarray(s, s + cols), base + (g * rowsPad + r) * colsPad);
    }
  }
}

/** The inverse of putPadded: a fresh (groups, rows, cols) array. */
function takePadded(
  rt: WasmRuntime,
  ptr: number,
  groups: number,
  rows: number,
  cols: number,
  rowsPad: number,
  colsPad: number,
): Float32Array {
  if (rows === rowsPad && cols === colsPad) return rt.take(ptr, groups * rows * cols);
  const f = rt.f32;
  const base = ptr >>> 2;
  const out = uninitArray(groups * rows * cols);
  for (let g = 0; g < groups; g++) {
    if (cols === colsPad) {
      const s = base + g * rowsPad * colsPad;
      out.set(f.subarray(s, s + rows * cols), g * rows * cols);
      continue;
    }
    for (let r = 0; r < rows; r++) {
      const s = base + (g * rowsPad + r) * colsPad;
      out.set(f.subarray(s, s + cols), (g * rows + r) * cols);
    }
  }
  return out;
}

type ArithmeticKernels = Pick<Backend, "unary" | "binary" | "matmul" | "reduce" | "softmax" | "argmax"> &
  Required<Pick<Backend, "matmulAccumulate">>;
type LayoutKernels = Pick<Backend, "permute" | "indexSelect" | "indexAdd" | "concat">;
type AttentionKernels = Required<Pick<Backend, "attentionForward" | "attentionBackward">>;

/** The element-wise, matrix and axis-wise kernels on a runtime. */
function arithmeticOn(rt: WasmRuntime): ArithmeticKernels {
  /** Runs C = op(A)·op(B) (C += … from `into` when given) in the arena; returns C's pointer there. */
  const product = (a: Float32Array, b: Float32Array, p: MatmulParams, into: Float32Array | null) => {
    const { batch, m, k, n } = p;
    const size = batch * m * n;
    const nt = rt.threadsFor(size * k, PAR_MATMUL);
    rt.reset();
    const pa = rt.alloc(a.length * 4);
    const pb = rt.alloc(b.length * 4);
    const pc = rt.alloc(size * 4);
    const offs = rt.alloc(batch * 8);
    const scratch = rt.alloc(rt.matmulScratch * Math.max(nt, 1));
    rt.put(pa, a);
    rt.put(pb, b);
    if (into) rt.put(pc, into);
    rt.put(offs, p.aOffsets);
    rt.put(offs + batch * 4, p.bOffsets);
    rt.setArgs([
      batch,
      m,
      k,
      n,
      p.transA ? 1 : 0,
      p.transB ? 1 : 0,
      pa,
      pb,
      pc,
      offs,
      offs + batch * 4,
      scratch,
      rt.matmulScratch,
      into ? 1 : 0,
    ]);
    rt.run("matmul", nt);
    return pc;
  };
  return {
    unary(op, x) {
      const n = x.length;
      if (n === 0) return new Float32Array(0);
      rt.reset();
      const p = rt.alloc(n * 4);
      rt.put(p, x);
      rt.setArgs([UNARY[op], p, p, n]);
      const costly = COSTLY_UNARY.has(op);
      rt.run("unary", rt.threadsFor(n, costly ? PAR_TRANSCENDENTAL : PAR_ELEMENTWISE));
      return rt.take(p, n);
    },
    binary(op, a, aShape, b, bShape, outShape) {
      const n = outShape.reduce((p, d) => p * d, 1);
      if (n === 0) return new Float32Array(0);
      const c = collapseAxes(outShape, [
        broadcastStrides(aShape, outShape),
        broadcastStrides(bShape, outShape),
      ]);
      const rank = c.dims.length;
      const nt = rt.threadsFor(n, op === "pow" ? PAR_TRANSCENDENTAL : PAR_ELEMENTWISE);
      rt.reset();
      const pa = rt.alloc(a.length * 4);
      const pb = rt.alloc(b.length * 4);
      const po = rt.alloc(n * 4);
      const meta = rt.alloc(rank * 12);
      const idx = rt.alloc(64 * Math.max(nt, rt.threads));
      rt.put(pa, a);
      rt.put(pb, b);
      rt.put(meta, Int32Array.from([...c.dims, ...c.strides[0], ...c.strides[1]]));
      rt.setArgs([BINARY[op], rank, meta, meta + rank * 4, meta + rank * 8, pa, pb, po, n, idx]);
      rt.run("binary", nt);
      return rt.take(po, n);
    },
    matmul(a, b, p: MatmulParams) {
      const size = p.batch * p.m * p.n;
      if (size === 0 || p.k === 0) return new Float32Array(size);
      const pc = product(a, b, p, null);
      return rt.take(pc, size);
    },
    matmulAccumulate(a, b, p: MatmulParams, into) {
      const size = p.batch * p.m * p.n;
      if (into.length !== size) {
        throw new Error(`matmulAccumulate: into ${into.length} ≠ ${p.batch}·${p.m}·${p.n}`);
      }
      if (size === 0 || p.k === 0) return;
      rt.takeInto(product(a, b, p, into), into);
    },
    reduce(op, x, outer, n, inner) {
      const size = outer * inner;
      if (n === 0 || size === 0) return new Float32Array(size).fill(REDUCE_IDENTITY[op]);
      const nt = rt.threadsFor(x.length, PAR_ELEMENTWISE);
      rt.reset();
      const px = rt.alloc(x.length * 4);
      const po = rt.alloc(size * 4);
      const scratch = rt.alloc(inner * 8 * Math.max(nt, rt.threads));
      rt.put(px, x);
      rt.setArgs([REDUCE[op], px, po, outer, n, inner, scratch, inner * 8]);
      rt.run("reduce", nt);
      return rt.take(po, size);
    },
    softmax(x, outer, n, inner, log, into) {
      checkSoftmaxOut(x, into);
      if (x.length === 0) return into ?? new Float32Array(0);
      rt.reset();
      const p = rt.alloc(x.length * 4);
      rt.put(p, x);
      rt.setArgs([p, p, outer, n, inner, log ? 1 : 0]);
      rt.run("softmax", rt.threadsFor(x.length, PAR_TRANSCENDENTAL));
      return into ? rt.takeInto(p, into) : rt.take(p, x.length);
    },
    argmax(x, outer, n, inner) {
      if (n === 0 || outer * inner === 0) return new Int32Array(outer * inner);
      rt.reset();
      const px = rt.alloc(x.length * 4);
      const po = rt.alloc(outer * inner * 4);
      rt.put(px, x);
      rt.setArgs([px, po, outer, n, inner]);
      rt.run("argmax");
      const i = po >>> 2;
      return rt.i32.slice(i, i + outer * inner);
    },
  };
}

/** The kernels that only move elements, on a runtime. */
function layoutOn(rt: WasmRuntime): LayoutKernels {
  /** Shared by indexSelect and its adjoint indexAdd: x in, indices in, `size` floats out. */
  function indexJob(
    job: "indexSelect" | "indexAdd",
    x: Float32Array,
    outer: number,
    n: number,
    inner: number,
    indices: Int32Array,
    size: number,
  ): Float32Array {
    if (size === 0) return new Float32Array(0);
    rt.reset();
    const px = rt.alloc(x.length * 4);
    const pi = rt.alloc(indices.length * 4);
    const po = rt.alloc(size * 4);
    rt.put(px, x);
    rt.put(pi, indices);
    rt.setArgs([px, po, outer, n, inner, pi, indices.length]);
    rt.run(job);
    return rt.take(po, size);
  }

  return {
    permute(x, shape, perm) {
      if (x.length === 0) return new Float32Array(0);
      const { dims, strides } = permuteWalk(shape, perm);
      if (dims.length === 1) return x.slice();
      const rank = dims.length;
      rt.reset();
      const px = rt.alloc(x.length * 4);
      const po = rt.alloc(x.length * 4);
      const meta = rt.alloc(rank * 12);
      rt.put(px, x);
      rt.put(meta, Int32Array.from([...dims, ...strides]));
      rt.setArgs([rank, meta, meta + rank * 4, px, po, x.length, meta + rank * 8]);
      rt.run("permute");
      return rt.take(po, x.length);
    },
    indexSelect: (x, outer, n, inner, indices) =>
      indexJob("indexSelect", x, outer, n, inner, indices, outer * indices.length * inner),
    indexAdd: (g, outer, n, inner, indices) =>
      indexJob("indexAdd", g, outer, n, inner, indices, outer * n * inner),
    concat(parts, outer, sizes, inner) {
      const total = sizes.reduce((p, s) => p + s, 0);
      const size = outer * total * inner;
      if (size === 0) return new Float32Array(0);
      rt.reset();
      const ptrs = parts.map((p) => rt.alloc(p.length * 4));
      const po = rt.alloc(size * 4);
      const meta = rt.alloc(parts.length * 8);
      parts.forEach((p, i) => {
        rt.put(ptrs[i], p);
      });
      rt.put(meta, Int32Array.from([...ptrs, ...sizes]));
      rt.setArgs([po, outer, inner, parts.length, meta, meta + parts.length * 4, total]);
      rt.run("concat");
      return rt.take(po, size);
    },
  };
}

/** What the attention backward adds to the forward's inputs. */
interface AttentionBackwardInputs {
  o: Float32Array;
  lse: Float32Array;
  dOut: Float32Array;
}

/** D_i = rowsum(dO ⊙ O) of each query (float64 sums), at row stride `tpad` per slice. */
function outputGradDots(b: AttentionBackwardInputs, p: FusedAttentionParams, tpad: number): Float32Array {
  const { bh, t, dv } = p;
  const { o, dOut } = b;
  const Dv = new Float32Array(bh * tpad);
  for (let h = 0; h < bh; h++) {
    for (let i = 0; i < t; i++) {
      const r = (h * t + i) * dv;
      let acc = 0;
      for (let c = 0; c < dv; c++) acc += dOut[r + c] * o[r + c];
      Dv[h * tpad + i] = acc;
    }
  }
  return Dv;
}

/** Shared set-up of the attention jobs: padded sizes, inputs in the arena, argument block. */
function attentionJob(
  rt: WasmRuntime,
  q: Float32Array,
  k: Float32Array,
  v: Float32Array,
  p: FusedAttentionParams,
  backward: AttentionBackwardInputs | null,
) {
  const { bh, t, s, d, dv } = p;
  const dp = ceil(d, 8);
  const dvp = ceil(dv, 8);
  const tpad = ceil(t, 4);
  const spad = ceil(s, 4);
  const nKB = Math.ceil(s / BLOCK);
  const nt = rt.threadsFor(bh * t * s * (d + dv), PAR_ATTENTION);
  rt.reset();
  const Q = rt.alloc(bh * tpad * dp * 4);
  const K = rt.alloc(bh * spad * dp * 4);
  const KT = rt.alloc(bh * nKB * dp * BLOCK * 4);
  const VT = backward ? rt.alloc(bh * nKB * dvp * BLOCK * 4) : 0;
  const O = rt.alloc(bh * tpad * dvp * 4); // forward: O; backward: dO
  const LSE = rt.alloc(bh * tpad * 4);
  const D = backward ? rt.alloc(bh * tpad * 4) : 0;
  const dQ = backward ? rt.alloc(bh * tpad * dp * 4) : 0;
  // The backward reads V only to pack Vᵀ, and K (row-major) only in the dQ pass, which runs first:
  // dV and dK are then written in their places.
  const V = rt.alloc(bh * spad * dvp * 4);
  const dV = backward ? V : 0;
  const dK = backward ? K : 0;
  const bias = p.bias ? rt.alloc(p.bias.data.length * 4) : 0;
  const biasOff = p.bias ? rt.alloc(bh * 4) : 0;
  const scratch = rt.alloc(rt.attnScratch * Math.max(nt, 1));
  putPadded(rt, q, bh, t, d, Q, tpad, dp);
  putPadded(rt, k, bh, s, d, K, spad, dp);
  putPadded(rt, v, bh, s, dv, V, spad, dvp);
  if (p.bias) {
    rt.put(bias, p.bias.data);
    rt.put(biasOff, p.bias.offsets);
  }
  if (backward) {
    putPadded(rt, backward.dOut, bh, t, dv, O, tpad, dvp);
    putPadded(rt, backward.lse, bh, t, 1, LSE, tpad, 1, Number.NEGATIVE_INFINITY);
    rt.put(D, outputGradDots(backward, p, tpad));
  }
  const [bst, bss] = p.bias ? p.bias.strides : [0, 0];
  rt.setArgs([
    bh,
    t,
    tpad,
    s,
    spad,
    dp,
    dvp,
    0,
    p.causal ? 1 : 0,
    Q,
    K,
    V,
    KT,
    VT,
    O,
    LSE,
    D,
    dQ,
    dK,
    dV,
    bias,
    biasOff,
    bst,
    bss,
    scratch,
    rt.attnScratch,
    backward ? 2 : 1,
  ]);
  rt.setArgF32(8, p.scale);
  return { nt, dp, dvp, tpad, spad, O, LSE, dQ, dK, dV };
}

/** The fused attention kernels on a runtime. */
function attentionOn(rt: WasmRuntime): AttentionKernels {
  return {
    attentionForward(q, k, v, p) {
      if (attentionIsEmpty(p)) return emptyAttention(p);
      const { bh, t, dv } = p;
      const job = attentionJob(rt, q, k, v, p, null);
      rt.run("attnPack", job.nt);
      rt.resetCounter();
      rt.run("attnForward", job.nt);
      return {
        output: takePadded(rt, job.O, bh, t, dv, job.tpad, job.dvp),
        lse: takePadded(rt, job.LSE, bh, t, 1, job.tpad, 1),
      };
    },
    attentionBackward(q, k, v, output, lse, dOutput, p): AttentionGrads {
      if (attentionIsEmpty(p)) return zeroAttentionGrads(p);
      const { bh, t, s, d, dv } = p;
      const job = attentionJob(rt, q, k, v, p, { o: output, lse, dOut: dOutput });
      rt.run("attnPack", job.nt);
      rt.resetCounter();
      rt.run("attnBackwardQ", job.nt); // reads K
      rt.resetCounter();
      rt.run("attnBackwardKV", job.nt); // writes dK over K
      return {
        dq: takePadded(rt, job.dQ, bh, t, d, job.tpad, job.dp),
        dk: takePadded(rt, job.dK, bh, s, d, job.spad, job.dp),
        dv: takePadded(rt, job.dV, bh, s, dv, job.spad, job.dvp),
      };
    },
  };
}

type LstmKernels = Required<Pick<Backend, "lstmCell" | "lstmCellBackward">>;

/** The fused LSTM cell (wasm/assembly/lstm.ts); one thread (a step's B·H is small). */
function lstmOn(rt: WasmRuntime): LstmKernels {
  return {
    lstmCell(gates, c, batch, hidden) {
      const n = batch * hidden;
      if (n === 0) return { hc: new Float32Array(0), act: new Float32Array(0) };
      rt.reset();
      const pg = rt.alloc(4 * n * 4);
      const pc = rt.alloc(n * 4);
      const phc = rt.alloc(2 * n * 4);
      const pa = rt.alloc(5 * n * 4);
      rt.put(pg, gates);
      rt.put(pc, c);
      rt.setArgs([pg, pc, phc, pa, batch, hidden]);
      rt.run("lstmCell", 1);
      return { hc: rt.take(phc, 2 * n), act: rt.take(pa, 5 * n) };
    },
    lstmCellBackward(act, c, dhc, batch, hidden) {
      const n = batch * hidden;
      if (n === 0) return { dGates: new Float32Array(0), dc: new Float32Array(0) };
      rt.reset();
      const pa = rt.alloc(5 * n * 4);
      const pc = rt.alloc(n * 4);
      const pd = rt.alloc(2 * n * 4);
      const pg = rt.alloc(4 * n * 4);
      const pdc = rt.alloc(n * 4);
      rt.put(pa, act);
      rt.put(pc, c);
      rt.put(pd, dhc);
      rt.setArgs([pa, pc, pd, pg, pdc, batch, hidden]);
      rt.run("lstmCellBackward", 1);
      return { dGates: rt.take(pg, 4 * n), dc: rt.take(pdc, n) };
    },
  };
}

/** Builds the backend on a runtime. */
export function wasmBackendOn(rt: WasmRuntime): WasmBackend {
  return {
    name: "wasm",
    capabilities: { fusedAttention: true, preferFusedAttention: true, threads: true },
    runtime: rt,
    stats: rt.stats,
    ...arithmeticOn(rt),
    ...layoutOn(rt),
    ...attentionOn(rt),
    ...lstmOn(rt),
  };
}

/** A new wasm backend with its own memory and workers (most code wants `loadWasmBackend`). */
export async function createWasmBackend(opts: RuntimeOptions = {}): Promise<WasmBackend> {
  return wasmBackendOn(await WasmRuntime.create(opts));
}

let shared: Promise<WasmBackend> | null = null;
let loaded: WasmBackend | null = null;
let requestedThreads: number | null = null;

/** The process-wide wasm backend (created on first call; the registry's "wasm" loader). */
export function loadWasmBackend(): Promise<WasmBackend> {
  if (!shared) {
    shared = createWasmBackend().then(async (b) => {
      if (requestedThreads !== null) await b.runtime.setThreads(requestedThreads);
      loaded = b;
      return b;
    });
    shared.catch(() => {
      shared = null;
    });
  }
  return shared;
}

/**
 * Sets how many threads the wasm kernels may use (the calling thread included; default: every core in
 * Node and in a dedicated Worker of a cross-origin isolated page, 1 on a page's main thread or where the
 * page is not isolated: `getThreadSupport()` says why). Resolves once the workers are running. Applies
 * when the backend is loaded later, too.
 */
export async function setNumThreads(n: number): Promise<void> {
  checkThreadCount(n);
  requestedThreads = n;
  if (shared) await (await shared).runtime.setThreads(n);
}

/** Threads the wasm kernels use now (1 until the backend is loaded). */
export function getNumThreads(): number {
  return loaded ? loaded.runtime.threads : 1;
}

/** What `getThreadSupport` reports. */
export interface WasmThreadSupport {
  /** Threads the wasm kernels use now (1 until the backend is loaded). */
  threads: number;
  /** Whether they can use more than one here. */
  available: boolean;
  /** Why (or why not), as a sentence a page or a log can show. */
  reason: string;
}

/**
 * Whether the wasm kernels run on several threads in this context, and why or why not: Node, or a
 * dedicated Web Worker of a cross-origin isolated page, can; a page's main thread (it may not block on
 * Atomics.wait) and a page that is not cross-origin isolated (no SharedArrayBuffer) run one thread.
 */
export function getThreadSupport(): WasmThreadSupport {
  if (loaded) {
    const rt = loaded.runtime;
    return { threads: rt.threads, available: rt.pooled, reason: rt.threadReason };
  }
  return { threads: 1, ...threadSupport() };
}
