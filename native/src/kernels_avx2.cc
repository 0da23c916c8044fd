// AVX2 + FMA kernels (256-bit vectors), selected at run time when the CPU has them.
#include "runtime.h"
#ifdef QKV_X86
#pragma GCC push_options
#pragma GCC target("avx2,fma")
#define QKV_NS avx2
#define QKV_VBYTES 32
#define QKV_ISA_NAME "avx2"
#include "kernels.inc"
#pragma GCC pop_options
#endif
