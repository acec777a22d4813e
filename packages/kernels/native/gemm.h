// Cache-blocked single-precision GEMM for the recurrent kernels: C (+)= A · B with A row-major
// (any row stride) and B pre-packed into column panels. No external BLAS: the micro-kernel is
// written with GCC/Clang vector extensions, so -march=native turns it into AVX-512, AVX2 or SSE.
#pragma once
#include <algorithm>
#include <cstddef>
#include <cstring>
#include <vector>
#include "threads.h"
#if defined(__AVX512F__)
#include <immintrin.h>
#endif

#if defined(__AVX512F__)
#define SK_VL 16
#define SK_MR 8
#define SK_ISA "avx512"
#elif defined(__AVX__)
#define SK_VL 8
#define SK_MR 6
#if defined(__FMA__)
#define SK_ISA "avx2-fma"
#else
#define SK_ISA "avx"
#endif
#else
#define SK_VL 4
#define SK_MR 4
#if defined(__SSE2__)
#define SK_ISA "sse"
#else
#define SK_ISA "generic"
#endif
#endif
#define SK_NR (2 * SK_VL)
// K block: one packed panel (KC x NR floats) stays in L1 while the row blocks stream past it.
#ifndef SK_KC
#if SK_VL == 8
#define SK_KC 256
#else
#define SK_KC 128
#endif
#endif
// k iterations per pass of the micro-kernel's loop. The 8-lane tile must issue two FMAs per cycle
// besides its loads and broadcasts, so the loop's own instructions (counter, branch, prefetch
// test) held it back: unrolling by 4 made a charlm-h512 step 5-12% faster on Zen 4 (docs/kernels.md).
// The 16-lane tile issues one FMA per cycle and gained nothing measurable.
#ifndef SK_K_UNROLL
#if SK_VL == 8
#define SK_K_UNROLL 4
#else
#define SK_K_UNROLL 1
#endif
#endif
// M block: the rows of A reused across all panels of one K block stay in L2.
#define SK_MC 192
// Packed B up to this size is re-read from L2 rather than streaming C through memory (see gemm_part).
#define SK_B_L2_BYTES (512 * 1024)

namespace sk {

typedef float vf __attribute__((vector_size(SK_VL * 4)));
static constexpr int kKUnroll = SK_K_UNROLL;

static inline vf loadu(const float* p) {
  vf v;
  std::memcpy(&v, p, sizeof v);
  return v;
}
static inline void storeu(float* p, vf v) { std::memcpy(p, &v, sizeof v); }

// B (K x N) packed as [kblock][panel][kk][NR], columns past N zero-filled.
struct Packed {
  int K = 0, N = 0, nkb = 0, np = 0;
  std::vector<float> d;
  const float* panel(int kb, int p) const { return d.data() + ((size_t)kb * np + p) * (size_t)SK_KC * SK_NR; }
};

// fn(i0, i1) over [0, n) split into at most one range per thread, each at least `grain` long.
// Only for work whose result does not depend on the split (disjoint writes, no reductions across
// ranges), and never from inside a pool job.
template <class F>
static inline void par_range(long n, long grain, F&& fn) {
  Pool& pool = Pool::get();
  // a few chunks per thread, so that a thread the OS deschedules leaves its share to the others
  const int parts = (int)std::max(1L, std::min(4L * pool.size(), n / std::max(1L, grain)));
  if (parts <= 1) return fn(0L, n);
  pool.run(parts, [&](int i) { fn(n * i / parts, n * (i + 1) / parts); });
}

// element (k, n) of B is src[k*ld + n] (trans=false) or src[n*ld + k] (trans=true).
// Large packs (the per-call weight and gradient panels) are split over the pool by blocks.
static inline void pack(Packed& P, const float* src, long ld, int K, int N, bool trans) {
  P.K = K;
  P.N = N;
  P.nkb = (K + SK_KC - 1) / SK_KC;
  P.np = (N + SK_NR - 1) / SK_NR;
  const size_t need = (size_t)P.nkb * P.np * SK_KC * SK_NR;
  if (P.d.size() < need) P.d.resize(need);
  float* base = P.d.data();
  const int np = P.np;
  // every block is written whole (the padding past K and N as zeros), so nothing is cleared first
  par_range((long)P.nkb * np, std::max(1L, (1L << 16) / (SK_KC * SK_NR)), [&](long b0, long b1) {
    for (long blk = b0; blk < b1; blk++) {
      const int kb = (int)(blk / np), p = (int)(blk % np);
      const int k0 = kb * SK_KC, kc = std::min(SK_KC, K - k0);
      const int n0 = p * SK_NR, nc = std::min(SK_NR, N - n0);
      float* dst = base + (size_t)blk * SK_KC * SK_NR;
      for (int kk = 0; kk < kc; kk++) {
        float* row = dst + (size_t)kk * SK_NR;
        if (!trans) {
          std::memcpy(row, src + (size_t)(k0 + kk) * ld + n0, sizeof(float) * nc);
        } else {
          for (int j = 0; j < nc; j++) row[j] = src[(size_t)(n0 + j) * ld + k0 + kk];
        }
        if (nc < SK_NR) std::memset(row + nc, 0, sizeof(float) * (SK_NR - nc));
      }
      if (kc < SK_KC) std::memset(dst + (size_t)kc * SK_NR, 0, sizeof(float) * (SK_KC - kc) * SK_NR);
    }
  });
}

// Element (r, k) of A is A[r * lda + k], or A[k * lda + r] when AT: a weight gradient hᵀ·D reads
// the states h [rows, units] in place instead of transposing them first.
template <int M, bool AT>
static inline void micro(int kc, const float* __restrict A, long lda, const float* __restrict Bp, float* C, long ldc,
                         bool acc, int nc, const float* pf = nullptr) {
  vf c0[M], c1[M];
  for (int r = 0; r < M; r++) {
    c0[r] = vf{};
    c1[r] = vf{};
    // C's rows are read (acc) or written after the K loop: start fetching them now
    __builtin_prefetch(C + r * ldc, 1, 3);
    __builtin_prefetch(C + r * ldc + SK_NR - 1, 1, 3);
  }
  // One k: NR/VL loads of B, M broadcasts of A, 2M FMAs.
  auto step = [&](int k) __attribute__((always_inline)) {
    const vf b0 = loadu(Bp + (size_t)k * SK_NR), b1 = loadu(Bp + (size_t)k * SK_NR + SK_VL);
    for (int r = 0; r < M; r++) {
      const float a = AT ? A[(size_t)k * lda + r] : A[r * lda + k];
      c0[r] += a * b0;
      c1[r] += a * b1;
    }
  };
  // Unrolled by SK_K_UNROLL; the prefetching variant is its own loop (no test per k).
  int k = 0;
  if (pf) {
    // the next panel, one k row (NR floats) per k, so it is in L1 when its first row block starts
#pragma GCC unroll kKUnroll
    for (; k < kc; k++) {
      __builtin_prefetch(pf + (size_t)k * SK_NR, 0, 3);
      if (SK_NR * 4 > 64) __builtin_prefetch(pf + (size_t)k * SK_NR + 16, 0, 3);
      step(k);
    }
  } else {
#pragma GCC unroll kKUnroll
    for (; k < kc; k++) step(k);
  }
  if (nc == SK_NR) {
    for (int r = 0; r < M; r++) {
      float* cp = C + r * ldc;
      if (acc) {
        c0[r] += loadu(cp);
        c1[r] += loadu(cp + SK_VL);
      }
      storeu(cp, c0[r]);
      storeu(cp + SK_VL, c1[r]);
    }
  } else {
#if defined(__AVX512F__)
    // Partial panel: masked loads/stores instead of a scalar tail.
    const __mmask16 m0 = nc >= 16 ? (__mmask16)0xFFFF : (__mmask16)((1u << nc) - 1);
    const __mmask16 m1 = nc > 16 ? (__mmask16)((1u << (nc - 16)) - 1) : (__mmask16)0;
    for (int r = 0; r < M; r++) {
      float* cp = C + r * ldc;
      __m512 a0 = (__m512)c0[r], a1 = (__m512)c1[r];
      if (acc) {
        a0 = _mm512_add_ps(a0, _mm512_maskz_loadu_ps(m0, cp));
        a1 = _mm512_add_ps(a1, _mm512_maskz_loadu_ps(m1, cp + 16));
      }
      _mm512_mask_storeu_ps(cp, m0, a0);
      _mm512_mask_storeu_ps(cp + 16, m1, a1);
    }
#else
    float tmp[SK_NR];
    for (int r = 0; r < M; r++) {
      float* cp = C + r * ldc;
      storeu(tmp, c0[r]);
      storeu(tmp + SK_VL, c1[r]);
      if (acc)
        for (int j = 0; j < nc; j++) cp[j] += tmp[j];
      else
        for (int j = 0; j < nc; j++) cp[j] = tmp[j];
    }
#endif
  }
}

template <bool AT>
static inline void micro_rows(int rows, int kc, const float* A, long lda, const float* Bp, float* C, long ldc, bool acc,
                              int nc) {
  switch (rows) {
#if SK_MR >= 8
    case 8: micro<8, AT>(kc, A, lda, Bp, C, ldc, acc, nc); break;
    case 7: micro<7, AT>(kc, A, lda, Bp, C, ldc, acc, nc); break;
#endif
#if SK_MR >= 6
    case 6: micro<6, AT>(kc, A, lda, Bp, C, ldc, acc, nc); break;
    case 5: micro<5, AT>(kc, A, lda, Bp, C, ldc, acc, nc); break;
#endif
    case 4: micro<4, AT>(kc, A, lda, Bp, C, ldc, acc, nc); break;
    case 3: micro<3, AT>(kc, A, lda, Bp, C, ldc, acc, nc); break;
    case 2: micro<2, AT>(kc, A, lda, Bp, C, ldc, acc, nc); break;
    default: micro<1, AT>(kc, A, lda, Bp, C, ldc, acc, nc); break;
  }
}

// Where element (row, k) of A is (see micro).
template <bool AT>
static inline const float* a_at(const float* A, long lda, int row, int k) {
  return AT ? A + (size_t)k * lda + row : A + (size_t)row * lda + k;
}

// Rows [r0, r1) and column panels [p0, p1) of C (+)= A · B (A read transposed when AT).
template <bool AT = false>
static inline void gemm_part(const float* A, long lda, const Packed& P, float* C, long ldc, bool acc, int r0, int r1,
                             int p0, int p1) {
  // One MC x KC block of A against the panels [p0, p1) of K block kb.
  auto block = [&](int kb, int m0) {
    const int k0 = kb * SK_KC, kc = std::min(SK_KC, P.K - k0);
    const bool a = acc || kb > 0;
    const int mc = std::min(SK_MC, r1 - m0);
    for (int p = p0; p < p1; p++) {
      const int n0 = p * SK_NR, nc = std::min(SK_NR, P.N - n0);
      const float* bp = P.panel(kb, p);
      // the first row block of a panel prefetches the next panel (of this K block, or the next's first)
      const float* next = p + 1 < p1 ? P.panel(kb, p + 1) : kb + 1 < P.nkb ? P.panel(kb + 1, p0) : nullptr;
      int r = 0;
      for (; r + SK_MR <= mc; r += SK_MR)
        micro<SK_MR, AT>(kc, a_at<AT>(A, lda, m0 + r, k0), lda, bp, C + (size_t)(m0 + r) * ldc + n0, ldc, a, nc,
                         r == 0 ? next : nullptr);
      if (r < mc)
        micro_rows<AT>(mc - r, kc, a_at<AT>(A, lda, m0 + r, k0), lda, bp, C + (size_t)(m0 + r) * ldc + n0, ldc, a, nc);
    }
  };
  // Tall products with a small packed B (an input projection or dx over all T*B rows): row blocks
  // outside, so each block of C stays in L2 across all K blocks instead of streaming through
  // memory once per K block; B is re-read from L2. Otherwise K blocks outside (B read once).
  const size_t packed_bytes = sizeof(float) * (size_t)P.K * (p1 - p0) * SK_NR;
  if (r1 - r0 > SK_MC && P.nkb > 1 && packed_bytes <= SK_B_L2_BYTES) {
    for (int m0 = r0; m0 < r1; m0 += SK_MC)
      for (int kb = 0; kb < P.nkb; kb++) block(kb, m0);
  } else {
    for (int kb = 0; kb < P.nkb; kb++)
      for (int m0 = r0; m0 < r1; m0 += SK_MC) block(kb, m0);
  }
}

// Products below this many multiply-adds run on the calling thread: waking workers costs more.
#define SK_PAR_MIN_MACS (1L << 18)

// C[M x N] (+)= A[M x K] · B, with B packed (A stored as its transpose [K x M] when AT). acc=false
// overwrites C. Large products are split over the worker pool into blocks of rows and column
// panels: every chunk writes its own block of C, so no synchronisation beyond the join is needed.
template <bool AT = false>
static inline void gemm(int M, const float* A, long lda, const Packed& P, float* C, long ldc, bool acc) {
  if (M <= 0 || P.N <= 0) return;
  if (P.K == 0) {
    if (!acc)
      for (int r = 0; r < M; r++) std::memset(C + (size_t)r * ldc, 0, sizeof(float) * P.N);
    return;
  }
  Pool& pool = Pool::get();
  const int nt = pool.size();
  if (nt <= 1 || (long)M * P.K * P.N < SK_PAR_MIN_MACS) return gemm_part<AT>(A, lda, P, C, ldc, acc, 0, M, 0, P.np);
  // Chunks are row blocks (about SK_MC rows, so each chunk reuses its block of A across all its
  // panels, as the single-thread loop does) times panel groups (only as many as needed for about
  // two chunks per thread: a product of few rows is split by panels alone).
  const int blocks = (M + SK_MR - 1) / SK_MR;
  int mb = std::max(1, std::min(blocks, (M + SK_MC - 1) / SK_MC));
  const int groups = std::max(1, std::min(P.np, (2 * nt + mb - 1) / mb));
  if (mb * groups < 2 * nt) mb = std::min(blocks, (2 * nt + groups - 1) / groups);
  pool.run(mb * groups, [&](int c) {
    const int i = c / groups, j = c % groups;
    const int b0 = (int)((long)blocks * i / mb), b1 = (int)((long)blocks * (i + 1) / mb);
    const int p0 = (int)((long)P.np * j / groups), p1 = (int)((long)P.np * (j + 1) / groups);
    gemm_part<AT>(A, lda, P, C, ldc, acc, b0 * SK_MR, std::min(M, b1 * SK_MR), p0, p1);
  });
}

}  // namespace sk
