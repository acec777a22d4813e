// A small persistent worker pool for the kernels' matrix products: run(parts, fn) calls fn(0..parts-1),
// the calling thread doing part 0. Workers spin briefly between calls (a training step issues
// hundreds of products back to back, each ~0.1 ms) and then sleep on a condition variable, so an
// idle process costs no CPU. SEQCAST_THREADS pins the worker count (default: the hardware threads).
#pragma once
#include <atomic>
#include <condition_variable>
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

  template <class F>
  void run(int parts, F&& fn) {
    if (parts > size()) parts = size();
    if (parts <= 1) {
      fn(0);
      return;
    }
    std::function<void(int)> job = [&fn](int i) { fn(i); };
    job_ = &job;
    parts_.store(parts, std::memory_order_relaxed);
    pending_.store(parts - 1, std::memory_order_relaxed);
    {
      std::lock_guard<std::mutex> lk(m_);
      gen_.fetch_add(1, std::memory_order_release);
    }
    cv_.notify_all();
    fn(0);
    // On a busy machine a worker may be descheduled: after a short spin, give the core away.
    for (int spin = 0; pending_.load(std::memory_order_acquire) != 0; spin++) {
      if (spin < 4000) SK_PAUSE();
      else std::this_thread::yield();
    }
    job_ = nullptr;
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
  void loop(int i) {
    // Generation 0 is the pool's birth, not this thread's start: a run() issued before this thread
    // first got a core has already advanced gen_, and reading it here would skip that run (the
    // caller then waited forever for its part).
    unsigned seen = 0;
    for (;;) {
      for (int spin = 0; spin < 4000 && gen_.load(std::memory_order_acquire) == seen; spin++) SK_PAUSE();
      if (gen_.load(std::memory_order_acquire) == seen) {
        std::unique_lock<std::mutex> lk(m_);
        cv_.wait(lk, [&] { return gen_.load(std::memory_order_acquire) != seen; });
      }
      seen = gen_.load(std::memory_order_acquire);
      if (i < parts_.load(std::memory_order_relaxed)) {
        (*job_)(i);
        pending_.fetch_sub(1, std::memory_order_release);
      }
    }
  }

  const int n_;
  std::atomic<int> active_;
  std::function<void(int)>* volatile job_ = nullptr;
  std::atomic<unsigned> gen_{0};
  std::atomic<int> parts_{0};
  std::atomic<int> pending_{0};
  std::mutex m_;
  std::condition_variable cv_;
};

}  // namespace sk
