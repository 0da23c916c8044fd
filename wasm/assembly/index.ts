// qkv's WebAssembly kernels (AssemblyScript, SIMD128). Entry points take (args, tid, nt); see
// common.ts for the calling convention and src/kernels/wasm/runtime.ts for the JavaScript side.
// No kernel allocates: JavaScript owns the linear memory above __heap_base (an arena), which is
// shared by all threads.

export { ATTN_SCRATCH, attnBackwardKV, attnBackwardQ, attnForward, attnPack } from "./attention";
export { binary, unary } from "./elementwise";
export { MATMUL_SCRATCH, matmul } from "./gemm";
export { concat, indexAdd, indexSelect, permute } from "./layout";
export { lstmCell, lstmCellBackward } from "./lstm";
export { argmax, reduce, softmax } from "./reduce";

/** First byte of linear memory free for the JavaScript arena. */
export function heapBase(): usize {
  return __heap_base;
}
