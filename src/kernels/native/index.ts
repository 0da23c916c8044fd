/**
 * The native backend: the kernel contract in C++17 (native/src, built by node-gyp during `npm ci`),
 * vectorised for the best instruction set the CPU has — AVX-512F, AVX2+FMA, or portable 128-bit
 * code — chosen at run time, on its own thread pool. It works on the caller's Float32Arrays in place
 * (no copies in or out) and keeps its scratch between calls.
 *
 * Same contract, same conformance and PyTorch parity suites as the reference and wasm backends.
 * Where the addon is not built (unsupported platform, no compiler) or `QKV_NATIVE=0` is set, loading
 * fails with the reason and `initBackend()` falls back to wasm; `qkv backends` prints the reason.
 * `QKV_NATIVE_ISA=avx2|portable` caps the instruction set; `QKV_NATIVE_ADDON=path` loads another
 * build of the addon.
 */
import type {
  AttentionGrads,
  Backend,
  DecoderLayerStepParams,
  EncoderLayerParams,
  FusedAttentionParams,
  MatmulParams,
} from "../contract.js";
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
import {
  attentionIsEmpty,
  checkSoftmaxOut,
  checkThreadCount,
  collapseAxes,
  concatRows,
  emptyAttention,
  permuteWalk,
  REDUCE_IDENTITY,
  zeroAttentionGrads,
} from "../shared.js";
import { broadcastStrides } from "../strides.js";

/** The addon's functions (native/src/addon.cc). Each returns the number of threads that ran. */
interface Addon {
  info(): { isas: string[]; threads: number };
  setThreads(n: number): number;
  /** ix (abi ≥ 3): the instruction set whose SIMD tanh and log serve ops 3 and 2. */
  unary(op: number, x: Float32Array, out: Float32Array, par: boolean, ix: number): number;
  binary(
    op: number,
    a: Float32Array,
    b: Float32Array,
    out: Float32Array,
    meta: Int32Array,
    par: boolean,
  ): number;
  reduce(
    op: number,
    x: Float32Array,
    out: Float32Array,
    outer: number,
    n: number,
    inner: number,
    par: boolean,
  ): number;
  argmax(x: Float32Array, out: Int32Array, outer: number, n: number, inner: number): number;
  permute(x: Float32Array, out: Float32Array, dims: Int32Array, strides: Int32Array, par: boolean): number;
  indexSelect(
    x: Float32Array,
    out: Float32Array,
    outer: number,
    n: number,
    inner: number,
    idx: Int32Array,
  ): number;
  indexAdd(
    g: Float32Array,
    out: Float32Array,
    outer: number,
    n: number,
    inner: number,
    idx: Int32Array,
  ): number;
  /** The interface's version (absent before it had one). */
  abi?: number;
  matmul(
    isa: number,
    a: Float32Array,
    b: Float32Array,
    c: Float32Array,
    batch: number,
    m: number,
    k: number,
    n: number,
    transA: boolean,
    transB: boolean,
    aOffsets: Int32Array,
    bOffsets: Int32Array,
    par: boolean,
    /** C += op(A) op(B) instead of C = … (optional; absent: overwrite). */
    accumulate?: boolean,
  ): number;
  adamStep(
    isa: number,
    w: Float32Array,
    g: Float32Array,
    m: Float32Array,
    v: Float32Array,
    stepSize: number,
    beta1: number,
    beta2: number,
    bc2: number,
    eps: number,
  ): number;
  dropoutMask(out: Float32Array, state: number, threshold: number, keep: number): number;
  sumOfSquares(x: Float32Array): number;
  scale(x: Float32Array, out: Float32Array, coef: number): number;
  softmaxBackward(
    isa: number,
    y: Float32Array,
    g: Float32Array,
    dx: Float32Array,
    outer: number,
    n: number,
    inner: number,
    log: boolean,
    par: boolean,
  ): number;
  mixtureBackward(
    isa: number,
    p: Float32Array,
    u: Float32Array,
    a: Float32Array,
    dz: Float32Array,
    da: Float32Array,
    n: number,
    s: number,
    v: number,
    par: boolean,
  ): number;
  softmax(
    isa: number,
    x: Float32Array,
    out: Float32Array,
    outer: number,
    n: number,
    inner: number,
    log: boolean,
    par: boolean,
  ): number;
  attnForward(
    isa: number,
    q: Float32Array,
    k: Float32Array,
    v: Float32Array,
    o: Float32Array,
    lse: Float32Array,
    dims: Int32Array,
    scale: number,
    bias: Float32Array | null,
    biasOffsets: Int32Array | null,
    par: boolean,
  ): number;
  linearRows(
    isa: number,
    x: Float32Array,
    rows: number,
    inFeatures: number,
    w: Float32Array,
    outFeatures: number,
    b: Float32Array | null,
    out: Float32Array,
  ): number;
  /** dims: [rows, dModel, heads, ff, srcLength, capacity, position, normFirst, gelu, cache rows]; then 18 weights, then rowMap. */
  decoderLayerStep(
    isa: number,
    x: Float32Array,
    dims: Int32Array,
    eps: number,
    selfKey: Float32Array,
    selfValue: Float32Array,
    memoryKey: Float32Array,
    memoryValue: Float32Array,
    srcLengths: Int32Array,
    crossProbs: Float32Array | null,
    ...weightsThenRowMap: (Float32Array | Int32Array)[]
  ): number;
  /** dims: [rows, dModel, heads, ff, srcLength, normFirst, gelu]; then 12 weights. */
  encoderLayer(
    isa: number,
    x: Float32Array,
    dims: Int32Array,
    eps: number,
    srcLengths: Int32Array,
    ...weights: Float32Array[]
  ): number;
  lstmCell(
    isa: number,
    gates: Float32Array,
    c: Float32Array,
    hc: Float32Array,
    act: Float32Array,
    B: number,
    H: number,
  ): number;
  lstmCellBackward(
    isa: number,
    act: Float32Array,
    c: Float32Array,
    dhc: Float32Array,
    dGates: Float32Array,
    dc: Float32Array,
    B: number,
    H: number,
  ): number;
  attnBackward(
    isa: number,
    q: Float32Array,
    k: Float32Array,
    v: Float32Array,
    o: Float32Array,
    lse: Float32Array,
    dO: Float32Array,
    dq: Float32Array,
    dk: Float32Array,
    dv: Float32Array,
    dims: Int32Array,
    scale: number,
    bias: Float32Array | null,
    biasOffsets: Int32Array | null,
    par: boolean,
  ): number;
}

const UNARY = UNARY_CODE;
const BINARY = BINARY_CODE;
const REDUCE = REDUCE_CODE;

/** Counters of serial and parallel calls by kernel (as the wasm backend's). */
export interface NativeStats {
  parallel: Record<string, number>;
  serial: Record<string, number>;
}

/** The native backend, with its instruction set and counters. */
export interface NativeBackend extends Backend {
  /** The instruction set its kernels run on: "avx512", "avx2" or "portable". */
  readonly isa: string;
  readonly stats: NativeStats;
}

/** Why the addon is or is not there, for `qkv backends`. */
export interface NativeStatus {
  available: boolean;
  /** The reason it is not available. */
  reason?: string;
  /** Instruction sets this CPU runs, best first. */
  isas?: string[];
  threads?: number;
  /** The addon file loaded, and whether it is the package's prebuilt binary, a source build
   * (`npm rebuild qkv --build-from-source`, or `npm ci` in a checkout) or `QKV_NATIVE_ADDON`'s. */
  file?: string;
  origin?: "prebuilt" | "source build" | "QKV_NATIVE_ADDON";
}

let addon: Addon | null = null;
let addonError: Error | null = null;
let addonFile: Pick<NativeStatus, "file" | "origin"> = {};
let status: NativeStatus = { available: false, reason: "not loaded yet" };

function env(name: string): string | undefined {
  return typeof process === "undefined" ? undefined : process.env?.[name];
}

/** The Node built-ins the loader needs. */
interface NodeParts {
  module: typeof import("node:module");
  fs: typeof import("node:fs");
  url: typeof import("node:url");
  path: typeof import("node:path");
}

/** The command that rebuilds the addon where the package is installed (it runs native/install.mjs). */
const REBUILD =
  "`npm rebuild qkv` (it compiles from source where no prebuilt loads: needs python3, make and a C++17 compiler)";

/**
 * Finds and loads the addon, synchronously, as node-gyp-build does (prebuildify's layout): a source
 * build `build/Release/qkv_native.node` first (the install step compiles one only where the prebuilt
 * does not load), else the prebuilt `prebuilds/<platform>-<arch>/*.node` matching this Node.
 * `QKV_NATIVE_ADDON=path` loads that file instead. Throws with the reason it cannot.
 */
function requireAddon(n: NodeParts): Addon {
  const off = env("QKV_NATIVE");
  if (off === "0" || off === "false" || off === "off") {
    throw new Error("native backend: disabled by QKV_NATIVE=0");
  }
  const { dirname, join } = n.path;
  // src/kernels/native or dist/kernels/native → the package root.
  const root = join(dirname(n.url.fileURLToPath(import.meta.url)), "..", "..", "..");
  const req = n.module.createRequire(import.meta.url);
  let file = env("QKV_NATIVE_ADDON");
  if (!file) {
    try {
      // node-gyp-build's resolver (a dependency): build/Release, build/Debug, then the matching prebuild.
      const gypBuild = req("node-gyp-build") as { path(dir: string): string };
      file = gypBuild.path(root);
    } catch (e) {
      const msg = (e as Error).message.split("\n")[0];
      const built = join(root, "build", "Release", "qkv_native.node");
      if (n.fs.existsSync(built)) file = built;
      else {
        const log = join(root, "build", "native-build.log");
        const why = n.fs.existsSync(log)
          ? (n.fs.readFileSync(log, "utf8").trim().split("\n").at(-1) ?? "")
          : `run ${REBUILD}`;
        throw new Error(`native backend: addon not found (${msg}): ${why}`);
      }
    }
  }
  if (!n.fs.existsSync(file)) {
    throw new Error(`native backend: addon not found (${file} missing); run ${REBUILD}`);
  }
  const rel = file.startsWith(root) ? file.slice(root.length + 1) : file;
  const origin = env("QKV_NATIVE_ADDON")
    ? "QKV_NATIVE_ADDON"
    : rel.startsWith("prebuilds")
      ? "prebuilt"
      : "source build";
  let a: Addon;
  try {
    a = req(file) as Addon;
  } catch (e) {
    const first = (e as Error).message.split("\n")[0];
    const log = join(root, "build", "native-build.log");
    const built = n.fs.existsSync(log) ? `; ${n.fs.readFileSync(log, "utf8").trim().split("\n").at(-1)}` : "";
    throw new Error(`native backend: the ${origin} ${rel} did not load (${first})${built}; run ${REBUILD}`);
  }
  // Built from other sources: its arguments may mean other things (native/src/addon.cc, Init).
  if (a.abi !== NATIVE_ABI)
    throw new Error(`native backend: ${rel} is interface ${a.abi}, not ${NATIVE_ABI}; run ${REBUILD}`);
  addonFile = { file: rel, origin };
  return a;
}

/** The addon interface this code speaks (native/src/addon.cc sets `abi`). */
const NATIVE_ABI = 4;

/** Runs `load` once and remembers the addon, or the error, and the status. */
function settle(load: () => Addon): Addon {
  if (addon) return addon;
  if (addonError) throw addonError;
  try {
    addon = load();
    const i = addon.info();
    status = { available: true, isas: i.isas, threads: i.threads, ...addonFile };
    return addon;
  } catch (e) {
    addonError = e as Error;
    status = { available: false, reason: addonError.message };
    throw addonError;
  }
}

/** Node's built-ins without importing them (the package root stays browser-clean): Node ≥ 20.16. */
function builtinsSync(): NodeParts | null {
  const p = typeof process === "undefined" ? undefined : process;
  const get = (p as { getBuiltinModule?: (id: string) => unknown } | undefined)?.getBuiltinModule;
  if (!p?.versions?.node || typeof get !== "function") return null;
  return {
    module: get("node:module") as NodeParts["module"],
    fs: get("node:fs") as NodeParts["fs"],
    url: get("node:url") as NodeParts["url"],
    path: get("node:path") as NodeParts["path"],
  };
}

function notNode(): never {
  throw new Error("native backend: not running in Node");
}

/**
 * Loads the addon synchronously (once), or throws the reason it cannot: not Node, a Node without
 * `process.getBuiltinModule` (before 20.16; `loadAddon` works there), disabled, not built, or not
 * loadable.
 */
export function loadAddonSync(): Addon {
  if (addon) return addon;
  if (typeof process === "undefined" || !process.versions?.node) return settle(notNode);
  const n = builtinsSync();
  if (!n) throw new Error("native backend: synchronous loading needs Node ≥ 20.16 (await ready() loads it)");
  return settle(() => requireAddon(n));
}

/** Loads the addon (once), or rejects with the reason it cannot. */
export async function loadAddon(): Promise<Addon> {
  if (addon || addonError || builtinsSync()) return loadAddonSync();
  if (typeof process === "undefined" || !process.versions?.node) return settle(notNode);
  // Node built-ins by computed name, so bundlers for browsers leave them out.
  const nodeImport = (name: string) => import(/* @vite-ignore */ `node:${name}`);
  const parts: NodeParts = {
    module: await nodeImport("module"),
    fs: await nodeImport("fs"),
    url: await nodeImport("url"),
    path: await nodeImport("path"),
  };
  return settle(() => requireAddon(parts));
}

/** Whether the native backend loaded, and if not, why (after `loadNativeBackend` was tried). */
export function nativeStatus(): NativeStatus {
  return status;
}

/** Counts a call that ran on `threads` threads. */
type Count = (job: string, threads: number) => void;

type ArithmeticKernels = Pick<
  Backend,
  | "unary"
  | "binary"
  | "matmul"
  | "matmulAccumulate"
  | "reduce"
  | "softmax"
  | "softmaxBackward"
  | "mixtureBackward"
  | "argmax"
  | "addInto"
  | "adamStep"
  | "dropoutMask"
  | "sumOfSquares"
  | "scale"
>;
type LayoutKernels = Pick<Backend, "permute" | "indexSelect" | "indexAdd" | "concat">;
type FusedKernels = Required<
  Pick<Backend, "attentionForward" | "attentionBackward" | "lstmCell" | "lstmCellBackward">
>;

/** A binary op's walk over one axis ([rank 1, n, a's stride, b's stride]), refilled per call (the
 * addon reads it before returning). */
const FLAT_META = new Int32Array([1, 0, 0, 0]);

/** The element-wise, matrix and axis-wise kernels (matmul and softmax on instruction set `ix`). */
function arithmeticOn(addon: Addon, ix: number, count: Count): ArithmeticKernels {
  return {
    unary(op, x) {
      const out = new Float32Array(x.length);
      if (x.length === 0) return out;
      const costly = COSTLY_UNARY.has(op);
      const par = x.length >= (costly ? PAR_TRANSCENDENTAL : PAR_ELEMENTWISE);
      count("unary", addon.unary(UNARY[op], x, out, par, ix));
      return out;
    },
    binary(op, a, aShape, b, bShape, outShape) {
      const n = outShape.reduce((p, d) => p * d, 1);
      const out = new Float32Array(n);
      if (n === 0) return out;
      let meta: Int32Array;
      if ((a.length === n || a.length === 1) && (b.length === n || b.length === 1)) {
        // One axis: each operand whole (the output's size: the same shape up to 1s) or one value.
        meta = FLAT_META;
        meta[1] = n;
        meta[2] = a.length === n ? 1 : 0;
        meta[3] = b.length === n ? 1 : 0;
      } else {
        const c = collapseAxes(outShape, [
          broadcastStrides(aShape, outShape),
          broadcastStrides(bShape, outShape),
        ]);
        meta = Int32Array.from([c.dims.length, ...c.dims, ...c.strides[0], ...c.strides[1]]);
      }
      const par = n >= (op === "pow" ? PAR_TRANSCENDENTAL : PAR_ELEMENTWISE);
      count("binary", addon.binary(BINARY[op], a, b, out, meta, par));
      return out;
    },
    addInto(into, from) {
      if (from.length === 0 ? into.length !== 0 : into.length % from.length !== 0)
        throw new Error(`addInto: from's ${from.length} must divide into's ${into.length}`);
      if (into.length === 0) return;
      // The binary kernel with its output aliasing its first input (same index read, then written):
      // (rows, n) + (n) broadcast over the rows.
      const n = from.length;
      const meta = Int32Array.of(2, into.length / n, n, n, 1, 0, 1);
      count("addInto", addon.binary(BINARY.add, into, from, into, meta, into.length >= PAR_ELEMENTWISE));
    },
    matmul(a, b, p: MatmulParams) {
      const { batch, m, k, n } = p;
      const out = new Float32Array(batch * m * n);
      if (out.length === 0 || k === 0) return out;
      const par = batch * m * n * k >= PAR_MATMUL;
      count(
        "matmul",
        addon.matmul(ix, a, b, out, batch, m, k, n, p.transA, p.transB, p.aOffsets, p.bOffsets, par),
      );
      return out;
    },
    matmulAccumulate(a, b, p: MatmulParams, into) {
      const { batch, m, k, n } = p;
      if (into.length !== batch * m * n)
        throw new Error(`matmulAccumulate: into ${into.length} ≠ ${batch}·${m}·${n}`);
      if (into.length === 0 || k === 0) return;
      const par = batch * m * n * k >= PAR_MATMUL;
      count(
        "matmul",
        addon.matmul(ix, a, b, into, batch, m, k, n, p.transA, p.transB, p.aOffsets, p.bOffsets, par, true),
      );
    },
    reduce(op, x, outer, n, inner) {
      const size = outer * inner;
      if (n === 0 || size === 0) return new Float32Array(size).fill(REDUCE_IDENTITY[op]);
      const out = new Float32Array(size);
      count("reduce", addon.reduce(REDUCE[op], x, out, outer, n, inner, x.length >= PAR_ELEMENTWISE));
      return out;
    },
    adamStep(w, g, m, v, stepSize, beta1, beta2, bc2, eps) {
      // The addon checks that w, g, m and v have one length.
      if (w.length === 0 && g.length === 0) return;
      count("adamStep", addon.adamStep(ix, w, g, m, v, stepSize, beta1, beta2, bc2, eps));
    },
    dropoutMask(out, state, threshold, keep) {
      count("dropoutMask", 1);
      return addon.dropoutMask(out, state >>> 0, threshold, keep);
    },
    scale(x, coef, out = new Float32Array(x.length)) {
      if (out.length !== x.length) throw new Error(`scale: out has ${out.length} elements, x ${x.length}`);
      if (x.length > 0) count("scale", addon.scale(x, out, coef));
      return out;
    },
    sumOfSquares(x) {
      count("sumOfSquares", 1);
      return x.length === 0 ? 0 : addon.sumOfSquares(x);
    },
    softmaxBackward(y, g, outer, n, inner, log) {
      if (y.length !== g.length || y.length !== outer * n * inner)
        throw new Error(`softmaxBackward: y ${y.length}, g ${g.length} ≠ ${outer}·${n}·${inner}`);
      const dx = new Float32Array(y.length);
      if (y.length === 0) return dx;
      count(
        "softmaxBackward",
        addon.softmaxBackward(ix, y, g, dx, outer, n, inner, log, y.length >= PAR_TRANSCENDENTAL),
      );
      return dx;
    },
    mixtureBackward(p, u, a, n, s, v) {
      if (p.length !== n * s * v || u.length !== n * v || a.length !== n * s)
        throw new Error(
          `mixtureBackward: probs ${p.length}, upstream ${u.length}, weights ${a.length} do not fit (${n}, ${s}, ${v})`,
        );
      const dz = new Float32Array(p.length);
      const da = new Float32Array(a.length);
      if (p.length === 0) return { dz, da };
      count(
        "mixtureBackward",
        addon.mixtureBackward(ix, p, u, a, dz, da, n, s, v, p.length >= PAR_TRANSCENDENTAL),
      );
      return { dz, da };
    },
    softmax(x, outer, n, inner, log, into) {
      checkSoftmaxOut(x, into);
      const out = into ?? new Float32Array(x.length);
      if (x.length === 0) return out;
      count("softmax", addon.softmax(ix, x, out, outer, n, inner, log, x.length >= PAR_TRANSCENDENTAL));
      return out;
    },
    argmax(x, outer, n, inner) {
      const out = new Int32Array(outer * inner);
      if (n === 0 || out.length === 0) return out;
      count("argmax", addon.argmax(x, out, outer, n, inner));
      return out;
    },
  };
}

/** The kernels that only move elements (concat is a copy in JavaScript, as the reference's). */
function layoutOn(addon: Addon, count: Count): LayoutKernels {
  return {
    permute(x, shape, perm) {
      if (x.length === 0) return new Float32Array(0);
      const { dims, strides } = permuteWalk(shape, perm);
      if (dims.length === 1 && strides[0] === 1) return x.slice();
      const out = new Float32Array(x.length);
      const par = x.length >= PAR_ELEMENTWISE;
      count("permute", addon.permute(x, out, Int32Array.from(dims), Int32Array.from(strides), par));
      return out;
    },
    indexSelect(x, outer, n, inner, indices) {
      const out = new Float32Array(outer * indices.length * inner);
      if (out.length === 0) return out;
      count("indexSelect", addon.indexSelect(x, out, outer, n, inner, indices));
      return out;
    },
    indexAdd(g, outer, n, inner, indices, into) {
      const out = into && into.length === outer * n * inner ? into : new Float32Array(outer * n * inner);
      if (out.length === 0 || g.length === 0) return out;
      count("indexAdd", addon.indexAdd(g, out, outer, n, inner, indices));
      return out;
    },
    concat: concatRows,
  };
}

/** The addon's attention dimensions: bh, t, s, d, dv, causal and the bias strides. */
function attentionDims(p: FusedAttentionParams): Int32Array {
  const [bst, bss] = p.bias ? p.bias.strides : [0, 0];
  return Int32Array.of(p.bh, p.t, p.s, p.d, p.dv, p.causal ? 1 : 0, bst, bss);
}

/** The fused attention (on instruction set `ix`) and LSTM-cell kernels. */
/**
 * The fused Transformer kernels (linearRows, decoderLayerStep, encoderLayer), or none where the loaded
 * addon predates them (a build/ from before: `npm run build:native` rebuilds it) — the model then runs
 * the TypeScript ones.
 */
function transformerOn(
  addon: Addon,
  ix: number,
  count: Count,
): Partial<Pick<Backend, "linearRows" | "decoderLayerStep" | "encoderLayer">> {
  if (typeof addon.decoderLayerStep !== "function" || typeof addon.encoderLayer !== "function") return {};
  return {
    linearRows(x, rows, inFeatures, w, outFeatures, b, out) {
      if (rows > 0) count("linearRows", addon.linearRows(ix, x, rows, inFeatures, w, outFeatures, b, out));
    },
    encoderLayer(x: Float32Array, p: EncoderLayerParams) {
      const w = p.weights;
      const dims = Int32Array.of(
        p.rows,
        p.dModel,
        p.heads,
        p.dimFeedforward,
        p.srcLength,
        p.normFirst ? 1 : 0,
        p.activation === "gelu" ? 1 : 0,
      );
      count(
        "encoderLayer",
        addon.encoderLayer(
          ix,
          x,
          dims,
          p.eps,
          p.srcLengths,
          w.selfIn,
          w.selfInBias,
          w.selfOut,
          w.selfOutBias,
          w.linear1,
          w.linear1Bias,
          w.linear2,
          w.linear2Bias,
          w.norm1,
          w.norm1Bias,
          w.norm2,
          w.norm2Bias,
        ),
      );
    },
    decoderLayerStep(x: Float32Array, p: DecoderLayerStepParams) {
      const w = p.weights;
      const dims = Int32Array.of(
        p.rows,
        p.dModel,
        p.heads,
        p.dimFeedforward,
        p.srcLength,
        p.capacity,
        p.position,
        p.normFirst ? 1 : 0,
        p.activation === "gelu" ? 1 : 0,
        p.memoryKey.length / (p.dModel * p.srcLength),
      );
      count(
        "decoderLayerStep",
        addon.decoderLayerStep(
          ix,
          x,
          dims,
          p.eps,
          p.selfKey,
          p.selfValue,
          p.memoryKey,
          p.memoryValue,
          p.srcLengths,
          p.crossProbs,
          w.selfIn,
          w.selfInBias,
          w.selfOut,
          w.selfOutBias,
          w.crossIn,
          w.crossInBias,
          w.crossOut,
          w.crossOutBias,
          w.linear1,
          w.linear1Bias,
          w.linear2,
          w.linear2Bias,
          w.norm1,
          w.norm1Bias,
          w.norm2,
          w.norm2Bias,
          w.norm3,
          w.norm3Bias,
          p.rowMap,
        ),
      );
    },
  };
}

function fusedOn(addon: Addon, ix: number, count: Count): FusedKernels {
  return {
    lstmCell(gates, c, batch, hidden) {
      const hc = new Float32Array(batch * 2 * hidden);
      const act = new Float32Array(batch * 5 * hidden);
      if (hc.length > 0) count("lstmCell", addon.lstmCell(ix, gates, c, hc, act, batch, hidden));
      return { hc, act };
    },
    lstmCellBackward(act, c, dhc, batch, hidden) {
      const dGates = new Float32Array(batch * 4 * hidden);
      const dc = new Float32Array(batch * hidden);
      if (dc.length > 0)
        count("lstmCellBackward", addon.lstmCellBackward(ix, act, c, dhc, dGates, dc, batch, hidden));
      return { dGates, dc };
    },
    attentionForward(q, k, v, p) {
      if (attentionIsEmpty(p)) return emptyAttention(p);
      const { bh, t, s, dv } = p;
      const output = new Float32Array(bh * t * dv);
      const lse = new Float32Array(bh * t);
      const par = bh * t * s * (p.d + dv) >= PAR_ATTENTION;
      const bias = p.bias ?? null;
      count(
        "attnForward",
        addon.attnForward(
          ix,
          q,
          k,
          v,
          output,
          lse,
          attentionDims(p),
          p.scale,
          bias?.data ?? null,
          bias?.offsets ?? null,
          par,
        ),
      );
      return { output, lse };
    },
    attentionBackward(q, k, v, output, lse, dOutput, p): AttentionGrads {
      const g = zeroAttentionGrads(p);
      if (attentionIsEmpty(p)) return g;
      const { bh, t, s, d, dv } = p;
      const par = bh * t * s * (d + dv) >= PAR_ATTENTION;
      const bias = p.bias ?? null;
      // One fused pass computes dQ, dK and dV ("attnBackwardQ" counts it, as the wasm backend's dQ pass).
      count(
        "attnBackwardQ",
        addon.attnBackward(
          ix,
          q,
          k,
          v,
          output,
          lse,
          dOutput,
          g.dq,
          g.dk,
          g.dv,
          attentionDims(p),
          p.scale,
          bias?.data ?? null,
          bias?.offsets ?? null,
          par,
        ),
      );
      return g;
    },
  };
}

/** The backend on a loaded addon, running the kernels of instruction set `isa` (default: the best). */
export function nativeBackendOn(addon: Addon, isa?: string): NativeBackend {
  const isas = addon.info().isas;
  const which = isa ?? isas[0];
  const ix = isas.indexOf(which);
  if (ix < 0)
    throw new Error(`native backend: instruction set "${which}" not supported here (${isas.join(", ")})`);
  const stats: NativeStats = { parallel: {}, serial: {} };
  const count: Count = (job, threads) => {
    const m = threads > 1 ? stats.parallel : stats.serial;
    m[job] = (m[job] ?? 0) + 1;
  };
  return {
    name: ix === 0 ? "native" : `native-${which}`,
    capabilities: { fusedAttention: true, preferFusedAttention: true, threads: true },
    isa: which,
    stats,
    ...arithmeticOn(addon, ix, count),
    ...layoutOn(addon, count),
    ...fusedOn(addon, ix, count),
    ...transformerOn(addon, ix, count),
  };
}

let shared: NativeBackend | null = null;

/** The process-wide backend on a loaded addon, on the best instruction set, capped by QKV_NATIVE_ISA. */
function sharedOn(a: Addon): NativeBackend {
  if (shared) return shared;
  const cap = env("QKV_NATIVE_ISA");
  const isas = a.info().isas;
  if (cap && !isas.includes(cap)) {
    throw new Error(`QKV_NATIVE_ISA=${cap}: not one of this CPU's instruction sets (${isas.join(", ")})`);
  }
  shared = { ...nativeBackendOn(a, cap ?? isas[0]), name: "native" };
  return shared;
}

/**
 * The process-wide native backend (the registry's "native" loader), on the best instruction set the
 * CPU has, capped by QKV_NATIVE_ISA. Rejects with the reason where the addon is missing or disabled.
 */
export async function loadNativeBackend(): Promise<NativeBackend> {
  return sharedOn(await loadAddon());
}

/**
 * The same backend, loaded synchronously (what the first kernel call uses when no backend was
 * chosen); throws the reason where the addon is missing, disabled or cannot load synchronously.
 */
export function loadNativeBackendSync(): NativeBackend {
  return sharedOn(loadAddonSync());
}

/** Every instruction set this CPU runs, as backends (the conformance suite runs on each). */
export async function loadNativeBackends(): Promise<NativeBackend[]> {
  const a = await loadAddon();
  return a.info().isas.map((isa) => nativeBackendOn(a, isa));
}

/** Sets the native pool's thread count (the calling thread included). No-op where it is not loaded. */
export async function setNativeThreads(n: number): Promise<void> {
  checkThreadCount(n);
  try {
    const a = await loadAddon();
    a.setThreads(n);
    status = { ...status, threads: a.info().threads };
  } catch {
    // not available: nothing to set
  }
}
