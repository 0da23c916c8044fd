// Portable kernels: 128-bit vectors (SSE2 on x86-64, NEON on arm64, scalar code elsewhere).
#include "runtime.h"
#define QKV_NS portable
#define QKV_VBYTES 16
#define QKV_ISA_NAME "portable"
#include "kernels.inc"
