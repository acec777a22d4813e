// N-API entry points of @seqcast/kernels. JavaScript owns every buffer (typed arrays); these
// functions only validate argument kinds and sizes, then run the kernels in rnn.h on one thread.
#include <node_api.h>

#include <cstdint>
#include <cstdlib>
#include <cstring>
#include <ctime>
#include <mutex>
#include <string>
#include <vector>

#include "rnn.h"

namespace {

// A native float buffer owned by a JS external: the activations a forward pass saves for its
// backward pass live here rather than in JS typed arrays, so training steps do not churn the JS
// heap (and its garbage collector) with megabytes of short-lived ArrayBuffers. Freed explicitly
// by release() once the backward pass has used it, or by the finalizer when the handle is collected.
struct Buf {
  float* p;
  size_t n;    // floats asked for
  size_t cap;  // floats the block holds
};
const napi_type_tag kBufTag = {0x5e9ca57c0ffee001ULL, 0x4b65726e656c7342ULL};
// Released blocks are kept for the next alloc() of a similar size: a training step allocates and
// releases the same few workspaces (tens of MB each) every step, and fresh memory from the OS
// costs a page fault per 4 KB on first touch; on a busy machine that more than doubled a charlm-h256
// step's CPU time. The cache is bounded (kCacheBlocks blocks, kCacheBytes in all), oldest evicted.
constexpr size_t kCacheBlocks = 6;
constexpr size_t kCacheBytes = size_t(384) << 20;
struct Block {
  float* p;
  size_t n;
};
std::mutex g_cache_mutex;
std::vector<Block> g_cache;  // oldest first
size_t g_cache_bytes = 0;

// A block of at least n floats; *cap receives how many it holds.
float* block_get(size_t n, size_t* cap) {
  {
    std::lock_guard<std::mutex> lk(g_cache_mutex);
    // best fit among blocks no more than twice the size asked for
    size_t best = g_cache.size();
    for (size_t i = 0; i < g_cache.size(); i++)
      if (g_cache[i].n >= n && g_cache[i].n <= 2 * n && (best == g_cache.size() || g_cache[i].n < g_cache[best].n)) best = i;
    if (best < g_cache.size()) {
      float* p = g_cache[best].p;
      *cap = g_cache[best].n;
      g_cache_bytes -= sizeof(float) * g_cache[best].n;
      g_cache.erase(g_cache.begin() + (long)best);
      return p;
    }
  }
  *cap = n;
  return static_cast<float*>(std::malloc(sizeof(float) * n));
}
// Blocks keep the capacity they were allocated with (cap), which may exceed what was asked for.
void block_put(float* p, size_t cap) {
  std::vector<float*> evicted;
  {
    std::lock_guard<std::mutex> lk(g_cache_mutex);
    if (sizeof(float) * cap > kCacheBytes) {
      evicted.push_back(p);
    } else {
      g_cache.push_back({p, cap});
      g_cache_bytes += sizeof(float) * cap;
      while (g_cache.size() > kCacheBlocks || g_cache_bytes > kCacheBytes) {
        evicted.push_back(g_cache.front().p);
        g_cache_bytes -= sizeof(float) * g_cache.front().n;
        g_cache.erase(g_cache.begin());
      }
    }
  }
  for (float* e : evicted) std::free(e);
}

// Workspaces are NOT reported to V8 as external memory: a training step allocates and releases
// tens of MB of them, and reporting that made V8 start a full garbage collection nearly every
// step (seen as ~5% of a charlm-h256 step). They are bounded without it: every one is released
// by its backward pass or at once outside gradient scopes, and those waiting for a backward pass
// are capped on the JS side (workspaces.ts); the finalizer frees any whose handle is collected.
void buf_free(napi_env, Buf* b) {
  if (!b->p) return;
  block_put(b->p, b->cap);
  b->p = nullptr;
  b->n = 0;
  b->cap = 0;
}
void buf_finalize(napi_env env, void* data, void*) {
  Buf* b = static_cast<Buf*>(data);
  buf_free(env, b);
  delete b;
}

struct Call {
  napi_env env;
  napi_value argv[24];
  size_t argc = 24;
  bool failed = false;
  std::string fn;

  Call(napi_env e, napi_callback_info info, const char* name) : env(e), fn(name) {
    napi_get_cb_info(env, info, &argc, argv, nullptr, nullptr);
  }
  void fail(const std::string& msg) {
    if (!failed) napi_throw_range_error(env, nullptr, (fn + ": " + msg).c_str());
    failed = true;
  }
  bool is_nullish(size_t i) {
    if (i >= argc) return true;
    napi_valuetype t;
    napi_typeof(env, argv[i], &t);
    return t == napi_null || t == napi_undefined;
  }
  int64_t int_(size_t i) {
    int64_t v = 0;
    if (i >= argc || napi_get_value_int64(env, argv[i], &v) != napi_ok) fail("argument " + std::to_string(i) + " must be an integer");
    return v;
  }
  double num(size_t i) {
    double v = 0;
    if (i >= argc || napi_get_value_double(env, argv[i], &v) != napi_ok) fail("argument " + std::to_string(i) + " must be a number");
    return v;
  }
  // typed array of the given kind with at least `need` elements (or null when optional).
  void* arr(size_t i, napi_typedarray_type want, size_t need, bool optional) {
    if (failed) return nullptr;
    if (is_nullish(i)) {
      if (!optional) fail("argument " + std::to_string(i) + " is required");
      return nullptr;
    }
    bool is_ta = false;
    napi_is_typedarray(env, argv[i], &is_ta);
    if (!is_ta) {
      fail("argument " + std::to_string(i) + " must be a typed array");
      return nullptr;
    }
    napi_typedarray_type type;
    size_t len;
    void* data;
    napi_get_typedarray_info(env, argv[i], &type, &len, &data, nullptr, nullptr);
    if (type != want) {
      fail("argument " + std::to_string(i) + (want == napi_float32_array ? " must be a Float32Array" : " must be an Int32Array"));
      return nullptr;
    }
    if (len < need) {
      fail("argument " + std::to_string(i) + " has " + std::to_string(len) + " elements, needs " + std::to_string(need));
      return nullptr;
    }
    return data;
  }
  // A buffer handle from alloc() holding at least `need` floats.
  Buf* buf(size_t i, size_t need) {
    if (failed) return nullptr;
    bool ok = false;
    if (i < argc) napi_check_object_type_tag(env, argv[i], &kBufTag, &ok);
    if (!ok) {
      fail("argument " + std::to_string(i) + " must be a workspace from alloc()");
      return nullptr;
    }
    void* data = nullptr;
    napi_get_value_external(env, argv[i], &data);
    Buf* b = static_cast<Buf*>(data);
    if (!b->p) {
      fail("workspace already released");
      return nullptr;
    }
    if (b->n < need) {
      fail("workspace has " + std::to_string(b->n) + " floats, needs " + std::to_string(need));
      return nullptr;
    }
    return b;
  }
  float* f32(size_t i, size_t need, bool optional = false) { return static_cast<float*>(arr(i, napi_float32_array, need, optional)); }
  int32_t* i32(size_t i, size_t need, bool optional = false) { return static_cast<int32_t*>(arr(i, napi_int32_array, need, optional)); }
  napi_value undefined() {
    napi_value u;
    napi_get_undefined(env, &u);
    return u;
  }
  napi_value number(double v) {
    napi_value r;
    napi_create_double(env, v, &r);
    return r;
  }
  // The three leading integer arguments of a dense head (rows, inputs, outputs), each at least 1.
  bool head_dims(int64_t* rows, int64_t* inputs, int64_t* outputs) {
    *rows = int_(0);
    *inputs = int_(1);
    *outputs = int_(2);
    if (failed) return false;
    if (*rows < 1 || *inputs < 1 || *outputs < 1) fail("dimensions must be positive");
    return !failed;
  }
};

// One message for an id outside the vocabulary, naming its [sequence, step].
void fail_bad_id(Call& c, const sk::SeqDims& d, const int32_t* ids, long bad) {
  c.fail("id " + std::to_string(ids[bad]) + " at [" + std::to_string(bad / d.T) + "," + std::to_string(bad % d.T) +
         "] is outside the vocabulary 0.." + std::to_string(d.I - 1));
}

bool dims_ok(Call& c, const sk::SeqDims& d) {
  if (d.B < 1 || d.T < 1 || d.I < 1 || d.H < 1 || (int64_t)d.B * d.T > (1LL << 30)) {
    c.fail("dimensions must be positive");
    return false;
  }
  return true;
}

// lstmForward(B,T,I,H, x|null, ids|null, W, U, bias, mask|null, h0|null, c0|null, out[B*T*H], ws, hT[B*H], cT[B*H])
// ws: alloc(4*B*T*H + 2*(T+1)*B*H) — gates, hs, cs saved for lstmBackward.
napi_value LstmForward(napi_env env, napi_callback_info info) {
  Call c(env, info, "lstmForward");
  sk::SeqDims d{(int)c.int_(0), (int)c.int_(1), (int)c.int_(2), (int)c.int_(3)};
  if (c.failed || !dims_ok(c, d)) return nullptr;
  const size_t B = d.B, T = d.T, I = d.I, H = d.H, G = 4 * H, S = (T + 1) * B * H;
  const float* x = c.f32(4, B * T * I, true);
  const int32_t* ids = c.i32(5, B * T, true);
  if (!c.failed && !x == !ids) c.fail("exactly one of x and ids must be given");
  const float* W = c.f32(6, I * G);
  const float* U = c.f32(7, H * G);
  const float* bias = c.f32(8, G);
  const float* mask = c.f32(9, B * T, true);
  const float* h0 = c.f32(10, B * H, true);
  const float* c0 = c.f32(11, B * H, true);
  float* out = c.f32(12, B * T * H);
  Buf* ws = c.buf(13, B * T * G + 2 * S);
  float* hT = c.f32(14, B * H);
  float* cT = c.f32(15, B * H);
  if (c.failed) return nullptr;
  float* gates = ws->p;
  float* hs = gates + B * T * G;
  float* cs = hs + S;
  const long bad = sk::lstm_forward(d, x, ids, W, U, bias, mask, h0, c0, out, gates, hs, cs);
  if (bad >= 0) {
    fail_bad_id(c, d, ids, bad);
    return nullptr;
  }
  std::memcpy(hT, hs + T * B * H, sizeof(float) * B * H);
  std::memcpy(cT, cs + T * B * H, sizeof(float) * B * H);
  return c.undefined();
}

// lstmBackward(B,T,I,H, x|null, ids|null, W, U, mask|null, ws, dout|null, dhT|null, dcT|null,
//              dx|null, dW, dU, db, dh0|null, dc0|null)
napi_value LstmBackward(napi_env env, napi_callback_info info) {
  Call c(env, info, "lstmBackward");
  sk::SeqDims d{(int)c.int_(0), (int)c.int_(1), (int)c.int_(2), (int)c.int_(3)};
  if (c.failed || !dims_ok(c, d)) return nullptr;
  const size_t B = d.B, T = d.T, I = d.I, H = d.H, G = 4 * H, S = (T + 1) * B * H;
  const float* x = c.f32(4, B * T * I, true);
  const int32_t* ids = c.i32(5, B * T, true);
  if (!c.failed && !x == !ids) c.fail("exactly one of x and ids must be given");
  const float* W = c.f32(6, I * G);
  const float* U = c.f32(7, H * G);
  const float* mask = c.f32(8, B * T, true);
  Buf* ws = c.buf(9, B * T * G + 2 * S);
  const float* dout = c.f32(10, B * T * H, true);
  const float* dhT = c.f32(11, B * H, true);
  const float* dcT = c.f32(12, B * H, true);
  float* dx = c.f32(13, B * T * I, true);
  float* dW = c.f32(14, I * G);
  float* dU = c.f32(15, H * G);
  float* db = c.f32(16, G);
  float* dh0 = c.f32(17, B * H, true);
  float* dc0 = c.f32(18, B * H, true);
  if (c.failed) return nullptr;
  const float* gates = ws->p;
  const float* hs = gates + B * T * G;
  const float* cs = hs + S;
  sk::lstm_backward(d, x, ids, W, U, mask, gates, hs, cs, dout, dhT, dcT, dx, dW, dU, db, dh0, dc0);
  return c.undefined();
}

// gruForward(B,T,I,H, x|null, ids|null, W, U, bias, mask|null, h0|null, out[B*T*H], ws, hT[B*H])
// ws: alloc(4*B*T*H + (T+1)*B*H) — gates (z, r, hh, r*h), hs saved for gruBackward.
napi_value GruForward(napi_env env, napi_callback_info info) {
  Call c(env, info, "gruForward");
  sk::SeqDims d{(int)c.int_(0), (int)c.int_(1), (int)c.int_(2), (int)c.int_(3)};
  if (c.failed || !dims_ok(c, d)) return nullptr;
  const size_t B = d.B, T = d.T, I = d.I, H = d.H, G = 3 * H, S = (T + 1) * B * H;
  const float* x = c.f32(4, B * T * I, true);
  const int32_t* ids = c.i32(5, B * T, true);
  if (!c.failed && !x == !ids) c.fail("exactly one of x and ids must be given");
  const float* W = c.f32(6, I * G);
  const float* U = c.f32(7, H * G);
  const float* bias = c.f32(8, G);
  const float* mask = c.f32(9, B * T, true);
  const float* h0 = c.f32(10, B * H, true);
  float* out = c.f32(11, B * T * H);
  Buf* ws = c.buf(12, B * T * 4 * H + S);
  float* hT = c.f32(13, B * H);
  if (c.failed) return nullptr;
  float* gates = ws->p;
  float* hs = gates + B * T * 4 * H;
  const long bad = sk::gru_forward(d, x, ids, W, U, bias, mask, h0, out, gates, hs);
  if (bad >= 0) {
    fail_bad_id(c, d, ids, bad);
    return nullptr;
  }
  std::memcpy(hT, hs + T * B * H, sizeof(float) * B * H);
  return c.undefined();
}

// gruBackward(B,T,I,H, x|null, ids|null, W, U, mask|null, ws, dout|null, dhT|null, dx|null, dW, dU, db, dh0|null)
napi_value GruBackward(napi_env env, napi_callback_info info) {
  Call c(env, info, "gruBackward");
  sk::SeqDims d{(int)c.int_(0), (int)c.int_(1), (int)c.int_(2), (int)c.int_(3)};
  if (c.failed || !dims_ok(c, d)) return nullptr;
  const size_t B = d.B, T = d.T, I = d.I, H = d.H, G = 3 * H, S = (T + 1) * B * H;
  const float* x = c.f32(4, B * T * I, true);
  const int32_t* ids = c.i32(5, B * T, true);
  if (!c.failed && !x == !ids) c.fail("exactly one of x and ids must be given");
  const float* W = c.f32(6, I * G);
  const float* U = c.f32(7, H * G);
  const float* mask = c.f32(8, B * T, true);
  Buf* ws = c.buf(9, B * T * 4 * H + S);
  const float* dout = c.f32(10, B * T * H, true);
  const float* dhT = c.f32(11, B * H, true);
  float* dx = c.f32(12, B * T * I, true);
  float* dW = c.f32(13, I * G);
  float* dU = c.f32(14, H * G);
  float* db = c.f32(15, G);
  float* dh0 = c.f32(16, B * H, true);
  if (c.failed) return nullptr;
  const float* gates = ws->p;
  const float* hs = gates + B * T * 4 * H;
  sk::gru_backward(d, x, ids, W, U, mask, gates, hs, dout, dhT, dx, dW, dU, db, dh0);
  return c.undefined();
}

// denseSoftmaxCeForward(N,H,V, h, W, bias, labels, weights|null, ws[N*V] (probs)) -> loss
napi_value DenseCeForward(napi_env env, napi_callback_info info) {
  Call c(env, info, "denseSoftmaxCeForward");
  int64_t N, H, V;
  if (!c.head_dims(&N, &H, &V)) return nullptr;
  const float* h = c.f32(3, N * H);
  const float* W = c.f32(4, H * V);
  const float* bias = c.f32(5, V);
  const int32_t* labels = c.i32(6, N);
  const float* w = c.f32(7, N, true);
  Buf* ws = c.buf(8, N * V);
  if (c.failed) return nullptr;
  float* probs = ws->p;
  long bad;
  const double loss = sk::dense_softmax_ce_forward((int)N, (int)H, (int)V, h, W, bias, labels, w, probs, &bad);
  if (bad >= 0) {
    c.fail("label " + std::to_string(labels[bad]) + " at row " + std::to_string(bad) + " is outside 0.." + std::to_string(V - 1));
    return nullptr;
  }
  return c.number(loss);
}

// denseSoftmaxCeBackward(N,H,V, h, W, ws (probs), labels, weights|null, scale, dh, dW, db)
napi_value DenseCeBackward(napi_env env, napi_callback_info info) {
  Call c(env, info, "denseSoftmaxCeBackward");
  int64_t N, H, V;
  if (!c.head_dims(&N, &H, &V)) return nullptr;
  const float* h = c.f32(3, N * H);
  const float* W = c.f32(4, H * V);
  Buf* ws = c.buf(5, N * V);
  const int32_t* labels = c.i32(6, N);
  const float* w = c.f32(7, N, true);
  const double scale = c.num(8);
  float* dh = c.f32(9, N * H);
  float* dW = c.f32(10, H * V);
  float* db = c.f32(11, V);
  if (c.failed) return nullptr;
  sk::dense_softmax_ce_backward((int)N, (int)H, (int)V, h, W, ws->p, labels, w, (float)scale, dh, dW, db);
  return c.undefined();
}

// denseSqErrorForward(N,H,O, h, W, bias, y, offset|null, mean, ws[N*O] (residuals)) -> loss
napi_value DenseSqErrorForward(napi_env env, napi_callback_info info) {
  Call c(env, info, "denseSqErrorForward");
  int64_t N, H, O;
  if (!c.head_dims(&N, &H, &O)) return nullptr;
  const float* h = c.f32(3, N * H);
  const float* W = c.f32(4, H * O);
  const float* bias = c.f32(5, O);
  const float* y = c.f32(6, N * O);
  const float* offset = c.f32(7, N * O, true);
  const bool mean = c.int_(8) != 0;
  Buf* ws = c.buf(9, N * O);
  if (c.failed) return nullptr;
  const double loss = sk::dense_sq_error_forward((int)N, (int)H, (int)O, h, W, bias, y, offset, mean, ws->p);
  return c.number(loss);
}

// denseSqErrorBackward(N,H,O, h, W, ws (residuals), mean, scale, dh, dW, db, dOffset|null, dy|null)
napi_value DenseSqErrorBackward(napi_env env, napi_callback_info info) {
  Call c(env, info, "denseSqErrorBackward");
  int64_t N, H, O;
  if (!c.head_dims(&N, &H, &O)) return nullptr;
  const float* h = c.f32(3, N * H);
  const float* W = c.f32(4, H * O);
  Buf* ws = c.buf(5, N * O);
  const bool mean = c.int_(6) != 0;
  const double scale = c.num(7);
  float* dh = c.f32(8, N * H);
  float* dW = c.f32(9, H * O);
  float* db = c.f32(10, O);
  float* dOffset = c.f32(11, N * O, true);
  float* dy = c.f32(12, N * O, true);
  if (c.failed) return nullptr;
  sk::dense_sq_error_backward((int)N, (int)H, (int)O, h, W, ws->p, mean, (float)scale, dh, dW, db, dOffset, dy);
  return c.undefined();
}

// adamUpdate(param, grad, m, v, lr, beta1, beta2, eps, 1-beta1^t, 1-beta2^t): in place on param, m, v.
napi_value AdamUpdate(napi_env env, napi_callback_info info) {
  Call c(env, info, "adamUpdate");
  size_t n = 0;
  if (!c.is_nullish(0)) {
    napi_typedarray_type t;
    void* data;
    napi_get_typedarray_info(env, c.argv[0], &t, &n, &data, nullptr, nullptr);
  }
  float* p = c.f32(0, n);
  const float* g = c.f32(1, n);
  float* m = c.f32(2, n);
  float* v = c.f32(3, n);
  const double lr = c.num(4), b1 = c.num(5), b2 = c.num(6), eps = c.num(7), c1 = c.num(8), c2 = c.num(9);
  if (c.failed) return nullptr;
  sk::adam_update((long)n, p, g, m, v, (float)lr, (float)b1, (float)b2, (float)eps, (float)c1, (float)c2);
  return c.undefined();
}

// alloc(nFloats) -> workspace handle (uninitialised native memory)
napi_value Alloc(napi_env env, napi_callback_info info) {
  Call c(env, info, "alloc");
  const int64_t n = c.int_(0);
  if (c.failed) return nullptr;
  if (n < 1 || n > (1LL << 34)) {
    c.fail("size must be 1..2^34 floats");
    return nullptr;
  }
  size_t cap = 0;
  float* p = block_get((size_t)n, &cap);
  if (!p) {
    napi_throw_error(env, nullptr, "alloc: out of memory");
    return nullptr;
  }
  Buf* b = new Buf{p, (size_t)n, cap};
  napi_value v;
  if (napi_create_external(env, b, buf_finalize, nullptr, &v) != napi_ok) {
    buf_finalize(env, b, nullptr);
    napi_throw_error(env, nullptr, "alloc: cannot create handle");
    return nullptr;
  }
  napi_type_tag_object(env, v, &kBufTag);
  return v;
}

// release(ws): free the memory now (the handle stays, reporting alive(ws) === false).
napi_value Release(napi_env env, napi_callback_info info) {
  Call c(env, info, "release");
  bool ok = false;
  if (c.argc > 0) napi_check_object_type_tag(env, c.argv[0], &kBufTag, &ok);
  if (!ok) {
    c.fail("argument 0 must be a workspace from alloc()");
    return nullptr;
  }
  void* data = nullptr;
  napi_get_value_external(env, c.argv[0], &data);
  buf_free(env, static_cast<Buf*>(data));
  return c.undefined();
}

// alive(ws): whether the workspace still holds its memory.
napi_value Alive(napi_env env, napi_callback_info info) {
  Call c(env, info, "alive");
  bool ok = false;
  if (c.argc > 0) napi_check_object_type_tag(env, c.argv[0], &kBufTag, &ok);
  void* data = nullptr;
  if (ok) napi_get_value_external(env, c.argv[0], &data);
  napi_value r;
  napi_get_boolean(env, ok && static_cast<Buf*>(data)->p != nullptr, &r);
  return r;
}

// setThreads(n): use at most n of the pool's threads from now on (1..the pool size); returns the count in use
// (n <= 0 only asks).
napi_value SetThreads(napi_env env, napi_callback_info info) {
  size_t argc = 1;
  napi_value argv[1];
  napi_get_cb_info(env, info, &argc, argv, nullptr, nullptr);
  int32_t n = 0;
  if (argc > 0) napi_get_value_int32(env, argv[0], &n);
  napi_value r;
  napi_create_int32(env, n > 0 ? sk::Pool::get().set_active(n) : sk::Pool::get().size(), &r);
  return r;
}

// fmaPeak(ms): this core's multiply-add throughput on the compiled path, in GFLOP/s of thread CPU
// time: twelve independent chains of the micro-kernel's vector width (enough to cover the FMA
// latency on every x86 core), run for about ms milliseconds. The bench divides a step's FLOPs by
// its time and by this to say how close to the hardware each side runs (docs/kernels.md).
napi_value FmaPeak(napi_env env, napi_callback_info info) {
  Call c(env, info, "fmaPeak");
  double ms = 200;
  if (c.argc > 0) napi_get_value_double(env, c.argv[0], &ms);
  if (!(ms >= 1 && ms <= 10000)) {
    c.fail("argument 0 (milliseconds) must be between 1 and 10000");
    return nullptr;
  }
  constexpr int kChains = 12;
  sk::vf acc[kChains];
  const sk::vf mul = sk::vf{} + 1.0000001f, add = sk::vf{} + 1e-7f;
  for (int i = 0; i < kChains; i++) acc[i] = sk::vf{} + 0.1f * i;
  auto now = [] {
    timespec t;
    clock_gettime(CLOCK_THREAD_CPUTIME_ID, &t);
    return t.tv_sec + 1e-9 * t.tv_nsec;
  };
  const double start = now();
  double elapsed = 0;
  long rounds = 0;
  constexpr long kBatch = 1 << 16;
  do {
    for (long r = 0; r < kBatch; r++) {
#pragma GCC unroll 12
      for (int i = 0; i < kChains; i++) acc[i] = acc[i] * mul + add;
    }
    rounds += kBatch;
    elapsed = now() - start;
  } while (elapsed * 1000 < ms);
  float sink = 0;
  for (int i = 0; i < kChains; i++) sink += acc[i][0];
  const double flops = 2.0 * SK_VL * kChains * rounds;
  napi_value r;
  napi_create_double(env, sink == sink ? flops / elapsed / 1e9 : 0, &r);
  return r;
}

napi_value Init(napi_env env, napi_value exports) {
  const struct {
    const char* name;
    napi_callback fn;
  } fns[] = {{"lstmForward", LstmForward},     {"lstmBackward", LstmBackward},
             {"gruForward", GruForward},       {"gruBackward", GruBackward},
             {"denseSoftmaxCeForward", DenseCeForward}, {"denseSoftmaxCeBackward", DenseCeBackward},
             {"denseSqErrorForward", DenseSqErrorForward}, {"denseSqErrorBackward", DenseSqErrorBackward},
             {"adamUpdate", AdamUpdate},       {"alloc", Alloc},
             {"release", Release},             {"alive", Alive},
             {"setThreads", SetThreads},       {"fmaPeak", FmaPeak}};
  for (const auto& f : fns) {
    napi_value v;
    napi_create_function(env, f.name, NAPI_AUTO_LENGTH, f.fn, nullptr, &v);
    napi_set_named_property(env, exports, f.name, v);
  }
  napi_value isa;
  napi_create_string_utf8(env, SK_ISA, NAPI_AUTO_LENGTH, &isa);
  napi_set_named_property(env, exports, "isa", isa);
  napi_value threads;
  napi_create_int32(env, sk::Pool::get().size(), &threads);
  napi_set_named_property(env, exports, "threads", threads);
  return exports;
}

}  // namespace

NAPI_MODULE(NODE_GYP_MODULE_NAME, Init)
