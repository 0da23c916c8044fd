/**
 * Kernels: the contract, the registry, and the backends (reference: the readable oracle; wasm:
 * SIMD128 and threads; native: the C++ addon, AVX-512/AVX2/portable). Ops in src/tensor dispatch
 * through the active backend.
 *
 * @example
 * await initBackend();        // native where the addon loads, else wasm, else reference
 * await setNumThreads(4);     // native and wasm threads (Node, or a Worker of an isolated page)
 */
import { setNativeThreads } from "./native/index.js";
import { getBackend, setBackend } from "./registry.js";
import { setNumThreads as setWasmThreads } from "./wasm/index.js";

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
  loadNativeBackends,
  type NativeBackend,
  type NativeStatus,
  nativeStatus,
} from "./native/index.js";
export { referenceBackend } from "./reference/index.js";
export { backend, getBackend, listBackends, registerBackend, setBackend, withBackend } from "./registry.js";
export {
  createWasmBackend,
  getNumThreads,
  getThreadSupport,
  loadWasmBackend,
  type WasmBackend,
  type WasmThreadSupport,
} from "./wasm/index.js";

/**
 * Sets how many threads the kernels may use (the calling thread included), for the native pool and
 * the wasm workers alike; only the active backend's threads run, so they never oversubscribe.
 */
export async function setNumThreads(n: number): Promise<void> {
  await setWasmThreads(n);
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
