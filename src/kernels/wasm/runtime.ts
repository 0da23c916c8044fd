/**
 * The wasm runtime: one module instance on one linear memory, an arena in that memory, and the
 * optional worker pool.
 *
 * Memory: [0, heapBase) holds the module's constant tables; then a 64-byte control block for the
 * threads (16 int32 slots), a 256-byte argument block for the current job, and the arena. Every
 * kernel call resets the arena, allocates its inputs, outputs and scratch from it (bump allocation),
 * copies inputs in, runs, and copies outputs out (into arrays of the output pool); the memory grows
 * on demand and is kept, so steady-state calls allocate nothing in wasm. Kernel calls are synchronous and never nested, so one
 * arena suffices.
 */
import { uninitArray } from "../pool.js";
import { unsharedVariant, wasmBytes } from "./module.js";
import { threadSupport, WorkerPool } from "./threads.js";

/** The kernels the module exports, in the order workers index them. */
export const JOBS = [
  "unary",
  "binary",
  "matmul",
  "reduce",
  "softmax",
  "argmax",
  "permute",
  "indexSelect",
  "indexAdd",
  "concat",
  "attnPack",
  "attnForward",
  "attnBackwardKV",
  "attnBackwardQ",
  "lstmCell",
  "lstmCellBackward",
] as const;
export type Job = (typeof JOBS)[number];

type KernelFn = (args: number, tid: number, nt: number) => void;
type Exports = Record<Job, KernelFn> & {
  heapBase(): number;
  MATMUL_SCRATCH: WebAssembly.Global;
  ATTN_SCRATCH: WebAssembly.Global;
};

const PAGE = 65536;
const MAX_PAGES = 65536;
const INITIAL_PAGES = 16;
const ARG_SLOTS = 64;

export interface RuntimeOptions {
  /** false: one thread and an unshared memory (what browsers without cross-origin isolation get). */
  threads?: boolean;
}

/** Counters for tests and benchmarks. */
export interface RuntimeStats {
  /** Jobs run on more than one thread, by kernel. */
  parallel: Record<string, number>;
  /** Jobs run on one thread, by kernel. */
  serial: Record<string, number>;
}

function coreCount(): number {
  const nav = (globalThis as { navigator?: { hardwareConcurrency?: number } }).navigator;
  return Math.max(1, nav?.hardwareConcurrency ?? 1);
}

export class WasmRuntime {
  /** Bytes of per-thread scratch the matmul and attention kernels need. */
  readonly matmulScratch: number;
  readonly attnScratch: number;
  readonly stats: RuntimeStats = { parallel: {}, serial: {} };
  private f32v: Float32Array;
  private i32v: Int32Array;
  private top: number;
  private readonly base: number;
  private readonly args: number;
  private wanted = 1;
  private why: string;

  private constructor(
    readonly memory: WebAssembly.Memory,
    private readonly exports: Exports,
    private readonly fns: KernelFn[],
    readonly shared: boolean,
    private pool: WorkerPool | null,
    /** Threads used by default: the number of cores where a pool runs, else 1. */
    readonly defaultThreads: number,
    reason: string,
  ) {
    this.why = reason;
    const heapBase = exports.heapBase() >>> 0;
    const ctl = align(heapBase, 64);
    this.args = ctl + 64;
    this.base = align(this.args + ARG_SLOTS * 4, 64);
    this.top = this.base;
    this.f32v = new Float32Array(memory.buffer);
    this.i32v = new Int32Array(memory.buffer);
    this.matmulScratch = exports.MATMUL_SCRATCH.value as number;
    this.attnScratch = exports.ATTN_SCRATCH.value as number;
  }

  static ctlPtr(heapBase: number): number {
    return align(heapBase, 64);
  }

  static async create(opts: RuntimeOptions = {}): Promise<WasmRuntime> {
    if (typeof WebAssembly === "undefined") throw new Error("wasm: WebAssembly is not available");
    const canShare = opts.threads !== false && typeof SharedArrayBuffer !== "undefined";
    let bytes = wasmBytes();
    let memory: WebAssembly.Memory | null = null;
    if (canShare) {
      try {
        memory = new WebAssembly.Memory({ initial: INITIAL_PAGES, maximum: MAX_PAGES, shared: true });
      } catch {
        memory = null;
      }
    }
    const shared = memory !== null;
    if (!memory) {
      bytes = unsharedVariant(bytes);
      memory = new WebAssembly.Memory({ initial: INITIAL_PAGES, maximum: MAX_PAGES });
    }
    const module = await WebAssembly.compile(bytes as Uint8Array<ArrayBuffer>);
    const instance = await WebAssembly.instantiate(module, { env: { memory } });
    const exports = instance.exports as unknown as Exports;
    const fns = JOBS.map((j) => exports[j]);
    let pool: WorkerPool | null = null;
    let cores = 1;
    const support = threadSupport();
    let reason = opts.threads === false ? "created with { threads: false }" : support.reason;
    if (shared) {
      cores = await nodeCores();
      pool = await WorkerPool.create(module, memory, WasmRuntime.ctlPtr(exports.heapBase() >>> 0), JOBS);
      if (!pool && support.available) reason = "the worker pool could not be created here";
    }
    const rt = new WasmRuntime(memory, exports, fns, shared, pool, pool ? cores : 1, reason);
    try {
      await rt.setThreads(rt.defaultThreads);
    } catch (err) {
      // Workers that fail to start (e.g. a Content-Security-Policy without worker-src blob:): one thread.
      rt.pool = null;
      rt.wanted = 1;
      rt.why = `the worker threads did not start (${(err as Error).message})`;
    }
    return rt;
  }

  /** Whether a worker pool runs here (so `setThreads(n > 1)` gives threads). */
  get pooled(): boolean {
    return this.pool !== null;
  }

  /** Why the kernels run on several threads here, or on one (a sentence a page or a log can show). */
  get threadReason(): string {
    return this.why;
  }

  /** Threads a large job may use (the main thread included). */
  get threads(): number {
    return Math.min(this.wanted, (this.pool?.size ?? 0) + 1);
  }

  /** Uses up to `n` threads (clamped to ≥ 1; a single thread where workers are unavailable). */
  async setThreads(n: number): Promise<void> {
    if (!Number.isInteger(n) || n < 1)
      throw new Error(`setNumThreads: expected a positive integer, got ${n}`);
    this.wanted = this.pool ? n : 1;
    if (this.pool && n > 1) await this.pool.ensure(n - 1);
  }

  /** Stops the workers (the runtime keeps working on one thread). */
  async dispose(): Promise<void> {
    this.wanted = 1;
    await this.pool?.terminate();
  }

  /** Bytes of linear memory currently reserved by the arena's high-water mark. */
  get memoryBytes(): number {
    return this.memory.buffer.byteLength;
  }

  /** Starts a kernel call: everything allocated by the previous call is free again. */
  reset(): void {
    this.top = this.base;
  }

  /** Allocates `bytes` (64-byte aligned) in the arena, growing the memory when needed. */
  alloc(bytes: number): number {
    const p = this.top;
    this.top = align(p + Math.max(bytes, 4), 64);
    const have = this.memory.buffer.byteLength;
    if (this.top > have) {
      const need = Math.ceil((this.top - have) / PAGE);
      const extra = Math.max(need, Math.ceil(have / PAGE / 4)); // grow by ≥ 25% to amortise
      const pages = Math.min(MAX_PAGES - have / PAGE, extra);
      if (pages < need) throw new Error(`wasm: out of memory (needs ${this.top} bytes, maximum 4 GiB)`);
      this.memory.grow(pages);
      this.f32v = new Float32Array(this.memory.buffer);
      this.i32v = new Int32Array(this.memory.buffer);
    }
    return p;
  }

  /** Float32 view of the whole memory (take it after the last `alloc` of a call). */
  get f32(): Float32Array {
    return this.f32v;
  }

  get i32(): Int32Array {
    return this.i32v;
  }

  /** Copies `src` to `ptr`. */
  put(ptr: number, src: Float32Array | Int32Array): void {
    if (src instanceof Float32Array) this.f32v.set(src, ptr >>> 2);
    else this.i32v.set(src, ptr >>> 2);
  }

  /** A copy of the `n` floats at `ptr`, in an array of the output pool (src/kernels/pool.ts). */
  take(ptr: number, n: number): Float32Array {
    return this.takeInto(ptr, uninitArray(n));
  }

  /** Copies the `out.length` floats at `ptr` into `out` (a caller's array) and returns it. */
  takeInto<T extends Float32Array>(ptr: number, out: T): T {
    const i = ptr >>> 2;
    out.set(this.f32v.subarray(i, i + out.length));
    return out;
  }

  /** Writes the job's arguments (slot 0, the task counter, is reset to 0). */
  setArgs(values: readonly number[]): void {
    const a = this.args >>> 2;
    this.i32v[a] = 0;
    for (let i = 0; i < values.length; i++) this.i32v[a + 1 + i] = values[i];
  }

  /** Writes a float argument into slot `slot` (≥ 1). */
  setArgF32(slot: number, v: number): void {
    this.f32v[(this.args >>> 2) + slot] = v;
  }

  /** Resets the task counter (between two jobs on the same arguments). */
  resetCounter(): void {
    this.i32v[this.args >>> 2] = 0;
  }

  /** Runs `job` on `nt` threads (1 = here only). */
  run(job: Job, nt = 1): void {
    const threads = Math.min(nt, this.threads);
    const index = JOBS.indexOf(job);
    const fn = this.fns[index];
    if (threads > 1 && this.pool) {
      this.stats.parallel[job] = (this.stats.parallel[job] ?? 0) + 1;
      this.pool.run(index, this.args, threads, () => fn(this.args, 0, threads));
    } else {
      this.stats.serial[job] = (this.stats.serial[job] ?? 0) + 1;
      fn(this.args, 0, 1);
    }
  }

  /** `threads` if `work` is large enough to pay for waking workers, else 1. */
  threadsFor(work: number, minWork: number): number {
    return work >= minWork ? this.threads : 1;
  }
}

function align(n: number, a: number): number {
  return Math.ceil(n / a) * a;
}

async function nodeCores(): Promise<number> {
  // In a browser (cross-origin isolated pages have shared memory too) there is no node:os to import.
  if (typeof process === "undefined" || !process.versions?.node) return coreCount();
  try {
    const spec = "node:os";
    const os = (await import(/* @vite-ignore */ spec)) as {
      availableParallelism?: () => number;
      cpus(): unknown[];
    };
    return Math.max(1, os.availableParallelism?.() ?? os.cpus().length);
  } catch {
    return coreCount();
  }
}
