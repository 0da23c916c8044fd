// qkv's WebAssembly kernels (AssemblyScript, SIMD128). Entry points take (args, tid, nt); see
// common.ts for the calling convention and src/kernels/wasm/runtime.ts for the JavaScript side.
// No kernel allocates: JavaScript owns the linear memory above __heap_base (an arena), which is
// shared by all threads.

export { unary, binary } from "./elementwise";
export { matmul, MATMUL_SCRATCH } from "./gemm";
export { reduce, softmax, argmax } from "./reduce";
export { permute, indexSelect, indexAdd, concat } from "./layout";
export { attnPack, attnForward, attnBackwardKV, attnBackwardQ, ATTN_SCRATCH } from "./attention";

/** First byte of linear memory free for the JavaScript arena. */
export function heapBase(): usize {
  return __heap_base;
}
