/**
 * The kernel backends every conformance test runs on. A new backend is added here once and the whole
 * suite (values and gradients against PyTorch, finite differences, properties) runs over it.
 */
import type { Backend } from "../../src/kernels/contract.js";
import { referenceBackend } from "../../src/kernels/reference/index.js";
import { loadWasmBackend } from "../../src/kernels/wasm/index.js";

export async function loadTestBackends(): Promise<Backend[]> {
  return [referenceBackend, await loadWasmBackend()];
}
