// One charlm training step's native calls, compiled once per build with -DVARIANT=NAME
// -Dsk=sk_NAME (run.sh), so that several builds of the kernels link into one driver.
#include <ctime>
#include <vector>
#include <cstdlib>
#include "rnn.h"
namespace VARIANT {
using namespace sk;
static double clock_ms(clockid_t id) { timespec ts; clock_gettime(id, &ts); return ts.tv_sec * 1e3 + ts.tv_nsec * 1e-6; }
static std::vector<float> rnd(size_t n, float s) { std::vector<float> v(n); unsigned x = 12345; for (auto& f : v) { x = x * 1103515245u + 12345u; f = s * (((x >> 8) & 0xFFFF) / 32768.0f - 1); } return v; }
struct St {
  int H, B = 64, T = 100, V = 82;
  std::vector<int32_t> ids, labels;
  std::vector<float> W1, U1, b1, W2, U2, b2, Wd, bd, out1, out2, g1, g2, hs1, cs1, hs2, cs2, probs, dh, dx2, dW1, dU1, db1, dW2, dU2, db2, dWd, dbd, P, Gr, M, Vv;
  long nparam;
  St(int h) : H(h) {
    int G = 4 * H; long TB = (long)T * B, BH = (long)B * H;
    ids.resize(TB); labels.resize(TB); for (long i = 0; i < TB; i++) { ids[i] = (i * 7919) % V; labels[i] = (i * 104729 + 3) % V; }
    float s = 0.05f; W1 = rnd((size_t)V * G, s); U1 = rnd((size_t)H * G, s); b1 = rnd(G, s); W2 = rnd((size_t)H * G, s); U2 = rnd((size_t)H * G, s); b2 = rnd(G, s); Wd = rnd((size_t)H * V, s); bd = rnd(V, s);
    out1.resize(TB * H); out2.resize(TB * H); g1.resize(4 * TB * H); g2.resize(4 * TB * H); hs1.resize((T + 1) * BH); cs1 = hs1; hs2 = hs1; cs2 = hs1;
    probs.resize(TB * V); dh.resize(TB * H); dx2.resize(TB * H); dW1.resize(V * G); dU1.resize(H * G); db1.resize(G); dW2.resize(H * G); dU2.resize(H * G); db2.resize(G); dWd.resize(H * V); dbd.resize(V);
    nparam = (long)V * G + H * G + G + 2L * H * G + G + H * V + V; P.resize(nparam); Gr.resize(nparam); M.resize(nparam); Vv.resize(nparam);
  }
};
// Returns the step's process CPU time (all threads) in ms; its wall time goes to *wall.
double one_step(int H, float* check, double* wall) {
  static St* st = nullptr;
  if (!st || st->H != H) st = new St(H);
  St& s = *st; int B = s.B, T = s.T, V = s.V; long TB = (long)T * B;
  SeqDims d1{B, T, V, H}, d2{B, T, H, H};
  const double t0 = clock_ms(CLOCK_PROCESS_CPUTIME_ID), w0 = clock_ms(CLOCK_MONOTONIC);
  lstm_forward(d1, nullptr, s.ids.data(), s.W1.data(), s.U1.data(), s.b1.data(), nullptr, nullptr, nullptr, s.out1.data(), s.g1.data(), s.hs1.data(), s.cs1.data());
  lstm_forward(d2, s.out1.data(), nullptr, s.W2.data(), s.U2.data(), s.b2.data(), nullptr, nullptr, nullptr, s.out2.data(), s.g2.data(), s.hs2.data(), s.cs2.data());
  long bad; double loss = dense_softmax_ce_forward(TB, H, V, s.out2.data(), s.Wd.data(), s.bd.data(), s.labels.data(), nullptr, s.probs.data(), &bad);
  dense_softmax_ce_backward(TB, H, V, s.out2.data(), s.Wd.data(), s.probs.data(), s.labels.data(), nullptr, 1.0f, s.dh.data(), s.dWd.data(), s.dbd.data());
  lstm_backward(d2, s.out1.data(), nullptr, s.W2.data(), s.U2.data(), nullptr, s.g2.data(), s.hs2.data(), s.cs2.data(), s.dh.data(), nullptr, nullptr, s.dx2.data(), s.dW2.data(), s.dU2.data(), s.db2.data(), nullptr, nullptr);
  lstm_backward(d1, nullptr, s.ids.data(), s.W1.data(), s.U1.data(), nullptr, s.g1.data(), s.hs1.data(), s.cs1.data(), s.dx2.data(), nullptr, nullptr, nullptr, s.dW1.data(), s.dU1.data(), s.db1.data(), nullptr, nullptr);
  adam_update(s.nparam, s.P.data(), s.Gr.data(), s.M.data(), s.Vv.data(), 2e-3f, 0.9f, 0.999f, 1e-7f, 0.5f, 0.5f);
  const double t1 = clock_ms(CLOCK_PROCESS_CPUTIME_ID);
  *wall = clock_ms(CLOCK_MONOTONIC) - w0;
  check[0] = (float)loss; check[1] = s.dU2[7]; check[2] = s.dW1[3];
  return t1 - t0;
}
}  // namespace VARIANT
