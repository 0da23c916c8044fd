// AVX-512F kernels (512-bit vectors), selected at run time when the CPU and OS support them.
#include "runtime.h"
#ifdef QKV_X86
#include <immintrin.h>
#pragma GCC push_options
#pragma GCC target("avx512f,avx2,fma")
#define QKV_NS avx512
#define QKV_VBYTES 64
#define QKV_ISA_NAME "avx512"
#include "kernels.inc"
#pragma GCC pop_options
#endif
