// The thread pool and scratch arenas. Workers spin briefly after a job (a following kernel usually
// comes within microseconds), then sleep on a condition variable, so an idle process costs nothing.
#include "runtime.h"

#include <sched.h>

#include <atomic>
#include <condition_variable>
#include <cstdlib>
#include <mutex>
#include <thread>
#include <vector>

namespace qkv {
namespace {

inline void cpu_relax() {
#if defined(__x86_64__) || defined(__i386__)
  __builtin_ia32_pause();
#elif defined(__aarch64__)
  asm volatile("yield");
#endif
}

struct Pool {
  std::mutex mu;
  std::condition_variable cv;
  std::atomic<uint64_t> gen{0};
  std::atomic<long> next{0};
  std::atomic<int> inflight{0};  // workers inside the current job
  std::atomic<bool> open{false};  // the job still takes workers
  long total = 0;
  void (*fn)(void*, long, int) = nullptr;
  void* ctx = nullptr;
  bool stop = false;
  int threads = 1;
  std::vector<std::thread> workers;

  void work(int tid) {
    for (;;) {
      const long i = next.fetch_add(1, std::memory_order_relaxed);
      if (i >= total) break;
      fn(ctx, i, tid);
    }
  }

  // `seen` is the generation when the worker was created: a job dispatched before the thread gets to
  // run must still count as new to it.
  void loop(int tid, uint64_t seen) {
    for (;;) {
      for (int spin = 0; spin < 2000 && gen.load(std::memory_order_acquire) == seen; spin++) cpu_relax();
      if (gen.load(std::memory_order_acquire) == seen) {
        std::unique_lock<std::mutex> lk(mu);
        cv.wait(lk, [&] { return stop || gen.load() != seen; });
      }
      if (stop) return;
      seen = gen.load();
      // Join only while the job is open: the caller closes it once every task is taken and then waits
      // just for the workers inside, so a worker the OS schedules late never holds a job up.
      inflight.fetch_add(1);
      if (open.load()) work(tid);
      inflight.fetch_sub(1);
    }
  }

  void resize(int n) {
    {
      std::lock_guard<std::mutex> lk(mu);
      stop = true;
    }
    cv.notify_all();
    for (auto& w : workers) w.join();
    workers.clear();
    stop = false;
    threads = n;
    const uint64_t now = gen.load();
    for (int t = 1; t < n; t++) workers.emplace_back([this, t, now] { loop(t, now); });
  }
};

// Never destroyed: workers may still wait on its condition variable while the process exits.
Pool* pool() {
  static Pool* p = new Pool();
  return p;
}

struct Arena {
  void* p = nullptr;
  size_t cap = 0;
};
Arena arenas[64];
Arena sharedArena;

void* grow(Arena& a, size_t bytes) {
  if (bytes > a.cap) {
    std::free(a.p);
    const size_t cap = (bytes + 4095) / 4096 * 4096;
    a.p = std::aligned_alloc(64, cap);
    if (!a.p) std::abort();
    a.cap = cap;
  }
  return a.p;
}

int available_cores() {
  cpu_set_t set;
  if (sched_getaffinity(0, sizeof(set), &set) == 0) {
    const int n = CPU_COUNT(&set);
    if (n > 0) return n;
  }
  const unsigned h = std::thread::hardware_concurrency();
  return h > 0 ? (int)h : 1;
}

}  // namespace

int pool_threads() {
  Pool* p = pool();
  static bool started = false;
  if (!started) {
    started = true;
    const int n = available_cores();
    p->resize(n < 64 ? n : 64);
  }
  return p->threads;
}

void set_pool_threads(int n) {
  pool_threads();  // start once with the default first
  if (n < 1) n = 1;
  if (n > 64) n = 64;
  if (n != pool()->threads) pool()->resize(n);
}

int run_tasks_impl(bool par, long n, void (*fn)(void*, long, int), void* ctx) {
  const int threads = par ? pool_threads() : 1;
  if (threads <= 1 || n <= 1) {
    for (long i = 0; i < n; i++) fn(ctx, i, 0);
    return 1;
  }
  Pool* p = pool();
  p->fn = fn;
  p->ctx = ctx;
  p->total = n;
  p->next.store(0);
  p->open.store(true);
  {
    std::lock_guard<std::mutex> lk(p->mu);
    p->gen.fetch_add(1);
  }
  p->cv.notify_all();
  p->work(0);
  p->open.store(false);
  for (int spin = 0; p->inflight.load() > 0; spin++) {
    if (spin < 20000) cpu_relax();
    else std::this_thread::yield();
  }
  // The job was offered to the pool (how many threads took tasks depends on the OS scheduler).
  return n < threads ? (int)n : threads;
}

void* scratch(int tid, size_t bytes) { return grow(arenas[tid], bytes); }
void* shared_scratch(size_t bytes) { return grow(sharedArena, bytes); }

}  // namespace qkv
