// A small persistent worker pool for the kernels' matrix products: run(chunks, fn) calls
// fn(0..chunks-1) on the calling thread and the workers, each chunk claimed by whichever is free.
// Workers spin briefly between calls (a training step issues hundreds of products back to back,
// each ~0.1 ms) and then sleep on a condition variable, so an idle process costs no CPU. SEQCAST_THREADS pins the worker count (default: the hardware threads).
#pragma once
#include <atomic>
#include <condition_variable>
#include <cstdint>
#include <cstdlib>
#include <functional>
#include <mutex>
#include <thread>
#include <vector>
#if defined(__x86_64__) || defined(__i386__)
#include <immintrin.h>
#define SK_PAUSE() _mm_pause()
#else
#define SK_PAUSE() ((void)0)
#endif

namespace sk {

class Pool {
 public:
  // Created on first use and never destroyed: workers are detached and end with the process.
  static Pool& get() {
    static Pool* p = new Pool();
    return *p;
  }
  // Threads in use (the caller included).
  int size() const { return active_.load(std::memory_order_relaxed); }
  // Use at most n threads (1..the workers started); returns the count now in use.
  int set_active(int n) {
    active_.store(n < 1 ? 1 : n > n_ ? n_ : n, std::memory_order_relaxed);
    return size();
  }

  // Calls fn(c) once for every chunk c in [0, chunks), on the calling thread and the awake workers.
  // Chunks are claimed one at a time, not assigned: on a busy machine a worker that the OS has not
  // scheduled yet simply finds them all taken, and a descheduled one delays the call by at most the
  // chunk it is running. fn's results must therefore not depend on which thread runs a chunk.
  template <class F>
  void run(int chunks, F&& fn) {
    if (chunks <= 0) return;
    if (chunks > kMaxChunks) chunks = kMaxChunks;
    if (chunks == 1 || size() <= 1) {
      for (int c = 0; c < chunks; c++) fn(c);
      return;
    }
    std::function<void(int)> job = [&fn](int i) { fn(i); };
    job_ = &job;
    done_.store(0, std::memory_order_relaxed);
    const uint64_t gen = (uint64_t)(++gen_count_) << 32;
    {
      std::lock_guard<std::mutex> lk(m_);
      state_.store(gen | ((uint64_t)chunks << 16), std::memory_order_release);
    }
    cv_.notify_all();
    work((uint32_t)(gen >> 32));
    // On a busy machine a worker may be descheduled inside a chunk: after a short spin, give the core away.
    for (int spin = 0; done_.load(std::memory_order_acquire) < chunks; spin++) {
      if (spin < 4000) SK_PAUSE();
      else std::this_thread::yield();
    }
  }

 private:
  static int configured() {
    const char* s = std::getenv("SEQCAST_THREADS");
    long n = s && *s ? std::strtol(s, nullptr, 10) : (long)std::thread::hardware_concurrency();
    if (n < 1) n = 1;
    if (n > 64) n = 64;
    return (int)n;
  }
  Pool() : n_(configured()), active_(n_) {
    for (int i = 1; i < n_; i++) std::thread([this, i] { loop(i); }).detach();
  }
  // Claims and runs chunks of generation gen until none is left (or a newer run has started).
  void work(uint32_t gen) {
    for (;;) {
      uint64_t st = state_.load(std::memory_order_acquire);
      if ((uint32_t)(st >> 32) != gen) return;
      const int chunks = (int)((st >> 16) & 0xFFFF), next = (int)(st & 0xFFFF);
      if (next >= chunks) return;
      if (!state_.compare_exchange_weak(st, st + 1, std::memory_order_acq_rel, std::memory_order_relaxed)) continue;
      // The caller cannot return (and free the job) before this chunk is counted as done.
      (*job_)(next);
      done_.fetch_add(1, std::memory_order_release);
    }
  }
  void loop(int i) {
    // Generation 0 is the pool's birth, not this thread's start: a run() issued before this thread
    // first got a core has already advanced the generation, and this thread then joins it late.
    uint32_t seen = 0;
    auto gen_now = [&] { return (uint32_t)(state_.load(std::memory_order_acquire) >> 32); };
    for (;;) {
      for (int spin = 0; spin < 4000 && gen_now() == seen; spin++) SK_PAUSE();
      if (gen_now() == seen) {
        std::unique_lock<std::mutex> lk(m_);
        cv_.wait(lk, [&] { return gen_now() != seen; });
      }
      seen = gen_now();
      if (i < size()) work(seen);
    }
  }

  static constexpr int kMaxChunks = 0xFFFF;
  const int n_;
  std::atomic<int> active_;
  std::function<void(int)>* volatile job_ = nullptr;
  // generation (high 32 bits) | chunk count (16 bits) | next chunk to claim (16 bits)
  std::atomic<uint64_t> state_{0};
  uint32_t gen_count_ = 0;  // written by the calling thread only
  std::atomic<int> done_{0};
  std::mutex m_;
  std::condition_variable cv_;
};

}  // namespace sk
