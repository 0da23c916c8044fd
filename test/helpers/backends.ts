/**
 * The kernel backends every conformance test runs on. A new backend is added here once and the whole
 * suite (values and gradients against PyTorch, finite differences, properties) runs over it.
 * The native addon runs once per instruction set the CPU has (AVX-512F, AVX2+FMA, portable), where it
 * is built and not disabled (QKV_NATIVE=0); test/kernels/native-backend.test.ts fails if it should load
 * and does not.
 */
import type { Backend } from "../../src/kernels/contract.js";
import { loadNativeBackends, setNativeThreads } from "../../src/kernels/native/index.js";
import { referenceBackend } from "../../src/kernels/reference/index.js";
import { loadWasmBackend } from "../../src/kernels/wasm/index.js";

export async function loadTestBackends(): Promise<Backend[]> {
  const list: Backend[] = [referenceBackend, await loadWasmBackend()];
  try {
    list.push(...(await loadNativeBackends()));
    await setNativeThreads(2); // a second thread even on one core, so the threaded paths run
  } catch {
    // addon not built or disabled: reference and wasm only
  }
  return list;
}
