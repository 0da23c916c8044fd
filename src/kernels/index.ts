/**
 * Kernels: the contract, the registry, and the backends (reference: the readable oracle; wasm:
 * SIMD128 and threads). Ops in src/tensor dispatch through the active backend.
 *
 * @example
 * await initBackend();        // wasm where it loads, else reference
 * await setNumThreads(4);     // wasm threads (Node); default: every core
 */
import { getBackend, setBackend } from "./registry.js";

export type {
  AttentionGrads,
  Backend,
  BinaryOp,
  FusedAttentionParams,
  MatmulParams,
  ReduceOp,
  UnaryOp,
} from "./contract.js";
export { referenceBackend } from "./reference/index.js";
export { backend, getBackend, listBackends, registerBackend, setBackend, withBackend } from "./registry.js";
export {
  createWasmBackend,
  getNumThreads,
  loadWasmBackend,
  setNumThreads,
  type WasmBackend,
} from "./wasm/index.js";

/**
 * Makes the fastest backend that loads the active one: wasm, falling back to reference (e.g. where
 * WebAssembly is disabled). Returns the name of the backend now active.
 */
export async function initBackend(): Promise<string> {
  try {
    await setBackend("wasm");
  } catch {
    await setBackend("reference");
  }
  return getBackend();
}
