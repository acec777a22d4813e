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

static inline bool valid_at(const float* mask, long i) { return mask == nullptr || mask[i] != 0.0f; }

// Input projection for every step: Z[row, 0:G] = x[row]·W + bias (or W[id] + bias), rows b*T+t,
// Z row stride ldz (>= G). Returns the first bad id index, or -1.
static inline long input_projection(int B, int T, int I, int G, const float* x, const int32_t* ids, const float* W,
                                    const float* bias, float* Z, long ldz) {
  const long rows = (long)B * T;
  if (ids) {
    for (long r = 0; r < rows; r++) {
      const int32_t id = ids[r];
      if (id < 0 || id >= I) return r;
      const float* w = W + (size_t)id * G;
      float* z = Z + (size_t)r * ldz;
      for (int j = 0; j < G; j++) z[j] = w[j] + bias[j];
    }
    return -1;
  }
  for (long r = 0; r < rows; r++) std::memcpy(Z + (size_t)r * ldz, bias, sizeof(float) * G);
  Packed PW;
  pack(PW, W, G, I, G, false);
  gemm((int)rows, x, I, PW, Z, ldz, true);
  return -1;
}

// Gradients w.r.t. the input projection's operands from dZ [B*T, G] (row stride ldz).
static inline void input_grads(int B, int T, int I, int G, const float* x, const int32_t* ids, const float* W,
                               const float* dZ, long ldz, float* dx, float* dW, float* db) {
  const long rows = (long)B * T;
  std::memset(db, 0, sizeof(float) * G);
  for (long r = 0; r < rows; r++) {
    const float* d = dZ + (size_t)r * ldz;
    for (int j = 0; j < G; j++) db[j] += d[j];
  }
  if (ids) {
    std::memset(dW, 0, sizeof(float) * (size_t)I * G);
    for (long r = 0; r < rows; r++) {
      float* w = dW + (size_t)ids[r] * G;
      const float* d = dZ + (size_t)r * ldz;
      for (int j = 0; j < G; j++) w[j] += d[j];
    }
    return;
  }
  // dW = x^T · dZ
  std::vector<float> xT((size_t)I * rows);
  transpose(x, I, (int)rows, I, xT.data(), rows);
  Packed PdZ;
  pack(PdZ, dZ, ldz, (int)rows, G, false);
  gemm(I, xT.data(), rows, PdZ, dW, G, false);
  if (dx) {
    // dx = dZ · W^T
    Packed PWt;
    pack(PWt, W, G, G, I, true);
    gemm((int)rows, dZ, ldz, PWt, dx, I, false);
  }
}

// [H, B*T] transpose of the states entering each step: hs[b, t] for t < T (hs is [B, T+1, H]).
static inline void prev_states_T(int B, int T, int H, const float* hs, float* out) {
  const long rows = (long)B * T;
  for (int b = 0; b < B; b++) transpose(hs + (size_t)b * (T + 1) * H, H, T, H, out + (size_t)b * T, rows);
}

struct SeqDims {
  int B, T, I, H;
};

// ---------------------------------------------------------------- LSTM
// gates [B*T, 4H] (activated i,f,g,o), hs/cs [B, T+1, H]; out [B, T+2, H] = outputs, h_T, c_T.
static inline long lstm_forward(SeqDims d, const float* x, const int32_t* ids, const float* W, const float* U,
                                const float* bias, const float* mask, const float* h0, const float* c0, float* out,
                                float* gates, float* hs, float* cs) {
  const int B = d.B, T = d.T, H = d.H, G = 4 * H;
  const long bad = input_projection(B, T, d.I, G, x, ids, W, bias, gates, G);
  if (bad >= 0) return bad;
  Packed PU;
  pack(PU, U, G, H, G, false);
  const long ldh = (long)(T + 1) * H, ldo = (long)(T + 2) * H, ldz = (long)T * G;
  for (int b = 0; b < B; b++) {
    float* h = hs + (size_t)b * ldh;
    float* c = cs + (size_t)b * ldh;
    if (h0) std::memcpy(h, h0 + (size_t)b * H, sizeof(float) * H); else std::memset(h, 0, sizeof(float) * H);
    if (c0) std::memcpy(c, c0 + (size_t)b * H, sizeof(float) * H); else std::memset(c, 0, sizeof(float) * H);
  }
  for (int t = 0; t < T; t++) {
    gemm(B, hs + (size_t)t * H, ldh, PU, gates + (size_t)t * G, ldz, true);
    for (int b = 0; b < B; b++) {
      float* z = gates + ((size_t)b * T + t) * G;
      const float* hp = hs + (size_t)b * ldh + (size_t)t * H;
      const float* cp = cs + (size_t)b * ldh + (size_t)t * H;
      float* hn = const_cast<float*>(hp) + H;
      float* cn = const_cast<float*>(cp) + H;
      float* o = out + (size_t)b * ldo + (size_t)t * H;
      for (int j = 0; j < 2 * H; j++) z[j] = fsigmoid(z[j]);
      for (int j = 2 * H; j < 3 * H; j++) z[j] = ftanh(z[j]);
      for (int j = 3 * H; j < 4 * H; j++) z[j] = fsigmoid(z[j]);
      if (valid_at(mask, (long)b * T + t)) {
        for (int j = 0; j < H; j++) {
          const float c = z[H + j] * cp[j] + z[j] * z[2 * H + j];
          cn[j] = c;
          const float h = z[3 * H + j] * ftanh(c);
          hn[j] = h;
          o[j] = h;
        }
      } else {
        std::memcpy(hn, hp, sizeof(float) * H);
        std::memcpy(cn, cp, sizeof(float) * H);
        std::memset(o, 0, sizeof(float) * H);
      }
    }
  }
  for (int b = 0; b < B; b++) {
    std::memcpy(out + (size_t)b * ldo + (size_t)T * H, hs + (size_t)b * ldh + (size_t)T * H, sizeof(float) * H);
    std::memcpy(out + (size_t)b * ldo + (size_t)(T + 1) * H, cs + (size_t)b * ldh + (size_t)T * H, sizeof(float) * H);
  }
  return -1;
}

// dout [B, T+2, H]: gradients of outputs, h_T, c_T. Writes dx (float input only), dW, dU, db, dh0, dc0.
static inline void lstm_backward(SeqDims d, const float* x, const int32_t* ids, const float* W, const float* U,
                                 const float* mask, const float* gates, const float* hs, const float* cs,
                                 const float* dout, float* dx, float* dW, float* dU, float* db, float* dh0,
                                 float* dc0) {
  const int B = d.B, T = d.T, H = d.H, G = 4 * H;
  const long ldh = (long)(T + 1) * H, ldo = (long)(T + 2) * H, ldz = (long)T * G;
  std::vector<float> dZ((size_t)B * T * G), dh((size_t)B * H), dc((size_t)B * H), dhn((size_t)B * H);
  for (int b = 0; b < B; b++) {
    std::memcpy(&dh[(size_t)b * H], dout + (size_t)b * ldo + (size_t)T * H, sizeof(float) * H);
    std::memcpy(&dc[(size_t)b * H], dout + (size_t)b * ldo + (size_t)(T + 1) * H, sizeof(float) * H);
  }
  Packed PUt;
  pack(PUt, U, G, G, H, true);
  for (int t = T - 1; t >= 0; t--) {
    for (int b = 0; b < B; b++) {
      float* dz = &dZ[((size_t)b * T + t) * G];
      if (!valid_at(mask, (long)b * T + t)) {
        std::memset(dz, 0, sizeof(float) * G);
        continue;
      }
      const float* z = gates + ((size_t)b * T + t) * G;
      const float* cp = cs + (size_t)b * ldh + (size_t)t * H;
      const float* cn = cp + H;
      const float* go = dout + (size_t)b * ldo + (size_t)t * H;
      float* dhb = &dh[(size_t)b * H];
      float* dcb = &dc[(size_t)b * H];
      for (int j = 0; j < H; j++) {
        const float i = z[j], f = z[H + j], g = z[2 * H + j], o = z[3 * H + j];
        const float tc = ftanh(cn[j]);
        const float dht = dhb[j] + go[j];
        const float dcj = dcb[j] + dht * o * (1.0f - tc * tc);
        dz[j] = dcj * g * i * (1.0f - i);
        dz[H + j] = dcj * cp[j] * f * (1.0f - f);
        dz[2 * H + j] = dcj * i * (1.0f - g * g);
        dz[3 * H + j] = dht * tc * o * (1.0f - o);
        dcb[j] = dcj * f;
      }
    }
    gemm(B, &dZ[(size_t)t * G], ldz, PUt, dhn.data(), H, false);
    for (int b = 0; b < B; b++)
      if (valid_at(mask, (long)b * T + t)) std::memcpy(&dh[(size_t)b * H], &dhn[(size_t)b * H], sizeof(float) * H);
  }
  if (dh0) std::memcpy(dh0, dh.data(), sizeof(float) * B * H);
  if (dc0) std::memcpy(dc0, dc.data(), sizeof(float) * B * H);
  const long rows = (long)B * T;
  {
    std::vector<float> hT((size_t)H * rows);
    prev_states_T(B, T, H, hs, hT.data());
    Packed PdZ;
    pack(PdZ, dZ.data(), G, (int)rows, G, false);
    gemm(H, hT.data(), rows, PdZ, dU, G, false);
  }
  input_grads(B, T, d.I, G, x, ids, W, dZ.data(), G, dx, dW, db);
}

// ---------------------------------------------------------------- GRU
// gates [B*T, 4H]: activated z, r, hh and r*h_prev; hs [B, T+1, H]; out [B, T+1, H] = outputs, h_T.
static inline long gru_forward(SeqDims d, const float* x, const int32_t* ids, const float* W, const float* U,
                               const float* bias, const float* mask, const float* h0, float* out, float* gates,
                               float* hs) {
  const int B = d.B, T = d.T, H = d.H, G = 3 * H, S = 4 * H;
  const long bad = input_projection(B, T, d.I, G, x, ids, W, bias, gates, S);
  if (bad >= 0) return bad;
  Packed PUzr, PUh;
  pack(PUzr, U, G, H, 2 * H, false);
  pack(PUh, U + 2 * H, G, H, H, false);
  const long ldh = (long)(T + 1) * H, ldo = (long)(T + 1) * H, lds = (long)T * S;
  for (int b = 0; b < B; b++) {
    float* h = hs + (size_t)b * ldh;
    if (h0) std::memcpy(h, h0 + (size_t)b * H, sizeof(float) * H); else std::memset(h, 0, sizeof(float) * H);
  }
  for (int t = 0; t < T; t++) {
    float* gt = gates + (size_t)t * S;
    gemm(B, hs + (size_t)t * H, ldh, PUzr, gt, lds, true);
    for (int b = 0; b < B; b++) {
      float* z = gates + ((size_t)b * T + t) * S;
      const float* hp = hs + (size_t)b * ldh + (size_t)t * H;
      for (int j = 0; j < 2 * H; j++) z[j] = fsigmoid(z[j]);
      for (int j = 0; j < H; j++) z[3 * H + j] = z[H + j] * hp[j];
    }
    gemm(B, gt + 3 * H, lds, PUh, gt + 2 * H, lds, true);
    for (int b = 0; b < B; b++) {
      float* z = gates + ((size_t)b * T + t) * S;
      const float* hp = hs + (size_t)b * ldh + (size_t)t * H;
      float* hn = const_cast<float*>(hp) + H;
      float* o = out + (size_t)b * ldo + (size_t)t * H;
      for (int j = 2 * H; j < 3 * H; j++) z[j] = ftanh(z[j]);
      if (valid_at(mask, (long)b * T + t)) {
        for (int j = 0; j < H; j++) {
          const float zz = z[j];
          const float h = zz * hp[j] + (1.0f - zz) * z[2 * H + j];
          hn[j] = h;
          o[j] = h;
        }
      } else {
        std::memcpy(hn, hp, sizeof(float) * H);
        std::memset(o, 0, sizeof(float) * H);
      }
    }
  }
  for (int b = 0; b < B; b++)
    std::memcpy(out + (size_t)b * ldo + (size_t)T * H, hs + (size_t)b * ldh + (size_t)T * H, sizeof(float) * H);
  return -1;
}

// dout [B, T+1, H]: gradients of outputs and h_T.
static inline void gru_backward(SeqDims d, const float* x, const int32_t* ids, const float* W, const float* U,
                                const float* mask, const float* gates, const float* hs, const float* dout, float* dx,
                                float* dW, float* dU, float* db, float* dh0) {
  const int B = d.B, T = d.T, H = d.H, G = 3 * H, S = 4 * H;
  const long ldh = (long)(T + 1) * H, ldo = (long)(T + 1) * H, ldz = (long)T * G;
  std::vector<float> dZ((size_t)B * T * G), dh((size_t)B * H), dhp((size_t)B * H), drh((size_t)B * H);
  for (int b = 0; b < B; b++)
    std::memcpy(&dh[(size_t)b * H], dout + (size_t)b * ldo + (size_t)T * H, sizeof(float) * H);
  Packed PUzrT, PUhT;
  pack(PUzrT, U, G, 2 * H, H, true);
  pack(PUhT, U + 2 * H, G, H, H, true);
  for (int t = T - 1; t >= 0; t--) {
    for (int b = 0; b < B; b++) {
      float* dz = &dZ[((size_t)b * T + t) * G];
      if (!valid_at(mask, (long)b * T + t)) {
        std::memset(dz, 0, sizeof(float) * G);
        continue;
      }
      const float* z = gates + ((size_t)b * T + t) * S;
      const float* hp = hs + (size_t)b * ldh + (size_t)t * H;
      const float* go = dout + (size_t)b * ldo + (size_t)t * H;
      const float* dhb = &dh[(size_t)b * H];
      float* dhpb = &dhp[(size_t)b * H];
      for (int j = 0; j < H; j++) {
        const float zz = z[j], hh = z[2 * H + j];
        const float dht = dhb[j] + go[j];
        dz[j] = dht * (hp[j] - hh);                       // d z (pre-derivative), finished below
        dz[2 * H + j] = dht * (1.0f - zz) * (1.0f - hh * hh);
        dhpb[j] = dht * zz;
      }
    }
    gemm(B, &dZ[(size_t)t * G + 2 * H], ldz, PUhT, drh.data(), H, false);
    for (int b = 0; b < B; b++) {
      if (!valid_at(mask, (long)b * T + t)) continue;
      float* dz = &dZ[((size_t)b * T + t) * G];
      const float* z = gates + ((size_t)b * T + t) * S;
      const float* hp = hs + (size_t)b * ldh + (size_t)t * H;
      const float* drhb = &drh[(size_t)b * H];
      float* dhpb = &dhp[(size_t)b * H];
      for (int j = 0; j < H; j++) {
        const float zz = z[j], r = z[H + j];
        dz[j] = dz[j] * zz * (1.0f - zz);
        dz[H + j] = drhb[j] * hp[j] * r * (1.0f - r);
        dhpb[j] += drhb[j] * r;
      }
    }
    gemm(B, &dZ[(size_t)t * G], ldz, PUzrT, dhp.data(), H, true);
    for (int b = 0; b < B; b++)
      if (valid_at(mask, (long)b * T + t)) std::memcpy(&dh[(size_t)b * H], &dhp[(size_t)b * H], sizeof(float) * H);
  }
  if (dh0) std::memcpy(dh0, dh.data(), sizeof(float) * B * H);
  const long rows = (long)B * T;
  {
    std::vector<float> aT((size_t)H * rows);
    prev_states_T(B, T, H, hs, aT.data());
    Packed P;
    pack(P, dZ.data(), G, (int)rows, 2 * H, false);
    gemm(H, aT.data(), rows, P, dU, G, false);
    transpose(gates + 3 * H, S, (int)rows, H, aT.data(), rows);
    pack(P, dZ.data() + 2 * H, G, (int)rows, H, false);
    gemm(H, aT.data(), rows, P, dU + 2 * H, G, false);
  }
  input_grads(B, T, d.I, G, x, ids, W, dZ.data(), G, dx, dW, db);
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
  Packed PW;
  pack(PW, W, V, H, V, false);
  gemm(N, h, H, PW, probs, V, true);
  double total = 0, wsum = 0;
  for (int n = 0; n < N; n++) {
    float* p = probs + (size_t)n * V;
    float mx = p[0];
    for (int j = 1; j < V; j++) mx = std::max(mx, p[j]);
    const float target = p[labels[n]];
    float s = 0;
    for (int j = 0; j < V; j++) {
      p[j] = fexp(p[j] - mx);
      s += p[j];
    }
    const float inv = 1.0f / s;
    for (int j = 0; j < V; j++) p[j] *= inv;
    const double wn = w ? w[n] : 1.0;
    wsum += wn;
    if (wn != 0) total += wn * ((double)std::log(s) - (double)(target - mx));
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
  std::vector<float> dl((size_t)N * V);
  for (int n = 0; n < N; n++) {
    const float wn = (w ? w[n] : 1.0f) * k;
    const float* p = probs + (size_t)n * V;
    float* g = &dl[(size_t)n * V];
    for (int j = 0; j < V; j++) g[j] = p[j] * wn;
    g[labels[n]] -= wn;
  }
  std::memset(db, 0, sizeof(float) * V);
  for (int n = 0; n < N; n++)
    for (int j = 0; j < V; j++) db[j] += dl[(size_t)n * V + j];
  std::vector<float> hT((size_t)H * N);
  transpose(h, H, N, H, hT.data(), N);
  Packed P;
  pack(P, dl.data(), V, N, V, false);
  gemm(H, hT.data(), N, P, dW, V, false);
  pack(P, W, V, V, H, true);
  gemm(N, dl.data(), V, P, dh, H, false);
}

// ---------------------------------------------------------------- Adam (tfjs formula)
static inline void adam_update(long n, float* p, const float* g, float* m, float* v, float lr, float b1, float b2,
                               float eps, float corr1, float corr2) {
  const float ic1 = 1.0f / corr1, ic2 = 1.0f / corr2;
  for (long i = 0; i < n; i++) {
    const float gi = g[i];
    const float mi = b1 * m[i] + (1.0f - b1) * gi;
    const float vi = b2 * v[i] + (1.0f - b2) * gi * gi;
    m[i] = mi;
    v[i] = vi;
    p[i] -= lr * (mi * ic1) / (std::sqrt(vi * ic2) + eps);
  }
}

}  // namespace sk
