/**
 * Kernels: the contract, the registry, and the backends (reference: the readable oracle; wasm:
 * SIMD128 and threads; native: the C++ addon, AVX-512/AVX2/portable). Ops in src/tensor dispatch
 * through the active backend. The wasm backend's code (with its 27 kB binary) is imported only when
 * it is first needed, so bundles load it as a chunk of its own.
 *
 * @example
 * await ready();              // native where the addon loads, else wasm, else reference
 * await setNumThreads(4);     // native and wasm threads (Node, or a Worker of an isolated page)
 */
import { setNativeThreads } from "./native/index.js";

export { outputPoolStats, setOutputPool } from "./pool.js";

import { getBackend, loadedWasmModule, requestedBackend, setBackend, wasmModule } from "./registry.js";
import type { WasmBackend, WasmThreadSupport } from "./wasm/index.js";
import type { RuntimeOptions } from "./wasm/runtime.js";
import { threadSupport } from "./wasm/threads.js";

export type {
  AttentionGrads,
  Backend,
  BinaryOp,
  FusedAttentionParams,
  MatmulParams,
  ReduceOp,
  UnaryOp,
} from "./contract.js";
export {
  loadNativeBackend,
  loadNativeBackendSync,
  loadNativeBackends,
  type NativeBackend,
  type NativeStatus,
  nativeStatus,
} from "./native/index.js";
export { referenceBackend } from "./reference/index.js";
export {
  backend,
  backendChosen,
  getBackend,
  listBackends,
  registerBackend,
  setBackend,
  withBackend,
} from "./registry.js";
export type { WasmBackend, WasmThreadSupport };

/** A new wasm backend with its own memory and workers (most code wants `loadWasmBackend`). */
export async function createWasmBackend(opts: RuntimeOptions = {}): Promise<WasmBackend> {
  return (await wasmModule()).createWasmBackend(opts);
}

/** The process-wide wasm backend (created on first call; what `setBackend("wasm")` makes active). */
export async function loadWasmBackend(): Promise<WasmBackend> {
  return (await wasmModule()).loadWasmBackend();
}

/** Threads the wasm kernels use now (1 until the wasm backend is loaded). */
export function getNumThreads(): number {
  return loadedWasmModule()?.getNumThreads() ?? 1;
}

/**
 * Whether the wasm kernels run on several threads in this context, and why or why not: Node, or a
 * dedicated Web Worker of a cross-origin isolated page, can; a page's main thread (it may not block on
 * Atomics.wait) and a page that is not cross-origin isolated (no SharedArrayBuffer) run one thread.
 */
export function getThreadSupport(): WasmThreadSupport {
  return loadedWasmModule()?.getThreadSupport() ?? { threads: 1, ...threadSupport() };
}

/**
 * Sets how many threads the kernels may use (the calling thread included), for the native pool and
 * the wasm workers alike; only the active backend's threads run, so they never oversubscribe.
 */
export async function setNumThreads(n: number): Promise<void> {
  await (await wasmModule()).setNumThreads(n);
  await setNativeThreads(n);
}

/**
 * Makes the fastest backend that loads the active one: native (the addon; not built, or disabled by
 * QKV_NATIVE=0, → next), wasm (e.g. WebAssembly disabled → next), reference. Returns the name of the
 * backend now active.
 */
export async function initBackend(): Promise<string> {
  for (const name of ["native", "wasm"]) {
    try {
      await setBackend(name);
      return getBackend();
    } catch {
      // not available here: try the next
    }
  }
  await setBackend("reference");
  return getBackend();
}

/**
 * Chooses the kernel backend, once, before the first computation: the one `QKV_BACKEND` names
 * (`native`, `wasm` or `reference`; `auto` or unset: the fastest that loads — native, else wasm, else
 * reference, as `initBackend`). Resolves to the name of the backend now active.
 *
 * Without it the first kernel call chooses synchronously: native where the addon loads (Node), else
 * reference — the wasm backend compiles asynchronously, so browsers, and Node without the addon, want
 * `await ready()` to get it.
 *
 * @example
 * import { ready, randn, softmax } from "qkv";
 * console.log(await ready()); // "native" in Node with the addon, "wasm" in a browser
 * softmax(randn([2, 3]), -1);
 */
export async function ready(): Promise<string> {
  const want = requestedBackend();
  if (want === undefined) return initBackend();
  await setBackend(want);
  return getBackend();
}
