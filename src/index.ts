/**
 * qkv — attention, from first principles. Public exports only; no side effects.
 * Layers (each depends only on those above): tensor → kernels → attention → io.
 */
export * from "./attention/index.js";
export * from "./io/index.js";
export type { Backend } from "./kernels/contract.js";
export { getBackend, listBackends, registerBackend, setBackend } from "./kernels/registry.js";
export * from "./tensor/index.js";
