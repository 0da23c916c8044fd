// qkv_native: the N-API surface of the native backend (src/kernels/native/index.ts is its only
// caller), plus the kernels that are memory-bound and need no per-ISA code (element-wise ops,
// reductions, data movement). Every function fills caller-owned typed arrays and returns the number
// of threads that ran it.
#include <node_api.h>

#include <mutex>
#include <vector>

#include "runtime.h"

namespace qkv {
namespace {

std::mutex callMutex;  // scratch arenas and the pool serve one call at a time (one per process)

std::vector<const Kernels*> supported() {
  std::vector<const Kernels*> out;
#ifdef QKV_X86
  __builtin_cpu_init();
  if (__builtin_cpu_supports("avx512f")) out.push_back(&avx512::table);
  if (__builtin_cpu_supports("avx2") && __builtin_cpu_supports("fma")) out.push_back(&avx2::table);
#endif
  out.push_back(&portable::table);
  return out;
}
const std::vector<const Kernels*>& tables() {
  static const std::vector<const Kernels*> t = supported();
  return t;
}

// ---- argument helpers -------------------------------------------------------------------------
struct Args {
  napi_env env;
  napi_value v[40];
  size_t n = 40;
  bool ok = true;
  Args(napi_env e, napi_callback_info info) : env(e) { napi_get_cb_info(e, info, &n, v, nullptr, nullptr); }
  void fail(const char* what) {
    if (ok) napi_throw_type_error(env, nullptr, what);
    ok = false;
  }
  template <class T>
  T* arr(size_t i, size_t* len = nullptr) {
    napi_typedarray_type type;
    size_t length = 0;
    void* data = nullptr;
    bool is = false;
    if (i >= n || napi_is_typedarray(env, v[i], &is) != napi_ok || !is) {
      fail("qkv_native: expected a typed array");
      return nullptr;
    }
    napi_get_typedarray_info(env, v[i], &type, &length, &data, nullptr, nullptr);
    if (len) *len = length;
    return static_cast<T*>(data);
  }
  bool isNull(size_t i) {
    napi_valuetype t;
    napi_typeof(env, v[i], &t);
    return t == napi_null || t == napi_undefined;
  }
  double num(size_t i) {
    double d = 0;
    if (i >= n || napi_get_value_double(env, v[i], &d) != napi_ok) fail("qkv_native: expected a number");
    return d;
  }
  int i32(size_t i) { return (int)num(i); }
  bool flag(size_t i) {
    bool b = false;
    if (i >= n || napi_get_value_bool(env, v[i], &b) != napi_ok) fail("qkv_native: expected a boolean");
    return b;
  }
  const Kernels* isa(size_t i) {
    const int k = i32(i);
    if (k < 0 || k >= (int)tables().size()) {
      fail("qkv_native: unknown instruction set");
      return tables().back();
    }
    return tables()[k];
  }
};

napi_value ret(napi_env env, int x) {
  napi_value r;
  napi_create_int32(env, x, &r);
  return r;
}

// ---- element-wise -------------------------------------------------------------------------------
constexpr long CHUNK = 1 << 15;

template <int OP>
inline float uop(float x) {
  switch (OP) {
    case 0: return -x;
    // Transcendentals in double, rounded once (as the reference): float tanhf/expf are off by an
    // ulp often enough to show in gradients checked against PyTorch.
    case 1: return (float)std::exp((double)x);
    case 2: return (float)std::log((double)x);
    case 3: return (float)std::tanh((double)x);
    case 4: {
      const double d = x;
      return (float)(d >= 0 ? 1.0 / (1.0 + std::exp(-d)) : std::exp(d) / (1.0 + std::exp(d)));
    }
    case 5: return x > 0 ? x : (x == x ? 0.0f : x);
    case 6: return std::sqrt(x);
    case 7: return std::fabs(x);
    case 8: return x > 0 ? 1.0f : x < 0 ? -1.0f : 0.0f;  // NaN → 0, as the reference
    case 9: return x * x;
    case 11: return (float)std::erf((double)x);  // exact GELU's erf, rounded once
    default: return 1.0f / x;
  }
}

template <int OP>
int unary_run(const float* x, float* out, long n, bool par) {
  return run_tasks(par, (n + CHUNK - 1) / CHUNK, [&](long c, int) {
    const long e = (c + 1) * CHUNK < n ? (c + 1) * CHUNK : n;
    for (long i = c * CHUNK; i < e; i++) out[i] = uop<OP>(x[i]);
  });
}

napi_value Unary(napi_env env, napi_callback_info info) {
  Args a(env, info);
  const int op = a.i32(0);
  size_t n = 0;
  const float* x = a.arr<float>(1, &n);
  float* out = a.arr<float>(2);
  const bool par = a.flag(3);
  const Kernels* K = a.n > 4 ? a.isa(4) : nullptr;  // the instruction set for tanh and log (abi ≥ 3)
  if (!a.ok) return nullptr;
  std::lock_guard<std::mutex> lk(callMutex);
  if (op == 3 && K) return ret(env, K->unary_tanh(x, out, (long)n, par));
  if (op == 2 && K) return ret(env, K->unary_log(x, out, (long)n, par));
  int r = 1;
  switch (op) {
    case 0: r = unary_run<0>(x, out, n, par); break;
    case 1: r = unary_run<1>(x, out, n, par); break;
    case 2: r = unary_run<2>(x, out, n, par); break;
    case 3: r = unary_run<3>(x, out, n, par); break;
    case 4: r = unary_run<4>(x, out, n, par); break;
    case 5: r = unary_run<5>(x, out, n, par); break;
    case 6: r = unary_run<6>(x, out, n, par); break;
    case 7: r = unary_run<7>(x, out, n, par); break;
    case 8: r = unary_run<8>(x, out, n, par); break;
    case 9: r = unary_run<9>(x, out, n, par); break;
    case 11: r = unary_run<11>(x, out, n, par); break;
    default: r = unary_run<10>(x, out, n, par); break;
  }
  return ret(env, r);
}

template <int OP>
inline float bop(float a, float b) {
  switch (OP) {
    case 0: return a + b;
    case 1: return a - b;
    case 2: return a * b;
    case 3: return a / b;
    case 4:  // JavaScript's **: NaN exponents and (±1) ** ±∞ are NaN, where C's pow gives 1
      if (b != b || (std::isinf(b) && std::fabs(a) == 1.0f)) return NAN;
      return (float)std::pow((double)a, (double)b);
    case 5: return (a != a || b != b) ? NAN : (a > b ? a : (b > a ? b : (std::signbit(a) ? b : a)));
    case 6: return (a != a || b != b) ? NAN : (a < b ? a : (b < a ? b : (std::signbit(a) ? a : b)));
    case 7: return a == b ? 1.0f : 0.0f;
    case 8: return a > b ? 1.0f : 0.0f;
    default: return a >= b ? 1.0f : 0.0f;
  }
}

// meta = [rank, shape…, aStrides…, bStrides…] (collapsed by the caller; the last axis is the run).
template <int OP>
int binary_run(const float* A, const float* B, float* out, const int* meta, bool par) {
  const int rank = meta[0];
  const int* shape = meta + 1;
  const int* as = shape + rank;
  const int* bs = as + rank;
  const long len = shape[rank - 1];
  long rows = 1;
  for (int d = 0; d < rank - 1; d++) rows *= shape[d];
  const long asl = as[rank - 1], bsl = bs[rank - 1];
  const long rowsPer = len >= CHUNK ? 1 : CHUNK / len;
  return run_tasks(par, (rows + rowsPer - 1) / rowsPer, [&](long c, int) {
    const long r1 = (c + 1) * rowsPer < rows ? (c + 1) * rowsPer : rows;
    for (long r = c * rowsPer; r < r1; r++) {
      long ao = 0, bo = 0, rem = r;
      for (int d = rank - 2; d >= 0; d--) {
        const long i = rem % shape[d];
        rem /= shape[d];
        ao += i * as[d];
        bo += i * bs[d];
      }
      const float* pa = A + ao;
      const float* pb = B + bo;
      float* po = out + r * len;
      if (asl == 1 && bsl == 1)
        for (long j = 0; j < len; j++) po[j] = bop<OP>(pa[j], pb[j]);
      else if (asl == 1 && bsl == 0) {
        const float bv = pb[0];
        for (long j = 0; j < len; j++) po[j] = bop<OP>(pa[j], bv);
      } else if (asl == 0 && bsl == 1) {
        const float av = pa[0];
        for (long j = 0; j < len; j++) po[j] = bop<OP>(av, pb[j]);
      } else
        for (long j = 0; j < len; j++) po[j] = bop<OP>(pa[j * asl], pb[j * bsl]);
    }
  });
}

napi_value Binary(napi_env env, napi_callback_info info) {
  Args a(env, info);
  const int op = a.i32(0);
  const float* x = a.arr<float>(1);
  const float* y = a.arr<float>(2);
  float* out = a.arr<float>(3);
  const int* meta = a.arr<int>(4);
  const bool par = a.flag(5);
  if (!a.ok) return nullptr;
  std::lock_guard<std::mutex> lk(callMutex);
  int r = 1;
  switch (op) {
    case 0: r = binary_run<0>(x, y, out, meta, par); break;
    case 1: r = binary_run<1>(x, y, out, meta, par); break;
    case 2: r = binary_run<2>(x, y, out, meta, par); break;
    case 3: r = binary_run<3>(x, y, out, meta, par); break;
    case 4: r = binary_run<4>(x, y, out, meta, par); break;
    case 5: r = binary_run<5>(x, y, out, meta, par); break;
    case 6: r = binary_run<6>(x, y, out, meta, par); break;
    case 7: r = binary_run<7>(x, y, out, meta, par); break;
    case 8: r = binary_run<8>(x, y, out, meta, par); break;
    default: r = binary_run<9>(x, y, out, meta, par); break;
  }
  return ret(env, r);
}

// ---- reductions -------------------------------------------------------------------------------
napi_value Reduce(napi_env env, napi_callback_info info) {
  Args a(env, info);
  const int op = a.i32(0);
  const float* x = a.arr<float>(1);
  float* out = a.arr<float>(2);
  const int outer = a.i32(3), n = a.i32(4), inner = a.i32(5);
  const bool par = a.flag(6);
  if (!a.ok) return nullptr;
  std::lock_guard<std::mutex> lk(callMutex);
  const int IC = 512;  // inner lanes per task
  const int ic = (inner + IC - 1) / IC;
  const int r = run_tasks(par, (long)outer * ic, [&](long task, int tid) {
    const long o = task / ic;
    const int i0 = (int)(task % ic) * IC;
    const int i1 = i0 + IC < inner ? i0 + IC : inner;
    const float* xb = x + o * n * (long)inner;
    if (op == 0 && inner == 1) {
      // A sum along the last axis: eight double accumulators (independent chains the compiler can
      // keep in vector registers) instead of one dependent chain of n additions.
      double s8[8] = {0, 0, 0, 0, 0, 0, 0, 0};
      int j = 0;
      for (; j + 8 <= n; j += 8)
        for (int l = 0; l < 8; l++) s8[l] += xb[j + l];
      double sum = ((s8[0] + s8[1]) + (s8[2] + s8[3])) + ((s8[4] + s8[5]) + (s8[6] + s8[7]));
      for (; j < n; j++) sum += xb[j];
      out[o] = (float)sum;
      return;
    }
    if (op == 0) {
      double* acc = static_cast<double*>(scratch(tid, IC * 8));
      for (int i = i0; i < i1; i++) acc[i - i0] = 0;
      for (int j = 0; j < n; j++) {
        const float* row = xb + (long)j * inner;
        for (int i = i0; i < i1; i++) acc[i - i0] += row[i];
      }
      for (int i = i0; i < i1; i++) out[o * inner + i] = (float)acc[i - i0];
      return;
    }
    const bool mx = op == 1;
    float* acc = out + o * inner;
    for (int i = i0; i < i1; i++) acc[i] = mx ? -INFINITY : INFINITY;
    for (int j = 0; j < n; j++) {
      const float* row = xb + (long)j * inner;
      for (int i = i0; i < i1; i++) {
        const float v = row[i];
        if (mx ? (v > acc[i] || v != v) : (v < acc[i] || v != v)) acc[i] = acc[i] != acc[i] ? acc[i] : v;
      }
    }
  });
  return ret(env, r);
}

napi_value Argmax(napi_env env, napi_callback_info info) {
  Args a(env, info);
  const float* x = a.arr<float>(0);
  int* out = a.arr<int>(1);
  const int outer = a.i32(2), n = a.i32(3), inner = a.i32(4);
  if (!a.ok) return nullptr;
  for (long o = 0; o < outer; o++)
    for (int i = 0; i < inner; i++) {
      const float* base = x + o * n * (long)inner + i;
      int best = 0;
      for (int j = 1; j < n; j++)
        if (base[(long)j * inner] > base[(long)best * inner]) best = j;
      out[o * inner + i] = best;
    }
  return ret(env, 1);
}

// ---- data movement ------------------------------------------------------------------------------
// out (contiguous, dims) = x at strides (collapsed by the caller).
napi_value Permute(napi_env env, napi_callback_info info) {
  Args a(env, info);
  const float* x = a.arr<float>(0);
  size_t total = 0;
  float* out = a.arr<float>(1, &total);
  size_t rank = 0;
  const int* dims = a.arr<int>(2, &rank);
  const int* strides = a.arr<int>(3);
  const bool par = a.flag(4);
  if (!a.ok) return nullptr;
  std::lock_guard<std::mutex> lk(callMutex);
  const long len = dims[rank - 1];
  const long sl = strides[rank - 1];
  const long rows = (long)total / len;
  const long rowsPer = len >= CHUNK ? 1 : CHUNK / len;
  const int r = run_tasks(par, (rows + rowsPer - 1) / rowsPer, [&](long c, int) {
    const long r1 = (c + 1) * rowsPer < rows ? (c + 1) * rowsPer : rows;
    for (long row = c * rowsPer; row < r1; row++) {
      long src = 0, rem = row;
      for (int d = (int)rank - 2; d >= 0; d--) {
        src += (rem % dims[d]) * strides[d];
        rem /= dims[d];
      }
      float* po = out + row * len;
      if (sl == 1) memcpy(po, x + src, len * 4);
      else
        for (long j = 0; j < len; j++) po[j] = x[src + j * sl];
    }
  });
  return ret(env, r);
}

napi_value IndexSelect(napi_env env, napi_callback_info info) {
  Args a(env, info);
  const float* x = a.arr<float>(0);
  float* out = a.arr<float>(1);
  const int outer = a.i32(2), n = a.i32(3), inner = a.i32(4);
  size_t m = 0;
  const int* idx = a.arr<int>(5, &m);
  if (!a.ok) return nullptr;
  for (long o = 0; o < outer; o++)
    for (size_t j = 0; j < m; j++)
      memcpy(out + (o * m + j) * inner, x + (o * n + idx[j]) * (long)inner, (size_t)inner * 4);
  return ret(env, 1);
}

napi_value IndexAdd(napi_env env, napi_callback_info info) {
  Args a(env, info);
  const float* g = a.arr<float>(0);
  float* out = a.arr<float>(1);
  const int outer = a.i32(2), n = a.i32(3), inner = a.i32(4);
  size_t m = 0;
  const int* idx = a.arr<int>(5, &m);
  if (!a.ok) return nullptr;
  for (long o = 0; o < outer; o++)
    for (size_t j = 0; j < m; j++) {
      float* dst = out + (o * n + idx[j]) * (long)inner;
      const float* src = g + (o * m + j) * inner;
      for (int i = 0; i < inner; i++) dst[i] += src[i];
    }
  return ret(env, 1);
}

// ---- fused LSTM cell ----------------------------------------------------------------------------
// One step's element-wise part (src/kernels/contract.ts, LstmCellResult), SIMD on instruction set `isa`
// (kernels.inc lstm_cell / lstm_cell_backward): σ and tanh in single precision (≤ 2 ulp).
napi_value LstmCell(napi_env env, napi_callback_info info) {
  Args a(env, info);
  const Kernels* K = a.isa(0);
  const float* gates = a.arr<float>(1);
  const float* c = a.arr<float>(2);
  float* hc = a.arr<float>(3);
  float* act = a.arr<float>(4);
  const int B = a.i32(5), H = a.i32(6);
  if (!a.ok) return nullptr;
  return ret(env, K->lstm_cell(gates, c, hc, act, B, H));
}

napi_value LstmCellBackward(napi_env env, napi_callback_info info) {
  Args a(env, info);
  const Kernels* K = a.isa(0);
  const float* act = a.arr<float>(1);
  const float* c = a.arr<float>(2);
  const float* dhc = a.arr<float>(3);
  float* dg = a.arr<float>(4);
  float* dc = a.arr<float>(5);
  const int B = a.i32(6), H = a.i32(7);
  if (!a.ok) return nullptr;
  return ret(env, K->lstm_cell_backward(act, c, dhc, dg, dc, B, H));
}

// ---- per-ISA kernels ---------------------------------------------------------------------------
napi_value Matmul(napi_env env, napi_callback_info info) {
  Args a(env, info);
  const Kernels* K = a.isa(0);
  const float* A = a.arr<float>(1);
  const float* B = a.arr<float>(2);
  float* C = a.arr<float>(3);
  const int batch = a.i32(4), m = a.i32(5), k = a.i32(6), n = a.i32(7);
  const bool ta = a.flag(8), tb = a.flag(9);
  const int* aoff = a.arr<int>(10);
  const int* boff = a.arr<int>(11);
  const bool par = a.flag(12);
  // Optional argument 13: accumulate into C (C += op(A)·op(B)); absent means overwrite.
  const bool acc = a.n > 13 ? a.flag(13) : false;
  if (!a.ok) return nullptr;
  std::lock_guard<std::mutex> lk(callMutex);
  return ret(env, K->matmul(A, B, C, batch, m, k, n, ta, tb, aoff, boff, par, acc));
}

napi_value Softmax(napi_env env, napi_callback_info info) {
  Args a(env, info);
  const Kernels* K = a.isa(0);
  const float* x = a.arr<float>(1);
  float* out = a.arr<float>(2);
  const int outer = a.i32(3), n = a.i32(4), inner = a.i32(5);
  const bool log = a.flag(6), par = a.flag(7);
  if (!a.ok) return nullptr;
  std::lock_guard<std::mutex> lk(callMutex);
  return ret(env, K->softmax(x, out, outer, n, inner, log, par));
}

napi_value AdamStep(napi_env env, napi_callback_info info) {
  Args a(env, info);
  const Kernels* K = a.isa(0);
  size_t nw = 0, ng = 0, nm = 0, nv = 0;
  float* w = a.arr<float>(1, &nw);
  const float* g = a.arr<float>(2, &ng);
  float* m = a.arr<float>(3, &nm);
  float* v = a.arr<float>(4, &nv);
  const float stepSize = (float)a.num(5), beta1 = (float)a.num(6), beta2 = (float)a.num(7);
  const float bc2 = (float)a.num(8), eps = (float)a.num(9);
  if (!a.ok) return nullptr;
  if (ng != nw || nm != nw || nv != nw) {
    napi_throw_range_error(env, nullptr, "qkv_native adamStep: w, g, m and v must have one length");
    return nullptr;
  }
  std::lock_guard<std::mutex> lk(callMutex);
  return ret(env, K->adam_step(w, g, m, v, (long)nw, stepSize, beta1, beta2, bc2, eps));
}

// The global generator's dropout mask (src/tensor/random.ts dropoutMask): mulberry32 from `state`,
// out[i] = 0 where the i-th draw u (a uint32) < threshold (= p·2³²), else keep. Returns the new state.
napi_value DropoutMask(napi_env env, napi_callback_info info) {
  Args a(env, info);
  size_t n = 0;
  float* out = a.arr<float>(0, &n);
  const double stateIn = a.num(1), threshold = a.num(2);
  const float keep = (float)a.num(3);
  if (!a.ok) return nullptr;
  const uint32_t s0 = (uint32_t)stateIn;
  for (size_t i = 0; i < n; i++) {
    uint32_t t = s0 + (uint32_t)(i + 1) * 0x6D2B79F5u;
    t = (t ^ (t >> 15)) * (t | 1u);
    t ^= t + (t ^ (t >> 7)) * (t | 61u);
    const uint32_t u = t ^ (t >> 14);
    out[i] = (double)u < threshold ? 0.0f : keep;
  }
  napi_value r;
  napi_create_uint32(env, s0 + (uint32_t)n * 0x6D2B79F5u, &r);
  return r;
}

// out = x · coef, each product in double rounded once to float (as JavaScript's own loop computes it).
napi_value Scale(napi_env env, napi_callback_info info) {
  Args a(env, info);
  size_t n = 0, no = 0;
  const float* x = a.arr<float>(0, &n);
  float* out = a.arr<float>(1, &no);
  const double coef = a.num(2);
  if (!a.ok) return nullptr;
  if (no != n) {
    napi_throw_range_error(env, nullptr, "qkv_native scale: x and out must have one length");
    return nullptr;
  }
  for (size_t i = 0; i < n; i++) out[i] = (float)((double)x[i] * coef);
  return ret(env, 1);
}

// Σ x² in double (eight independent accumulators), for clip-grad-norm.
napi_value SumOfSquares(napi_env env, napi_callback_info info) {
  Args a(env, info);
  size_t n = 0;
  const float* x = a.arr<float>(0, &n);
  if (!a.ok) return nullptr;
  double s8[8] = {0, 0, 0, 0, 0, 0, 0, 0};
  size_t i = 0;
  for (; i + 8 <= n; i += 8)
    for (int l = 0; l < 8; l++) s8[l] += (double)x[i + l] * x[i + l];
  double s = ((s8[0] + s8[1]) + (s8[2] + s8[3])) + ((s8[4] + s8[5]) + (s8[6] + s8[7]));
  for (; i < n; i++) s += (double)x[i] * x[i];
  napi_value r;
  napi_create_double(env, s, &r);
  return r;
}

napi_value SoftmaxBackward(napi_env env, napi_callback_info info) {
  Args a(env, info);
  const Kernels* K = a.isa(0);
  const float* y = a.arr<float>(1);
  const float* g = a.arr<float>(2);
  float* dx = a.arr<float>(3);
  const int outer = a.i32(4), n = a.i32(5), inner = a.i32(6);
  const bool log = a.flag(7), par = a.flag(8);
  if (!a.ok) return nullptr;
  std::lock_guard<std::mutex> lk(callMutex);
  return ret(env, K->softmax_backward(y, g, dx, outer, n, inner, log, par));
}

napi_value MixtureBackward(napi_env env, napi_callback_info info) {
  Args a(env, info);
  const Kernels* K = a.isa(0);
  const float* P = a.arr<float>(1);
  const float* u = a.arr<float>(2);
  const float* w = a.arr<float>(3);
  float* dz = a.arr<float>(4);
  float* da = a.arr<float>(5);
  const int N = a.i32(6), S = a.i32(7), V = a.i32(8);
  const bool par = a.flag(9);
  if (!a.ok) return nullptr;
  std::lock_guard<std::mutex> lk(callMutex);
  return ret(env, K->mixture_backward(P, u, w, dz, da, N, S, V, par));
}

// dims = [bh, t, s, d, dv, causal, biasStrideT, biasStrideS]; then scale, bias | null, offsets | null.
bool attnArgs(Args& a, size_t at, AttnArgs& p) {
  const int* dims = a.arr<int>(at);
  if (!a.ok) return false;
  p.bh = dims[0], p.t = dims[1], p.s = dims[2], p.d = dims[3], p.dv = dims[4];
  p.causal = dims[5] != 0;
  p.bst = dims[6], p.bss = dims[7];
  p.scale = (float)a.num(at + 1);
  p.bias = a.isNull(at + 2) ? nullptr : a.arr<float>(at + 2);
  p.biasOff = a.isNull(at + 3) ? nullptr : a.arr<int>(at + 3);
  return a.ok;
}

napi_value AttnForward(napi_env env, napi_callback_info info) {
  Args a(env, info);
  const Kernels* K = a.isa(0);
  const float* q = a.arr<float>(1);
  const float* k = a.arr<float>(2);
  const float* v = a.arr<float>(3);
  float* o = a.arr<float>(4);
  float* lse = a.arr<float>(5);
  AttnArgs p;
  if (!attnArgs(a, 6, p)) return nullptr;
  const bool par = a.flag(10);
  if (!a.ok) return nullptr;
  std::lock_guard<std::mutex> lk(callMutex);
  return ret(env, K->attn_forward(p, q, k, v, o, lse, par));
}

napi_value AttnBackward(napi_env env, napi_callback_info info) {
  Args a(env, info);
  const Kernels* K = a.isa(0);
  const float* q = a.arr<float>(1);
  const float* k = a.arr<float>(2);
  const float* v = a.arr<float>(3);
  const float* o = a.arr<float>(4);
  const float* lse = a.arr<float>(5);
  const float* dO = a.arr<float>(6);
  float* dq = a.arr<float>(7);
  float* dk = a.arr<float>(8);
  float* dv = a.arr<float>(9);
  AttnArgs p;
  if (!attnArgs(a, 10, p)) return nullptr;
  const bool par = a.flag(14);
  if (!a.ok) return nullptr;
  std::lock_guard<std::mutex> lk(callMutex);
  return ret(env, K->attn_backward(p, q, k, v, o, lse, dO, dq, dk, dv, par));
}

// ---- fused decoder step --------------------------------------------------------------------------
// linearRows(isa, X, N, K, W, M, b | null, Y): Y = X Wᵀ + b, W as a Linear stores it (M × K).
napi_value LinearRows(napi_env env, napi_callback_info info) {
  Args a(env, info);
  const Kernels* K = a.isa(0);
  size_t nx = 0, nw = 0, ny = 0, nb = 0;
  const float* X = a.arr<float>(1, &nx);
  const int N = a.i32(2), Kd = a.i32(3);
  const float* W = a.arr<float>(4, &nw);
  const int M = a.i32(5);
  const float* b = a.isNull(6) ? nullptr : a.arr<float>(6, &nb);
  float* Y = a.arr<float>(7, &ny);
  if (!a.ok) return nullptr;
  if (N < 0 || Kd < 1 || M < 1 || nx < (size_t)N * Kd || nw < (size_t)M * Kd || ny < (size_t)N * M ||
      (b && nb < (size_t)M)) {
    napi_throw_range_error(env, nullptr, "qkv_native.linearRows: arrays shorter than their shapes");
    return nullptr;
  }
  std::lock_guard<std::mutex> lk(callMutex);
  return ret(env, K->linear_rows(X, N, Kd, W, M, b, Y));
}

// decoderLayerStep(isa, x, dims [N, d, H, ff, S, cap, pos, normFirst, gelu, R], eps, selfK, selfV, memK,
//   memV, srcLengths, crossProbs | null, inW, inB, outW, outB, cqW, cqB, coW, coB, w1, b1, w2, b2,
//   n1w, n1b, n2w, n2b, n3w, n3b, rowMap): the caches hold R rows, row n of the step at rowMap[n].
napi_value DecoderLayerStep(napi_env env, napi_callback_info info) {
  Args a(env, info);
  const Kernels* K = a.isa(0);
  size_t len[40] = {0};
  DecoderStepArgs s{};
  s.x = a.arr<float>(1, &len[1]);
  const int* dims = a.arr<int>(2, &len[2]);
  s.eps = (float)a.num(3);
  s.selfK = a.arr<float>(4, &len[4]);
  s.selfV = a.arr<float>(5, &len[5]);
  s.memK = a.arr<float>(6, &len[6]);
  s.memV = a.arr<float>(7, &len[7]);
  s.srcLengths = a.arr<int>(8, &len[8]);
  s.crossProbs = a.isNull(9) ? nullptr : a.arr<float>(9, &len[9]);
  const float** w[] = {&s.inW, &s.inB, &s.outW, &s.outB, &s.cqW, &s.cqB, &s.coW, &s.coB, &s.w1,
                       &s.b1,  &s.w2,  &s.b2,   &s.n1w,  &s.n1b, &s.n2w, &s.n2b, &s.n3w, &s.n3b};
  for (int i = 0; i < 18; i++) *w[i] = a.arr<float>(10 + i, &len[10 + i]);
  size_t nMap = 0;
  s.rowMap = a.arr<int>(28, &nMap);
  if (!a.ok) return nullptr;
  if (len[2] < 10) {
    napi_throw_range_error(env, nullptr, "qkv_native.decoderLayerStep: dims needs 10 entries");
    return nullptr;
  }
  s.n = dims[0], s.d = dims[1], s.h = dims[2], s.ff = dims[3], s.s = dims[4], s.cap = dims[5], s.pos = dims[6];
  s.normFirst = dims[7] != 0, s.gelu = dims[8] != 0, s.rows = dims[9];
  const size_t N = s.n, d = s.d, ff = s.ff, S = s.s, cap = s.cap, R = s.rows;
  // need[i]: the least length of argument i (0: not an array checked here).
  const size_t need[28] = {0,      N * d,     0,     0,     R * d * cap, R * d * cap, R * d * S, R * d * S,
                           N,      N * s.h * S, 3 * d * d, 3 * d, d * d,      d,          d * d,     d,
                           d * d,  d,         ff * d, ff,   d * ff,      d,           d,         d,
                           d,      d,         d,     d};
  const bool shapes = s.n >= 1 && s.d >= 1 && s.h >= 1 && s.d % s.h == 0 && s.ff >= 1 && s.s >= 1 &&
                      s.pos >= 0 && s.pos < s.cap;
  bool ok = shapes;
  for (int i = 1; i < 28 && ok; i++) {
    if (i == 2 || i == 3 || (i == 9 && !s.crossProbs)) continue;
    // cqW/cqB: the cross-attention's packed (3d × d) in-projection; only its first d rows are read.
    if (len[i] < need[i]) ok = false;
  }
  if (!ok) {
    napi_throw_range_error(env, nullptr, "qkv_native.decoderLayerStep: arrays shorter than their shapes");
    return nullptr;
  }
  if (nMap < N) ok = false;
  for (size_t n = 0; n < N && ok; n++)
    if (s.rowMap[n] < 0 || s.rowMap[n] >= s.rows) ok = false;
  if (!ok) {
    napi_throw_range_error(env, nullptr, "qkv_native.decoderLayerStep: rowMap shorter than the rows or out of range");
    return nullptr;
  }
  for (size_t n = 0; n < N; n++)
    if (s.srcLengths[n] < 1) {
      napi_throw_range_error(env, nullptr, "qkv_native.decoderLayerStep: a source length below 1");
      return nullptr;
    }
  std::lock_guard<std::mutex> lk(callMutex);
  return ret(env, K->decoder_layer_step(s));
}

// encoderLayer(isa, x, dims [B, d, H, ff, S, normFirst, gelu], eps, srcLengths, inW, inB, outW, outB,
//   w1, b1, w2, b2, n1w, n1b, n2w, n2b)
napi_value EncoderLayer(napi_env env, napi_callback_info info) {
  Args a(env, info);
  const Kernels* K = a.isa(0);
  size_t len[20] = {0};
  DecoderStepArgs s{};
  s.x = a.arr<float>(1, &len[1]);
  const int* dims = a.arr<int>(2, &len[2]);
  s.eps = (float)a.num(3);
  s.srcLengths = a.arr<int>(4, &len[4]);
  const float** w[] = {&s.inW, &s.inB, &s.outW, &s.outB, &s.w1, &s.b1, &s.w2, &s.b2,
                       &s.n1w, &s.n1b, &s.n2w, &s.n2b};
  for (int i = 0; i < 12; i++) *w[i] = a.arr<float>(5 + i, &len[5 + i]);
  if (!a.ok) return nullptr;
  if (len[2] < 7) {
    napi_throw_range_error(env, nullptr, "qkv_native.encoderLayer: dims needs 7 entries");
    return nullptr;
  }
  s.n = dims[0], s.d = dims[1], s.h = dims[2], s.ff = dims[3], s.s = dims[4];
  s.normFirst = dims[5] != 0, s.gelu = dims[6] != 0;
  const size_t B = s.n, d = s.d, ff = s.ff, S = s.s;
  const size_t need[17] = {0, B * S * d, 0, 0, B, 3 * d * d, 3 * d, d * d, d, ff * d, ff, d * ff, d, d, d, d, d};
  bool ok = s.n >= 1 && s.d >= 1 && s.h >= 1 && s.d % s.h == 0 && s.ff >= 1 && s.s >= 1;
  for (int i = 1; i < 17 && ok; i++)
    if (len[i] < need[i]) ok = false;
  if (!ok) {
    napi_throw_range_error(env, nullptr, "qkv_native.encoderLayer: arrays shorter than their shapes");
    return nullptr;
  }
  for (size_t b = 0; b < B; b++)
    if (s.srcLengths[b] < 1) {
      napi_throw_range_error(env, nullptr, "qkv_native.encoderLayer: a source length below 1");
      return nullptr;
    }
  std::lock_guard<std::mutex> lk(callMutex);
  return ret(env, K->encoder_layer(s));
}

// ---- module -------------------------------------------------------------------------------------
napi_value Info(napi_env env, napi_callback_info) {
  napi_value obj, list, threads;
  napi_create_object(env, &obj);
  napi_create_array(env, &list);
  for (size_t i = 0; i < tables().size(); i++) {
    napi_value s;
    napi_create_string_utf8(env, tables()[i]->name, NAPI_AUTO_LENGTH, &s);
    napi_set_element(env, list, (uint32_t)i, s);
  }
  napi_set_named_property(env, obj, "isas", list);
  napi_create_int32(env, pool_threads(), &threads);
  napi_set_named_property(env, obj, "threads", threads);
  return obj;
}

napi_value SetThreads(napi_env env, napi_callback_info info) {
  Args a(env, info);
  const int n = a.i32(0);
  if (!a.ok) return nullptr;
  std::lock_guard<std::mutex> lk(callMutex);
  set_pool_threads(n);
  return ret(env, pool_threads());
}

napi_value Init(napi_env env, napi_value exports) {
  const napi_property_descriptor props[] = {
      {"info", nullptr, Info, nullptr, nullptr, nullptr, napi_default, nullptr},
      {"setThreads", nullptr, SetThreads, nullptr, nullptr, nullptr, napi_default, nullptr},
      {"unary", nullptr, Unary, nullptr, nullptr, nullptr, napi_default, nullptr},
      {"binary", nullptr, Binary, nullptr, nullptr, nullptr, napi_default, nullptr},
      {"reduce", nullptr, Reduce, nullptr, nullptr, nullptr, napi_default, nullptr},
      {"argmax", nullptr, Argmax, nullptr, nullptr, nullptr, napi_default, nullptr},
      {"permute", nullptr, Permute, nullptr, nullptr, nullptr, napi_default, nullptr},
      {"indexSelect", nullptr, IndexSelect, nullptr, nullptr, nullptr, napi_default, nullptr},
      {"indexAdd", nullptr, IndexAdd, nullptr, nullptr, nullptr, napi_default, nullptr},
      {"matmul", nullptr, Matmul, nullptr, nullptr, nullptr, napi_default, nullptr},
      {"softmax", nullptr, Softmax, nullptr, nullptr, nullptr, napi_default, nullptr},
      {"softmaxBackward", nullptr, SoftmaxBackward, nullptr, nullptr, nullptr, napi_default, nullptr},
      {"mixtureBackward", nullptr, MixtureBackward, nullptr, nullptr, nullptr, napi_default, nullptr},
      {"adamStep", nullptr, AdamStep, nullptr, nullptr, nullptr, napi_default, nullptr},
      {"dropoutMask", nullptr, DropoutMask, nullptr, nullptr, nullptr, napi_default, nullptr},
      {"sumOfSquares", nullptr, SumOfSquares, nullptr, nullptr, nullptr, napi_default, nullptr},
      {"scale", nullptr, Scale, nullptr, nullptr, nullptr, napi_default, nullptr},
      {"lstmCell", nullptr, LstmCell, nullptr, nullptr, nullptr, napi_default, nullptr},
      {"lstmCellBackward", nullptr, LstmCellBackward, nullptr, nullptr, nullptr, napi_default, nullptr},
      {"attnForward", nullptr, AttnForward, nullptr, nullptr, nullptr, napi_default, nullptr},
      {"attnBackward", nullptr, AttnBackward, nullptr, nullptr, nullptr, napi_default, nullptr},
      {"linearRows", nullptr, LinearRows, nullptr, nullptr, nullptr, napi_default, nullptr},
      {"decoderLayerStep", nullptr, DecoderLayerStep, nullptr, nullptr, nullptr, napi_default, nullptr},
      {"encoderLayer", nullptr, EncoderLayer, nullptr, nullptr, nullptr, napi_default, nullptr},
  };
  napi_define_properties(env, exports, sizeof(props) / sizeof(props[0]), props);
  // The interface's version: src/kernels/native/index.ts refuses an addon built from other sources
  // (an argument added or changed meaning, as matmul's accumulate flag did, would be misread silently).
  // Raise it with every change to a function's arguments or meaning, here and there.
  napi_value abi;
  napi_create_int32(env, 4, &abi);
  napi_set_named_property(env, exports, "abi", abi);
  return exports;
}

}  // namespace
}  // namespace qkv

NAPI_MODULE(NODE_GYP_MODULE_NAME, qkv::Init)
