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

/** One decoder layer's step (kernels.inc: decoder_layer_step); weights as the modules store them. */
struct DecoderStepArgs {
  int n, d, h, ff, s, cap, pos;
  bool normFirst, gelu;
  float eps;
  float* x;
  float *selfK, *selfV;
  const float *memK, *memV;
  const int* srcLengths;
  const int* rowMap;  // row n's row in selfK, selfV, memK, memV (decoder step only)
  int rows;           // the rows those arrays hold
  float* crossProbs;
  const float *inW, *inB, *outW, *outB, *cqW, *cqB, *coW, *coB, *w1, *b1, *w2, *b2;
  const float *n1w, *n1b, *n2w, *n2b, *n3w, *n3b;
};

struct Kernels {
  const char* name;
  // acc: C += op(A)·op(B) instead of C = op(A)·op(B).
  int (*matmul)(const float* A, const float* B, float* C, int batch, int m, int k, int n, bool ta, bool tb,
                const int* aoff, const int* boff, bool par, bool acc);
  int (*softmax)(const float* x, float* out, int outer, int n, int inner, bool log, bool par);
  int (*attn_forward)(const AttnArgs& a, const float* q, const float* k, const float* v, float* o, float* lse,
                      bool par);
  int (*attn_backward)(const AttnArgs& a, const float* q, const float* k, const float* v, const float* o,
                       const float* lse, const float* dO, float* dq, float* dk, float* dv, bool par);
  int (*linear_rows)(const float* X, int N, int K, const float* W, int M, const float* b, float* Y);
  int (*decoder_layer_step)(const DecoderStepArgs& a);
  /** One encoder layer over n rows of s positions (the DecoderStepArgs without cache or cross fields). */
  int (*encoder_layer)(const DecoderStepArgs& a);
  /** The fused LSTM cell's element-wise step, forward and backward (src/kernels/contract.ts). */
  int (*lstm_cell)(const float* gates, const float* c, float* hc, float* act, int B, int H);
  int (*lstm_cell_backward)(const float* act, const float* c, const float* dhc, float* dg, float* dc, int B, int H);
  /** Softmax / log-softmax backward from the forward's output (src/kernels/contract.ts). */
  int (*softmax_backward)(const float* y, const float* g, float* dx, int outer, int n, int inner, bool log,
                          bool par);
  /** One Adam update in place (src/nn/optim/adam.ts). */
  int (*adam_step)(float* w, const float* g, float* m, float* v, long n, float stepSize, float beta1, float beta2,
                   float bc2, float eps);
  /** tanh of each entry in double, rounded once to float (SIMD; the unary op's tanh). */
  int (*unary_tanh)(const float* x, float* out, long n, bool par);
  /** log of each entry in double, rounded once to float (SIMD; the unary op's log). */
  int (*unary_log)(const float* x, float* out, long n, bool par);
  /** The latent alignment's mixture backward (src/kernels/contract.ts `mixtureBackward`). */
  int (*mixture_backward)(const float* P, const float* u, const float* a, float* dz, float* da, int N, int S, int V,
                          bool par);
};

#if defined(__x86_64__) || defined(_M_X64)
#define QKV_X86 1
namespace avx512 { extern const Kernels table; }
namespace avx2 { extern const Kernels table; }
#endif
namespace portable { extern const Kernels table; }

}  // namespace qkv
