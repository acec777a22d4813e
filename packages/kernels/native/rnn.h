// Whole-sequence LSTM and GRU forward and backward (BPTT) passes in one call each, plus the
// fused dense+softmax+cross-entropy and Adam update that surround them in training.
// Layouts are Keras/tfjs-layers: kernel [I,G], recurrentKernel [H,G], bias [G]; LSTM gates
// i,f,c,o (G=4H), GRU gates z,r,h (G=3H, reset gate applied before the recurrent matmul).
// Tensors are batch-major: x [B,T,I], outputs [B,T,H]. Masked steps keep the state and output 0.
#pragma once
#include <cmath>
#include <cstdint>
#include <cstring>
#include <string>
#include <vector>

#include "gemm.h"

namespace sk {

// exp without libm calls so that the element-wise loops vectorise (Cephes expf polynomial,
// relative error ~1e-7 over the clamped range).
static inline float fexp(float x) {
  x = std::min(std::max(x, -87.3f), 88.3f);
  const float n = __builtin_rintf(x * 1.44269504088896341f);
  float r = x - n * 0.693359375f;
  r = r - n * -2.12194440e-4f;
  const float z = r * r;
  const float y =
      (((((1.9875691500E-4f * r + 1.3981999507E-3f) * r + 8.3334519073E-3f) * r + 4.1665795894E-2f) * r +
        1.6666665459E-1f) * r + 5.0000001201E-1f) * z + r + 1.0f;
  const int32_t e = ((int32_t)n + 127) << 23;
  float s;
  std::memcpy(&s, &e, 4);
  return y * s;
}
static inline float fsigmoid(float x) { return 1.0f / (1.0f + fexp(-x)); }
static inline float ftanh(float x) { return 1.0f - 2.0f / (1.0f + fexp(2.0f * x)); }

// The same functions on whole vectors (explicit, so they vectorise with any compiler that has
// GCC vector extensions). Rounding uses the 1.5*2^23 trick instead of rint.
typedef int32_t vi __attribute__((vector_size(SK_VL * 4)));
static inline vf vb(float s) { return vf{} + s; }
static inline vf vexp(vf x) {
  x = x > vb(88.3f) ? vb(88.3f) : x;
  x = x < vb(-87.3f) ? vb(-87.3f) : x;
  const vf n = (x * 1.44269504088896341f + 12582912.0f) - 12582912.0f;
  vf r = x - n * 0.693359375f;
  r = r - n * -2.12194440e-4f;
  const vf z = r * r;
  const vf y =
      (((((1.9875691500E-4f * r + 1.3981999507E-3f) * r + 8.3334519073E-3f) * r + 4.1665795894E-2f) * r +
        1.6666665459E-1f) * r + 5.0000001201E-1f) * z + r + 1.0f;
  const vi e = (__builtin_convertvector(n, vi) + 127) << 23;
  return y * (vf)e;
}
static inline vf vsigmoid(vf x) { return 1.0f / (1.0f + vexp(-x)); }
static inline vf vtanh(vf x) { return 1.0f - 2.0f / (1.0f + vexp(2.0f * x)); }
// Loads/stores of the last, partial vector of a block go through a zero-padded buffer.
static inline vf loadn(const float* p, long cnt) {
  if (cnt >= SK_VL) return loadu(p);
#if defined(__AVX512F__)
  return (vf)_mm512_maskz_loadu_ps((__mmask16)((1u << cnt) - 1), p);
#else
  float t[SK_VL] = {0};
  std::memcpy(t, p, sizeof(float) * cnt);
  return loadu(t);
#endif
}
static inline void storen(float* p, vf v, long cnt) {
  if (cnt >= SK_VL) return storeu(p, v);
#if defined(__AVX512F__)
  _mm512_mask_storeu_ps(p, (__mmask16)((1u << cnt) - 1), (__m512)v);
#else
  float t[SK_VL];
  storeu(t, v);
  std::memcpy(p, t, sizeof(float) * cnt);
#endif
}
// Short row copies (H floats) without a libc call per row.
static inline void copy_row(float* __restrict dst, const float* __restrict src, long n) {
  for (long k = 0; k < n; k += SK_VL) storen(dst + k, loadn(src + k, n - k), n - k);
}

// Internal layout (time-major, gate-major) so that every element-wise loop runs over one
// contiguous [B*H] block and vectorises fully whatever H is:
//   gates [NG][T][B][H] (block g of step t at g*T*B*H + t*B*H), states hs/cs [T+1][B][H].
// x, masks and outputs stay batch-major ([B,T,...]) at the interface.

// Reusable scratch (grow-only), so repeated calls do not page-fault fresh allocations.
struct Scratch {
  std::vector<float> v;
  float* get(size_t n) {
    if (v.size() < n) v.resize(n);
    return v.data();
  }
};
static thread_local Scratch s_dz, s_a, s_c, s_d, s_e, s_f;
static thread_local Packed s_pk[4], s_pkW[4], s_pk2;

static inline bool row_valid(const float* mask, int T, int b, int t) { return mask == nullptr || mask[(long)b * T + t] != 0.0f; }

// Per-step input projection (keeps each step's gate block hot in cache instead of streaming a
// [T*B, G] matrix through memory): prepare once, then Z_g[t] = bias_g + x[:, t]·W_g per step.
static inline long input_prepare(int B, int T, int I, int H, int ng, const float* x, const int32_t* ids,
                                 const float* W) {
  if (ids) {
    for (long r = 0; r < (long)B * T; r++)
      if (ids[r] < 0 || ids[r] >= I) return r;
    return -1;
  }
  for (int g = 0; g < ng; g++) pack(s_pkW[g], W + g * H, (long)ng * H, I, H, false);
  return -1;
}
static inline void input_step(int B, int T, int I, int H, int ng, const float* x, const int32_t* ids, const float* W,
                              const float* bias, int t, float* Z, long TBH) {
  const long G = (long)ng * H;
  for (int g = 0; g < ng; g++) {
    float* z = Z + g * TBH + (long)t * B * H;
    if (ids) {
      for (int b = 0; b < B; b++) {
        const float* w = W + (size_t)ids[(long)b * T + t] * G + g * H;
        const float* bb = bias + g * H;
        float* zr = z + (long)b * H;
        for (int j = 0; j < H; j++) zr[j] = w[j] + bb[j];
      }
    } else {
      for (int b = 0; b < B; b++) copy_row(z + (long)b * H, bias + g * H, H);
      if (x) gemm(B, x + (long)t * I, (long)T * I, s_pkW[g], z, H, true);  // x == null: bias only
    }
  }
}

// Narrow layers (H not a multiple of the panel width) run all gates as ONE matrix product per
// step into a row-major [B, G] buffer, then spread it into the gate blocks: a quarter of the
// kernel calls and far less panel padding than one product per gate.
static inline bool combined_gates(int H) { return H % SK_NR != 0; }
static thread_local Packed s_pkU, s_pkX;
static thread_local Scratch s_row;

// C[M x N] (+)= A · Bm with Bm row-major (row stride ldb), no packing: for a handful of rows
// (generation: one sequence, one step per call) packing the weights would cost more than the product.
static inline void gemm_direct(int M, const float* A, long lda, const float* Bm, long ldb, int K, int N, float* C,
                               long ldc, bool acc) {
  for (int r = 0; r < M; r++) {
    float* c = C + (long)r * ldc;
    if (!acc) std::memset(c, 0, sizeof(float) * N);
    const float* a = A + (long)r * lda;
    for (int k = 0; k < K; k++) {
      const float ak = a[k];
      const float* b = Bm + (long)k * ldb;
      for (int n = 0; n < N; n += SK_VL) storen(c + n, loadn(c + n, N - n) + ak * loadn(b + n, N - n), N - n);
    }
  }
}
static inline bool direct_rows(int B) { return B <= 4; }

// x [B,T,I] (batch-major) -> xtm [T*B, I] (time-major), split over the pool.
static inline void to_time_major(int B, int T, int I, const float* x, float* xtm) {
  par_range(T, std::max(1L, (1L << 14) / std::max(1L, (long)B * I)), [&](long t0, long t1) {
    for (long t = t0; t < t1; t++)
      for (int b = 0; b < B; b++) std::memcpy(xtm + (t * B + b) * I, x + ((long)b * T + t) * I, sizeof(float) * I);
  });
}
// The inverse: xtm [T*B, I] -> x [B,T,I].
static inline void to_batch_major(int B, int T, int I, const float* xtm, float* x) {
  par_range(B, std::max(1L, (1L << 14) / std::max(1L, (long)T * I)), [&](long b0, long b1) {
    for (long b = b0; b < b1; b++)
      for (int t = 0; t < T; t++) std::memcpy(x + (b * T + t) * I, xtm + ((long)t * B + b) * I, sizeof(float) * I);
  });
}

// Wide layers (H a multiple of the panel width): each step is ONE fork/join over the worker pool.
// Part i (claimed by whichever thread is free) covers hidden units [j0, j1), whole panels: the
// recurrent products of all gates for those columns and then their element-wise math, which
// needs nothing outside its own columns, so no other synchronisation is needed within a step.
// Every number is computed by the same instructions whatever the split, so the results are
// bit-identical for any thread count. Returns the number of parts: one per thread when the step
// is worth splitting. Each thread then mostly runs the same columns step after step (the race for
// part 0 goes the same way), which keeps them in its core's L2 (h256: half of U is 512 KB); one
// part per panel let the panels wander between cores and cost 7–10 % of a two-thread step
// (docs/kernels.md). A worker the OS has not scheduled finds its part taken by the caller.
static inline int step_parts(int B, int H, int ng) {
  const int nt = Pool::get().size(), np = (H + SK_NR - 1) / SK_NR;
  if (nt <= 1 || (long)B * H * ng * H < SK_PAR_MIN_MACS) return 1;
  return np < nt ? np : nt;
}
// Columns [j0, j1) and panels [p0, p1) of part i out of parts.
struct ColRange {
  int p0, p1, j0, j1;
};
static inline ColRange col_range(int H, int parts, int i) {
  const int np = (H + SK_NR - 1) / SK_NR;
  ColRange r;
  r.p0 = (int)((long)np * i / parts);
  r.p1 = (int)((long)np * (i + 1) / parts);
  r.j0 = std::min(H, r.p0 * SK_NR);
  r.j1 = std::min(H, r.p1 * SK_NR);
  return r;
}

// Z_g[t][b] += row[b, g*H : (g+1)*H] for all gates.
static inline void spread_add(int B, int H, int ng, const float* row, float* Z, long TBH, int t) {
  const long G = (long)ng * H;
  for (int g = 0; g < ng; g++) {
    float* z = Z + g * TBH + (long)t * B * H;
    for (int b = 0; b < B; b++) {
      const float* r = row + b * G + g * H;
      float* zr = z + (long)b * H;
      for (int j = 0; j < H; j++) zr[j] += r[j];
    }
  }
}
// row[b, g*H : (g+1)*H] = Z_g[t][b] for all gates.
static inline void gather_rows(int B, int H, int ng, const float* Z, long TBH, int t, float* row) {
  const long G = (long)ng * H;
  for (int g = 0; g < ng; g++) {
    const float* z = Z + g * TBH + (long)t * B * H;
    for (int b = 0; b < B; b++) copy_row(row + b * G + g * H, z + (long)b * H, H);
  }
}

// Gradients of the input projection from dZ (ng blocks [T][B][H]).
static inline void input_grads(int B, int T, int I, int H, int ng, const float* x, const int32_t* ids, const float* W,
                               const float* dZ, float* dx, float* dW, float* db) {
  const long TB = (long)T * B, TBH = TB * H, G = (long)ng * H;
  for (int g = 0; g < ng; g++) {
    float* d = db + g * H;
    std::memset(d, 0, sizeof(float) * H);
    const float* z = dZ + g * TBH;
    for (long r = 0; r < TB; r++)
      for (int j = 0; j < H; j++) d[j] += z[r * H + j];
  }
  if (ids) {
    std::memset(dW, 0, sizeof(float) * (size_t)I * G);
    for (int b = 0; b < B; b++)
      for (int t = 0; t < T; t++) {
        float* w = dW + (size_t)ids[(long)b * T + t] * G;
        for (int g = 0; g < ng; g++) {
          const float* z = dZ + g * TBH + ((long)t * B + b) * H;
          for (int j = 0; j < H; j++) w[g * H + j] += z[j];
        }
      }
    return;
  }
  // dW_g = x^T · dZ_g with x time-major
  float* xtm = s_a.get((size_t)TB * I);
  to_time_major(B, T, I, x, xtm);
  for (int g = 0; g < ng; g++) {
    pack(s_pk2, dZ + g * TBH, H, (int)TB, H, false);
    gemm<true>(I, xtm, I, s_pk2, dW + g * H, G, false);
  }
  if (dx) {
    // dx = sum_g dZ_g · W_g^T (time-major), then back to batch-major
    float* dxtm = s_a.get((size_t)TB * I);
    for (int g = 0; g < ng; g++) {
      pack(s_pk2, W + g * H, G, H, I, true);
      gemm((int)TB, dZ + g * TBH, H, s_pk2, dxtm, I, g > 0);
    }
    to_batch_major(B, T, I, dxtm, dx);
  }
}

// Weight gradients from row-major dZ rows [T][B][G] (the narrow-layer path): dU = hs^T · dZ,
// dW = x^T · dZ (or a row scatter for ids), db = column sums — one product each. hs: the states
// h_0..h_{T-1} [T*B, H], read in place.
static inline void grads_from_rows(int B, int T, int I, int H, int G, const float* x, const int32_t* ids,
                                   const float* hs, const float* rows, float* dU, float* dW, float* db) {
  const long TB = (long)T * B;
  pack(s_pk2, rows, G, (int)TB, G, false);
  gemm<true>(H, hs, H, s_pk2, dU, G, false);
  std::memset(db, 0, sizeof(float) * G);
  for (long r = 0; r < TB; r++)
    for (int j = 0; j < G; j++) db[j] += rows[r * G + j];
  if (ids) {
    std::memset(dW, 0, sizeof(float) * (size_t)I * G);
    for (int t = 0; t < T; t++)
      for (int b = 0; b < B; b++) {
        float* w = dW + (size_t)ids[(long)b * T + t] * G;
        const float* r = rows + ((long)t * B + b) * G;
        for (int j = 0; j < G; j++) w[j] += r[j];
      }
    return;
  }
  float* xtm = s_a.get((size_t)TB * I);
  to_time_major(B, T, I, x, xtm);
  gemm<true>(I, xtm, I, s_pk2, dW, G, false);
}

// dU block (H columns of a [H, G] matrix, row stride G) = A^T · D, with A [TB, H] read in place and D [TB, H].
static inline void weight_grad_AtD(long TB, int H, const float* A, const float* D, float* dU, long G) {
  pack(s_pk2, D, H, (int)TB, H, false);
  gemm<true>(H, A, H, s_pk2, dU, G, false);
}

// go [B,H] = dout[:, t, :] (zeros when there is no upstream gradient for the outputs).
static inline void upstream(const float* dout, int B, int H, long ldo, int t, float* go) {
  if (!dout) {
    std::memset(go, 0, sizeof(float) * B * H);
    return;
  }
  for (int b = 0; b < B; b++) copy_row(go + (long)b * H, dout + (size_t)b * ldo + (size_t)t * H, H);
}

struct SeqDims {
  int B, T, I, H;
};

// Gradients of all weights of a wide layer once BPTT has filled dZ (gate-major [ng][T][B][H]):
// dU_g = hs^T · dZ_g and dW_g = x^T · dZ_g share one packing of dZ_g; db = column sums; dx =
// sum_g dZ_g · W_g^T over all T·B rows at once. Every output element is reduced in the same
// order whatever the thread count (the splits are over output columns or rows only).
static inline void grads_wide(int B, int T, int I, int H, int ng, const float* x, const int32_t* ids, const float* W,
                              const float* hs, const float* dZ, float* dx, float* dW, float* dU, float* db) {
  const long TB = (long)T * B, TBH = TB * H, G = (long)ng * H;
  // The products read hs and x transposed in place (gemm<true>); only x changes layout, to time-major.
  float* xtm = nullptr;
  if (x) {
    xtm = s_e.get((size_t)TB * I);
    to_time_major(B, T, I, x, xtm);
  }
  for (int g = 0; g < ng; g++) {
    pack(s_pk2, dZ + g * TBH, H, (int)TB, H, false);
    gemm<true>(H, hs, H, s_pk2, dU + g * H, G, false);
    if (x) gemm<true>(I, xtm, I, s_pk2, dW + g * H, G, false);
  }
  // db and (for ids) the scattered dW, split by columns: each column adds its rows in order
  par_range((G + SK_VL - 1) / SK_VL, 4, [&](long c0, long c1) {
    const long j0 = std::min(G, c0 * SK_VL), j1 = std::min(G, c1 * SK_VL);
    std::memset(db + j0, 0, sizeof(float) * (j1 - j0));
    if (ids)
      for (long i = 0; i < I; i++) std::memset(dW + i * G + j0, 0, sizeof(float) * (j1 - j0));
    // the part of [j0, j1) inside gate g is [a, e) of that gate's block
    for (long g = j0 / H; g < ng && g * H < j1; g++) {
      const long a = std::max(j0, g * H) - g * H, e = std::min(j1, (g + 1) * H) - g * H, n = e - a;
      const float* z = dZ + g * TBH + a;
      float* d = db + g * H + a;
      for (long r = 0; r < TB; r++)
        for (long j = 0; j < n; j++) d[j] += z[r * H + j];
      if (!ids) continue;
      for (int b = 0; b < B; b++)
        for (int t = 0; t < T; t++) {
          float* w = dW + (size_t)ids[(long)b * T + t] * G + g * H + a;
          const float* zr = z + ((long)t * B + b) * H;
          for (long j = 0; j < n; j++) w[j] += zr[j];
        }
    }
  });
  if (dx) {
    float* dxtm = s_a.get((size_t)TB * I);
    for (int g = 0; g < ng; g++) {
      pack(s_pk2, W + g * H, G, H, I, true);
      gemm((int)TB, dZ + g * TBH, H, s_pk2, dxtm, I, g > 0);
    }
    to_batch_major(B, T, I, dxtm, dx);
  }
}

// ---------------------------------------------------------------- LSTM
// The cell on n contiguous elements: activates the gate pre-activations in place (i,f,g,o) and
// writes the new cell and hidden state.
static inline void lstm_cell(float* zi, float* zf, float* zg, float* zo, const float* cp, float* cn, float* hn,
                             long cnt) {
  for (long n = 0; n < cnt; n += SK_VL) {
    const long k = cnt - n;
    const vf i = vsigmoid(loadn(zi + n, k)), f = vsigmoid(loadn(zf + n, k)), gg = vtanh(loadn(zg + n, k)),
             o = vsigmoid(loadn(zo + n, k));
    storen(zi + n, i, k);
    storen(zf + n, f, k);
    storen(zg + n, gg, k);
    storen(zo + n, o, k);
    const vf c = f * loadn(cp + n, k) + i * gg;
    storen(cn + n, c, k);
    storen(hn + n, o * vtanh(c), k);
  }
}

// Wide layers: input projection for all steps first, then per step one fork/join in which each
// part runs the four recurrent products and the cell for its own hidden units (see step_parts).
static inline void lstm_forward_wide(SeqDims d, const float* x, const int32_t* ids, const float* W, const float* U,
                                     const float* bias, const float* mask, float* out, float* gates, float* hs,
                                     float* cs) {
  const int B = d.B, T = d.T, H = d.H, G = 4 * H;
  const long BH = (long)B * H, TBH = (long)T * BH, ldo = (long)T * H;
  for (int g = 0; g < 4; g++) pack(s_pk[g], U + g * H, G, H, H, false);
  const Packed* pk = s_pk;  // the caller's (thread_local) panels, shared with the workers
  const Packed* pkW = s_pkW;
  const long G4 = (long)G, ldx = (long)T * d.I;
  const int parts = step_parts(B, H, 4);
  Pool& pool = Pool::get();
  for (int t = 0; t < T; t++) {
    const float* hp = hs + t * BH;
    const float* cp = cs + t * BH;
    float* hn = hs + (t + 1) * BH;
    float* cn = cs + (t + 1) * BH;
    float* z = gates + t * BH;
    pool.run(parts, [&](int part) {
      const ColRange c = col_range(H, parts, part);
      const int w = c.j1 - c.j0;
      // The step's input projection right before its recurrent product, on these columns only:
      // its gate block is then still in cache when the product adds to it (a projection of all
      // steps up front would write T blocks that come back from memory one step at a time).
      for (int g = 0; g < 4; g++) {
        float* zg = z + g * TBH;
        for (int b = 0; b < B; b++) {
          const float* bb = bias + g * H + c.j0;
          float* zr = zg + (long)b * H + c.j0;
          if (ids) {
            const float* wr = W + (size_t)ids[(long)b * T + t] * G4 + g * H + c.j0;
            for (long j = 0; j < w; j += SK_VL) storen(zr + j, loadn(wr + j, w - j) + loadn(bb + j, w - j), w - j);
          } else {
            copy_row(zr, bb, w);
          }
        }
        if (x && !ids) gemm_part(x + (long)t * d.I, ldx, pkW[g], zg, H, true, 0, B, c.p0, c.p1);
        gemm_part(hp, H, pk[g], zg, H, true, 0, B, c.p0, c.p1);
      }
      for (int b = 0; b < B; b++) {
        const long r = (long)b * H + c.j0;
        float* o = out + (size_t)b * ldo + (size_t)t * H + c.j0;
        if (row_valid(mask, T, b, t)) {
          lstm_cell(z + r, z + TBH + r, z + 2 * TBH + r, z + 3 * TBH + r, cp + r, cn + r, hn + r, w);
          copy_row(o, hn + r, w);
        } else {
          // masked step: the state carries over and the output is 0 (the gates are never read back)
          std::memcpy(hn + r, hp + r, sizeof(float) * w);
          std::memcpy(cn + r, cp + r, sizeof(float) * w);
          std::memset(o, 0, sizeof(float) * w);
        }
      }
    });
  }
}

// gates [4][T][B][H] (activated i,f,g,o), hs/cs [T+1][B][H] (h_T, c_T = last blocks); out [B, T, H].
static inline long lstm_forward(SeqDims d, const float* x, const int32_t* ids, const float* W, const float* U,
                                const float* bias, const float* mask, const float* h0, const float* c0, float* out,
                                float* gates, float* hs, float* cs) {
  const int B = d.B, T = d.T, H = d.H, G = 4 * H;
  const long BH = (long)B * H, TBH = (long)T * BH, ldo = (long)T * H;
  const bool direct = direct_rows(B);
  const bool comb = combined_gates(H) || direct;
  const long bad = comb ? input_prepare(B, T, d.I, H, 4, nullptr, ids, W) : input_prepare(B, T, d.I, H, 4, x, ids, W);
  if (bad >= 0) return bad;
  if (h0) std::memcpy(hs, h0, sizeof(float) * BH); else std::memset(hs, 0, sizeof(float) * BH);
  if (c0) std::memcpy(cs, c0, sizeof(float) * BH); else std::memset(cs, 0, sizeof(float) * BH);
  if (!comb) {
    lstm_forward_wide(d, x, ids, W, U, bias, mask, out, gates, hs, cs);
    return -1;
  }
  float* row = s_row.get((size_t)B * G);
  if (!direct) {
    pack(s_pkU, U, G, H, G, false);
    if (x) pack(s_pkX, W, G, d.I, G, false);
  }
  for (int t = 0; t < T; t++) {
    const float* hp = hs + t * BH;
    const float* cp = cs + t * BH;
    float* hn = hs + (t + 1) * BH;
    float* cn = cs + (t + 1) * BH;
    float* zi = gates + t * BH;
    float* zf = zi + TBH;
    float* zg = zf + TBH;
    float* zo = zg + TBH;
    // bias (+ gathered kernel rows for ids) into the gate blocks; x·W + h·U as one product.
    input_step(B, T, d.I, H, 4, nullptr, ids, W, bias, t, gates, TBH);
    if (direct) {
      if (x) gemm_direct(B, x + (long)t * d.I, (long)T * d.I, W, G, d.I, G, row, G, false);
      gemm_direct(B, hp, H, U, G, H, G, row, G, x != nullptr);
    } else {
      if (x) gemm(B, x + (long)t * d.I, (long)T * d.I, s_pkX, row, G, false);
      gemm(B, hp, H, s_pkU, row, G, x != nullptr);
    }
    spread_add(B, H, 4, row, gates, TBH, t);
    lstm_cell(zi, zf, zg, zo, cp, cn, hn, B * H);
    for (int b = 0; b < B; b++) {
      float* o = out + (size_t)b * ldo + (size_t)t * H;
      if (row_valid(mask, T, b, t)) {
        copy_row(o, hn + (long)b * H, H);
      } else {
        std::memcpy(hn + (long)b * H, hp + (long)b * H, sizeof(float) * H);
        std::memcpy(cn + (long)b * H, cp + (long)b * H, sizeof(float) * H);
        std::memset(o, 0, sizeof(float) * H);
      }
    }
  }
  return -1;
}

// The cell's backward on n contiguous elements: from the saved activated gates, the cell states
// before (cp) and after (cn) the step, dh (+ go, the output's upstream gradient, or null) and dc,
// writes the gate pre-activation gradients and dcn = dc_{t-1} (dcn may alias dc).
static inline void lstm_cell_grad(const float* zi, const float* zf, const float* zg, const float* zo, const float* cp,
                                  const float* cn, const float* dh, const float* go, const float* dc, float* di,
                                  float* df, float* dg, float* dO, float* dcn, long cnt) {
  for (long n = 0; n < cnt; n += SK_VL) {
    const long k = cnt - n;
    const vf i = loadn(zi + n, k), f = loadn(zf + n, k), g = loadn(zg + n, k), o = loadn(zo + n, k);
    const vf tc = vtanh(loadn(cn + n, k));
    const vf dht = go ? loadn(dh + n, k) + loadn(go + n, k) : loadn(dh + n, k) + 0.0f;
    const vf dcj = loadn(dc + n, k) + dht * o * (1.0f - tc * tc);
    storen(di + n, dcj * g * i * (1.0f - i), k);
    storen(df + n, dcj * loadn(cp + n, k) * f * (1.0f - f), k);
    storen(dg + n, dcj * i * (1.0f - g * g), k);
    storen(dO + n, dht * tc * o * (1.0f - o), k);
    storen(dcn + n, dcj * f, k);
  }
}

// Wide layers' BPTT: per step one fork/join. Part i covers hidden units [j0, j1): it first finishes
// the previous (later) step's dh_prev = sum_g dZ_g · U_g^T for its columns, which is exactly what
// its own cell gradient needs next, then runs the cell gradient for its columns of this step.
// The products of one step read every part's dZ, so they wait for the next fork/join. dx and the
// weight gradients are left to large products over all steps afterwards.
static inline void lstm_backward_wide(SeqDims d, const float* mask, const float* gates, const float* cs,
                                      const float* dout, float* dZ, float* dh, float* dhn, float* dc, const float* U,
                                      float* dh0, float* dc0) {
  const int B = d.B, T = d.T, H = d.H, G = 4 * H;
  const long BH = (long)B * H, TBH = (long)T * BH, ldo = (long)T * H;
  for (int g = 0; g < 4; g++) pack(s_pk[g], U + g * H, G, H, H, true);
  const Packed* pk = s_pk;  // the caller's (thread_local) panels, shared with the workers
  const int parts = step_parts(B, H, 4);
  Pool& pool = Pool::get();
  // dh_in[t & 1]: gradient reaching h_{t+1} from the later steps (dhT for the last step).
  float* dh_in[2] = {dh, dhn};
  if ((T - 1) & 1) std::swap(dh_in[0], dh_in[1]);
  for (int t = T - 1; t >= -1; t--) {
    pool.run(parts, [&](int part) {
      const ColRange c = col_range(H, parts, part);
      const int w = c.j1 - c.j0;
      if (t + 1 < T) {
        // dh_in(t) = sum_g dZ_g[t+1] · U_g^T on these columns; masked rows of step t+1 pass dh through.
        const int s = t + 1;
        float* dst = dh_in[(s + 1) & 1];
        for (int g = 0; g < 4; g++)
          gemm_part(dZ + g * TBH + (long)s * BH, H, pk[g], dst, H, g > 0, 0, B, c.p0, c.p1);
        if (mask)
          for (int b = 0; b < B; b++)
            if (!row_valid(mask, T, b, s))
              std::memcpy(dst + (long)b * H + c.j0, dh_in[s & 1] + (long)b * H + c.j0, sizeof(float) * w);
      }
      if (t < 0) return;
      const float* z = gates + t * BH;
      const float* cp = cs + t * BH;
      const float* dhv = dh_in[t & 1];
      float* dz = dZ + t * BH;
      for (int b = 0; b < B; b++) {
        const long r = (long)b * H + c.j0;
        if (!row_valid(mask, T, b, t)) {
          // masked step: no gate gradients, dc passes through unchanged
          for (int g = 0; g < 4; g++) std::memset(dz + g * TBH + r, 0, sizeof(float) * w);
          continue;
        }
        const float* go = dout ? dout + (size_t)b * ldo + (size_t)t * H + c.j0 : nullptr;
        lstm_cell_grad(z + r, z + TBH + r, z + 2 * TBH + r, z + 3 * TBH + r, cp + r, cp + BH + r, dhv + r, go,
                       dc + r, dz + r, dz + TBH + r, dz + 2 * TBH + r, dz + 3 * TBH + r, dc + r, w);
      }
    });
  }
  if (dh0) std::memcpy(dh0, dh_in[1], sizeof(float) * BH);  // dh_in(-1): index (-1) & 1 = 1
  if (dc0) std::memcpy(dc0, dc, sizeof(float) * BH);
}

// dout [B,T,H], dhT, dcT [B,H]: upstream gradients (null = zero). Writes dx (float input only), dW, dU, db, dh0, dc0.
static inline void lstm_backward(SeqDims d, const float* x, const int32_t* ids, const float* W, const float* U,
                                 const float* mask, const float* gates, const float* hs, const float* cs,
                                 const float* dout, const float* dhT, const float* dcT, float* dx, float* dW, float* dU,
                                 float* db, float* dh0, float* dc0) {
  const int B = d.B, T = d.T, H = d.H, G = 4 * H;
  const long BH = (long)B * H, TBH = (long)T * BH, ldo = (long)T * H;
  float* dZ = s_dz.get((size_t)4 * TBH);
  float* dh = s_c.get((size_t)BH);
  float* dc = s_d.get((size_t)BH);
  float* dhn = s_e.get((size_t)BH);
  if (dhT) std::memcpy(dh, dhT, sizeof(float) * BH); else std::memset(dh, 0, sizeof(float) * BH);
  if (dcT) std::memcpy(dc, dcT, sizeof(float) * BH); else std::memset(dc, 0, sizeof(float) * BH);
  const long TB = (long)T * B;
  if (!combined_gates(H)) {
    lstm_backward_wide(d, mask, gates, cs, dout, dZ, dh, dhn, dc, U, dh0, dc0);
    grads_wide(B, T, d.I, H, 4, x, ids, W, hs, dZ, dx, dW, dU, db);
    return;
  }
  float* work = s_f.get((size_t)2 * BH);
  float* dcn = work;
  float* go = work + BH;
  float* rows = s_row.get((size_t)T * B * G);
  pack(s_pkU, U, G, G, H, true);
  if (dx) pack(s_pkX, W, G, G, d.I, true);
  for (int t = T - 1; t >= 0; t--) {
    upstream(dout, B, H, ldo, t, go);
    const float* zi = gates + t * BH;
    const float* cp = cs + t * BH;
    float* di = dZ + t * BH;
    lstm_cell_grad(zi, zi + TBH, zi + 2 * TBH, zi + 3 * TBH, cp, cp + BH, dh, go, dc, di, di + TBH, di + 2 * TBH,
                   di + 3 * TBH, dcn, BH);
    if (mask)
      for (int b = 0; b < B; b++)
        if (!row_valid(mask, T, b, t)) {
          for (int g = 0; g < 4; g++) std::memset(dZ + g * TBH + t * BH + (long)b * H, 0, sizeof(float) * H);
          std::memcpy(dcn + (long)b * H, dc + (long)b * H, sizeof(float) * H);
        }
    float* row = rows + (long)t * B * G;
    gather_rows(B, H, 4, dZ, TBH, t, row);
    gemm(B, row, G, s_pkU, dhn, H, false);
    if (dx) gemm(B, row, G, s_pkX, dx + (long)t * d.I, (long)T * d.I, false);
    if (mask)
      for (int b = 0; b < B; b++)
        if (!row_valid(mask, T, b, t)) std::memcpy(dhn + (long)b * H, dh + (long)b * H, sizeof(float) * H);
    std::swap(dh, dhn);
    std::memcpy(dc, dcn, sizeof(float) * BH);
  }
  if (dh0) std::memcpy(dh0, dh, sizeof(float) * BH);
  if (dc0) std::memcpy(dc0, dc, sizeof(float) * BH);
  grads_from_rows(B, T, d.I, H, G, x, ids, hs, rows, dU, dW, db);
}

// ---------------------------------------------------------------- GRU
// gates [4][T][B][H]: activated z, r, hh and r*h_prev; hs [T+1][B][H] (h_T = last block); out [B, T, H].
static inline long gru_forward(SeqDims d, const float* x, const int32_t* ids, const float* W, const float* U,
                               const float* bias, const float* mask, const float* h0, float* out, float* gates,
                               float* hs) {
  const int B = d.B, T = d.T, H = d.H, G = 3 * H;
  const long BH = (long)B * H, TBH = (long)T * BH, ldo = (long)T * H;
  // A handful of rows (generation): use the weights in place instead of packing them.
  const bool direct = direct_rows(B);
  const long bad = input_prepare(B, T, d.I, H, 3, direct ? nullptr : x, ids, W);
  if (bad >= 0) return bad;
  if (!direct)
    for (int g = 0; g < 3; g++) pack(s_pk[g], U + g * H, G, H, H, false);
  if (h0) std::memcpy(hs, h0, sizeof(float) * BH); else std::memset(hs, 0, sizeof(float) * BH);
  for (int t = 0; t < T; t++) {
    const float* hp = hs + t * BH;
    float* hn = hs + (t + 1) * BH;
    float* zz = gates + t * BH;
    float* zr = zz + TBH;
    float* zh = zr + TBH;
    float* rh = zh + TBH;
    if (direct) {
      input_step(B, T, d.I, H, 3, nullptr, ids, W, bias, t, gates, TBH);
      if (x)
        for (int g = 0; g < 3; g++)
          gemm_direct(B, x + (long)t * d.I, (long)T * d.I, W + g * H, G, d.I, H, gates + g * TBH + t * BH, H, true);
      gemm_direct(B, hp, H, U, G, H, H, zz, H, true);
      gemm_direct(B, hp, H, U + H, G, H, H, zr, H, true);
    } else {
      input_step(B, T, d.I, H, 3, x, ids, W, bias, t, gates, TBH);
      gemm(B, hp, H, s_pk[0], zz, H, true);
      gemm(B, hp, H, s_pk[1], zr, H, true);
    }
    for (long n = 0; n < BH; n += SK_VL) {
      const long k = BH - n;
      storen(zz + n, vsigmoid(loadn(zz + n, k)), k);
      const vf r = vsigmoid(loadn(zr + n, k));
      storen(zr + n, r, k);
      storen(rh + n, r * loadn(hp + n, k), k);
    }
    if (direct) gemm_direct(B, rh, H, U + 2 * H, G, H, H, zh, H, true);
    else gemm(B, rh, H, s_pk[2], zh, H, true);
    for (long n = 0; n < BH; n += SK_VL) {
      const long k = BH - n;
      const vf hh = vtanh(loadn(zh + n, k)), z = loadn(zz + n, k);
      storen(zh + n, hh, k);
      storen(hn + n, z * loadn(hp + n, k) + (1.0f - z) * hh, k);
    }
    for (int b = 0; b < B; b++) {
      float* o = out + (size_t)b * ldo + (size_t)t * H;
      if (row_valid(mask, T, b, t)) {
        copy_row(o, hn + (long)b * H, H);
      } else {
        std::memcpy(hn + (long)b * H, hp + (long)b * H, sizeof(float) * H);
        std::memset(o, 0, sizeof(float) * H);
      }
    }
  }
  return -1;
}

// dout [B,T,H], dhT [B,H]: upstream gradients (null = zero).
static inline void gru_backward(SeqDims d, const float* x, const int32_t* ids, const float* W, const float* U,
                                const float* mask, const float* gates, const float* hs, const float* dout,
                                const float* dhT, float* dx, float* dW, float* dU, float* db, float* dh0) {
  const int B = d.B, T = d.T, H = d.H, G = 3 * H;
  const long BH = (long)B * H, TBH = (long)T * BH, ldo = (long)T * H;
  float* dZ = s_dz.get((size_t)3 * TBH);
  float* dh = s_c.get((size_t)BH);
  float* dhp = s_d.get((size_t)BH);
  float* drh = s_e.get((size_t)BH);
  float* go = s_f.get((size_t)BH);
  if (dhT) std::memcpy(dh, dhT, sizeof(float) * BH); else std::memset(dh, 0, sizeof(float) * BH);
  for (int g = 0; g < 3; g++) pack(s_pk[g], U + g * H, G, H, H, true);
  if (dx)
    for (int g = 0; g < 3; g++) pack(s_pkW[g], W + g * H, G, H, d.I, true);
  auto zero_masked = [&](float* blk, int t) {
    if (mask)
      for (int b = 0; b < B; b++)
        if (!row_valid(mask, T, b, t)) std::memset(blk + (long)b * H, 0, sizeof(float) * H);
  };
  for (int t = T - 1; t >= 0; t--) {
    upstream(dout, B, H, ldo, t, go);
    const float* zz = gates + t * BH;
    const float* zr = zz + TBH;
    const float* zh = zr + TBH;
    const float* hp = hs + t * BH;
    float* dz = dZ + t * BH;
    float* dr = dz + TBH;
    float* dhh = dr + TBH;
    for (long n = 0; n < BH; n += SK_VL) {
      const long k = BH - n;
      const vf z = loadn(zz + n, k), hh = loadn(zh + n, k);
      const vf dht = loadn(dh + n, k) + loadn(go + n, k);
      storen(dz + n, dht * (loadn(hp + n, k) - hh) * z * (1.0f - z), k);
      storen(dhh + n, dht * (1.0f - z) * (1.0f - hh * hh), k);
      storen(dhp + n, dht * z, k);
    }
    zero_masked(dz, t);
    zero_masked(dhh, t);
    gemm(B, dhh, H, s_pk[2], drh, H, false);
    for (long n = 0; n < BH; n += SK_VL) {
      const long k = BH - n;
      const vf r = loadn(zr + n, k), d = loadn(drh + n, k);
      storen(dr + n, d * loadn(hp + n, k) * r * (1.0f - r), k);
      storen(dhp + n, loadn(dhp + n, k) + d * r, k);
    }
    zero_masked(dr, t);
    gemm(B, dz, H, s_pk[0], dhp, H, true);
    gemm(B, dr, H, s_pk[1], dhp, H, true);
    if (dx)
      for (int g = 0; g < 3; g++) gemm(B, dZ + g * TBH + t * BH, H, s_pkW[g], dx + (long)t * d.I, (long)T * d.I, g > 0);
    if (mask)
      for (int b = 0; b < B; b++)
        if (!row_valid(mask, T, b, t)) std::memcpy(dhp + (long)b * H, dh + (long)b * H, sizeof(float) * H);
    std::swap(dh, dhp);
  }
  if (dh0) std::memcpy(dh0, dh, sizeof(float) * BH);
  const long TB = (long)T * B;
  weight_grad_AtD(TB, H, hs, dZ, dU, G);
  weight_grad_AtD(TB, H, hs, dZ + TBH, dU + H, G);
  weight_grad_AtD(TB, H, gates + 3 * TBH, dZ + 2 * TBH, dU + 2 * H, G);
  input_grads(B, T, d.I, H, 3, x, ids, W, dZ, nullptr, dW, db);
}

// ---------------------------------------------------------------- dense + softmax + cross-entropy
// logits = h·W + b over N rows, per-row CE against labels, weighted by w (or 1), reduced to
// sum(w*ce)/max(sum(w),1). probs [N,V] saved for the backward pass. Returns the loss, or -1-row
// for a label out of range (as a negative index encoded in *bad).
static inline double dense_softmax_ce_forward(int N, int H, int V, const float* h, const float* W, const float* bias,
                                              const int32_t* labels, const float* w, float* probs, long* bad) {
  *bad = -1;
  for (int n = 0; n < N; n++) {
    if (labels[n] < 0 || labels[n] >= V) {
      *bad = n;
      return 0;
    }
    std::memcpy(probs + (size_t)n * V, bias, sizeof(float) * V);
  }
  pack(s_pk2, W, V, H, V, false);
  gemm(N, h, H, s_pk2, probs, V, true);
  // rows' softmax and cross-entropy split over the pool; the weighted sum stays in row order
  double* ce = reinterpret_cast<double*>(s_row.get((size_t)2 * N));
  par_range(N, 1024, [&](long n0, long n1) {
    for (long n = n0; n < n1; n++) {
      float* p = probs + (size_t)n * V;
      float mx = p[0];
      for (int j = 1; j < V; j++) mx = std::max(mx, p[j]);
      const float target = p[labels[n]];
      // exp and its sum a vector at a time (padding lanes of the last vector are masked out).
      vf acc = vf{};
      for (int j = 0; j < V; j += SK_VL) {
        const long k = V - j;
        const vf e = vexp(loadn(p + j, k) - mx);
        storen(p + j, e, k);
        float lanes[SK_VL];
        storeu(lanes, e);
        if (k < SK_VL) {
          for (long l = k; l < SK_VL; l++) lanes[l] = 0.0f;
          acc += loadu(lanes);
        } else {
          acc += e;
        }
      }
      float lanes[SK_VL];
      storeu(lanes, acc);
      float s = 0;
      for (int l = 0; l < SK_VL; l++) s += lanes[l];
      const float inv = 1.0f / s;
      for (int j = 0; j < V; j++) p[j] *= inv;
      ce[n] = (double)std::log(s) - (double)(target - mx);
    }
  });
  double total = 0, wsum = 0;
  for (int n = 0; n < N; n++) {
    const double wn = w ? w[n] : 1.0;
    wsum += wn;
    if (wn != 0) total += wn * ce[n];
  }
  return total / std::max(wsum, 1.0);
}

// scale = upstream gradient of the loss; dh [N,H], dW [H,V], db [V].
static inline void dense_softmax_ce_backward(int N, int H, int V, const float* h, const float* W,
                                             const float* probs, const int32_t* labels, const float* w, float scale,
                                             float* dh, float* dW, float* db) {
  double wsum = 0;
  for (int n = 0; n < N; n++) wsum += w ? w[n] : 1.0;
  const float k = (float)(scale / std::max(wsum, 1.0));
  float* dl = s_dz.get((size_t)N * V);
  par_range(N, 2048, [&](long n0, long n1) {
    for (long n = n0; n < n1; n++) {
      const float wn = (w ? w[n] : 1.0f) * k;
      const float* p = probs + (size_t)n * V;
      float* g = dl + (size_t)n * V;
      for (int j = 0; j < V; j++) g[j] = p[j] * wn;
      g[labels[n]] -= wn;
    }
  });
  std::memset(db, 0, sizeof(float) * V);
  for (int n = 0; n < N; n++)
    for (int j = 0; j < V; j++) db[j] += dl[(size_t)n * V + j];
  pack(s_pk2, dl, V, N, V, false);
  gemm<true>(H, h, H, s_pk2, dW, V, false);
  pack(s_pk2, W, V, V, H, true);
  gemm(N, dl, V, s_pk2, dh, H, false);
}

// ---------------------------------------------------------------- dense + squared error
// The regression head of a forecaster: pred = h·W + bias (+ offset), loss = Σ (pred − y)² over all
// N·O values, times 1/(N·O) when `mean`. Keeps the residuals (pred − y) in `res` [N,O] for the
// backward pass.
static inline double dense_sq_error_forward(int N, int H, int O, const float* h, const float* W, const float* bias,
                                            const float* y, const float* offset, bool mean, float* res) {
  for (int n = 0; n < N; n++) {
    float* r = res + (size_t)n * O;
    std::memcpy(r, bias, sizeof(float) * O);
    if (offset)
      for (int j = 0; j < O; j++) r[j] += offset[(size_t)n * O + j];
  }
  pack(s_pk2, W, O, H, O, false);
  gemm(N, h, H, s_pk2, res, O, true);
  double total = 0;
  for (size_t i = 0; i < (size_t)N * O; i++) {
    res[i] -= y[i];
    total += (double)res[i] * res[i];
  }
  return mean ? total / ((double)N * O) : total;
}

// scale = upstream gradient of the loss; writes dh [N,H], dW [H,O], db [O], and when given
// dOffset [N,O] (= the gradient of pred) and dy [N,O] (its negation).
static inline void dense_sq_error_backward(int N, int H, int O, const float* h, const float* W, const float* res, bool mean,
                                           float scale, float* dh, float* dW, float* db, float* dOffset, float* dy) {
  const float k = (float)(2.0 * scale / (mean ? (double)N * O : 1.0));
  float* g = s_dz.get((size_t)N * O);
  for (size_t i = 0; i < (size_t)N * O; i++) g[i] = res[i] * k;
  std::memset(db, 0, sizeof(float) * O);
  for (int n = 0; n < N; n++)
    for (int j = 0; j < O; j++) db[j] += g[(size_t)n * O + j];
  if (dOffset) std::memcpy(dOffset, g, sizeof(float) * N * O);
  if (dy)
    for (size_t i = 0; i < (size_t)N * O; i++) dy[i] = -g[i];
  pack(s_pk2, g, O, N, O, false);
  gemm<true>(H, h, H, s_pk2, dW, O, false);
  pack(s_pk2, W, O, O, H, true);
  gemm(N, g, O, s_pk2, dh, H, false);
}

// ---------------------------------------------------------------- Adam (tfjs formula)
static inline void adam_update(long n, float* p, const float* g, float* m, float* v, float lr, float b1, float b2,
                               float eps, float corr1, float corr2) {
  const float ic1 = 1.0f / corr1, ic2 = 1.0f / corr2;
  par_range(n, 1L << 16, [&](long i0, long i1) {
    for (long i = i0; i < i1; i++) {
      const float gi = g[i];
      const float mi = b1 * m[i] + (1.0f - b1) * gi;
      const float vi = b2 * v[i] + (1.0f - b2) * gi * gi;
      m[i] = mi;
      v[i] = vi;
      p[i] -= lr * (mi * ic1) / (std::sqrt(vi * ic2) + eps);
    }
  });
}

}  // namespace sk
