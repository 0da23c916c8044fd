// Shared by the addon and every per-ISA kernel file: the thread pool, the scratch arenas and the
// table of kernels each instruction set provides.
#pragma once
#include <cmath>
#include <cstddef>
#include <cstdint>
#include <cstring>
#include <type_traits>

namespace qkv {

/** Threads of the pool (the calling thread included). */
int pool_threads();
void set_pool_threads(int n);

/**
 * Runs fn(task, tid) for task in [0, n): on the pool when `par` and there is more than one task,
 * else inline. Returns the number of threads that took part (1 = serial).
 */
int run_tasks_impl(bool par, long n, void (*fn)(void*, long, int), void* ctx);
template <class F>
int run_tasks(bool par, long n, F&& fn) {
  using Fn = std::remove_reference_t<F>;
  return run_tasks_impl(par, n, [](void* c, long i, int tid) { (*static_cast<Fn*>(c))(i, tid); },
                        const_cast<void*>(static_cast<const void*>(&fn)));
}

/** Per-thread scratch (64-byte aligned), grown on demand and kept: no allocation in steady state. */
void* scratch(int tid, size_t bytes);
/** One arena shared by all threads of a call (packed operands). */
void* shared_scratch(size_t bytes);

struct AttnArgs {
  int bh, t, s, d, dv;
  float scale;
  bool causal;
  const float* bias;
  const int* biasOff;
  long bst, bss;
};

struct Kernels {
  const char* name;
  int (*matmul)(const float* A, const float* B, float* C, int batch, int m, int k, int n, bool ta, bool tb,
                const int* aoff, const int* boff, bool par);
  int (*softmax)(const float* x, float* out, int outer, int n, int inner, bool log, bool par);
  int (*attn_forward)(const AttnArgs& a, const float* q, const float* k, const float* v, float* o, float* lse,
                      bool par);
  int (*attn_backward)(const AttnArgs& a, const float* q, const float* k, const float* v, const float* o,
                       const float* lse, const float* dO, float* dq, float* dk, float* dv, bool par);
};

#if defined(__x86_64__) || defined(_M_X64)
#define QKV_X86 1
namespace avx512 { extern const Kernels table; }
namespace avx2 { extern const Kernels table; }
#endif
namespace portable { extern const Kernels table; }

}  // namespace qkv
