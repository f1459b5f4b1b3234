// A tiny self-contained harness for the GPU tests (tests/gpu/*_test.cu, each its own
// main): CUDA error checks, non-fatal CHECKs with a summary exit code, a seeded RNG,
// device buffers, dtype round trips and max-abs/max-rel error reports. No dependencies
// beyond the CUDA runtime and kernels/kernel_types.h. API kept stable: other tests use it.
//
//   int main() {
//     GPU_CHECK_REQUIRE_DEVICE();                    // prints SKIPPED and returns 0 if none
//     gpu_check::Rng rng(1234);
//     auto x = gpu_check::random_floats(n, -1, 1, rng);   // never exactly zero
//     gpu_check::DeviceBuffer<float> d(x);           // upload; d.download() copies back
//     CUDA_OK(cudaDeviceSynchronize());
//     gpu_check::check_close("rms_norm bf16 896", got, want, gpu_check::tolerance(DType::kBF16));
//     CHECK(token == expected);
//     return gpu_check::finish();                    // 0 when every check passed, else 1
//   }
#pragma once

#include <cuda_runtime.h>

#include <cmath>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <string>
#include <vector>

#include "kernels/kernel_types.h"

namespace gpu_check {

using vllmctl::kernels::DType;

inline int g_num_checks = 0;
inline int g_num_failures = 0;

// A CUDA runtime call that must succeed; otherwise the test aborts (exit 1).
#define CUDA_OK(expr)                                                                     \
  do {                                                                                    \
    const cudaError_t err_ = (expr);                                                      \
    if (err_ != cudaSuccess) {                                                            \
      std::fprintf(stderr, "%s:%d: CUDA error %s: %s\n  in %s\n", __FILE__, __LINE__,     \
                   cudaGetErrorName(err_), cudaGetErrorString(err_), #expr);              \
      std::exit(1);                                                                       \
    }                                                                                     \
  } while (0)

// Checks the last kernel launch (launch errors), without synchronizing.
#define CUDA_LAUNCH_OK() CUDA_OK(cudaGetLastError())

// A non-fatal check: counts, prints the failing condition, continues.
#define CHECK(cond)                                                                       \
  do {                                                                                    \
    ++::gpu_check::g_num_checks;                                                          \
    if (!(cond)) {                                                                        \
      ++::gpu_check::g_num_failures;                                                      \
      std::fprintf(stderr, "%s:%d: CHECK failed: %s\n", __FILE__, __LINE__, #cond);       \
    }                                                                                     \
  } while (0)

// CHECK with a printf-style explanation printed on failure.
#define CHECK_MSG(cond, ...)                                                              \
  do {                                                                                    \
    ++::gpu_check::g_num_checks;                                                          \
    if (!(cond)) {                                                                        \
      ++::gpu_check::g_num_failures;                                                      \
      std::fprintf(stderr, "%s:%d: CHECK failed: %s: ", __FILE__, __LINE__, #cond);       \
      std::fprintf(stderr, __VA_ARGS__);                                                  \
      std::fputc('\n', stderr);                                                           \
    }                                                                                     \
  } while (0)

// True when a CUDA device is usable; otherwise prints why on stdout.
inline bool has_device() {
  int count = 0;
  const cudaError_t err = cudaGetDeviceCount(&count);
  if (err != cudaSuccess || count == 0) {
    std::printf("SKIPPED: no CUDA device (%s)\n",
                err != cudaSuccess ? cudaGetErrorString(err) : "device count is 0");
    return false;
  }
  cudaDeviceProp prop{};
  if (cudaGetDeviceProperties(&prop, 0) == cudaSuccess) {
    std::printf("device: %s (sm_%d%d)\n", prop.name, prop.major, prop.minor);
  }
  return true;
}

// First line of a GPU test's main: without a device, the test is skipped with exit code 0.
#define GPU_CHECK_REQUIRE_DEVICE()             \
  do {                                         \
    if (!::gpu_check::has_device()) return 0;  \
  } while (0)

// Prints the summary; the exit code for main.
inline int finish() {
  std::printf("%s: %d checks, %d failures\n", g_num_failures ? "FAILED" : "PASSED", g_num_checks,
              g_num_failures);
  return g_num_failures ? 1 : 0;
}

// True when GPU_CHECK_QUICK is set (run.sh sets it under compute-sanitizer, which is
// ~100x slower): tests may then run fewer or smaller cases.
inline bool quick() { return std::getenv("GPU_CHECK_QUICK") != nullptr; }

// Mean milliseconds per call of f() (which launches work on `stream`) over `iters` calls
// after one warm-up call, timed with CUDA events.
template <class F>
float time_ms(F&& f, int iters = 20, cudaStream_t stream = nullptr) {
  cudaEvent_t start, stop;
  CUDA_OK(cudaEventCreate(&start));
  CUDA_OK(cudaEventCreate(&stop));
  f();
  CUDA_OK(cudaEventRecord(start, stream));
  for (int i = 0; i < iters; ++i) f();
  CUDA_OK(cudaEventRecord(stop, stream));
  CUDA_OK(cudaEventSynchronize(stop));
  float ms = 0;
  CUDA_OK(cudaEventElapsedTime(&ms, start, stop));
  CUDA_OK(cudaEventDestroy(start));
  CUDA_OK(cudaEventDestroy(stop));
  return ms / static_cast<float>(iters);
}

// Deterministic RNG (splitmix64): same seed, same inputs, on every platform.
class Rng {
 public:
  explicit Rng(uint64_t seed = 0x5eed) : state_(seed) {}
  uint64_t next_u64() {
    uint64_t z = (state_ += 0x9e3779b97f4a7c15ull);
    z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ull;
    z = (z ^ (z >> 27)) * 0x94d049bb133111ebull;
    return z ^ (z >> 31);
  }
  double uniform01() { return static_cast<double>(next_u64() >> 11) * 0x1.0p-53; }  // [0, 1)
  float uniform(float lo, float hi) { return lo + (hi - lo) * static_cast<float>(uniform01()); }
  int uniform_int(int lo, int hi) {  // [lo, hi]
    return lo + static_cast<int>(next_u64() % static_cast<uint64_t>(hi - lo + 1));
  }
  float normal() {  // Box-Muller
    const double u1 = 1.0 - uniform01(), u2 = uniform01();
    return static_cast<float>(std::sqrt(-2.0 * std::log(u1)) * std::cos(6.283185307179586 * u2));
  }

 private:
  uint64_t state_;
};

// n floats uniform in [lo, hi), never exactly zero (a zero hides missed writes).
inline std::vector<float> random_floats(size_t n, float lo, float hi, Rng& rng) {
  std::vector<float> v(n);
  for (auto& x : v) {
    do x = rng.uniform(lo, hi); while (x == 0.0f);
  }
  return v;
}

// Host buffers of a dtype, as raw bytes, from F32 values (rounded once) and back.
inline std::vector<uint8_t> to_dtype(const std::vector<float>& v, DType t) {
  std::vector<uint8_t> out(v.size() * static_cast<size_t>(vllmctl::kernels::dtype_size(t)));
  for (size_t i = 0; i < v.size(); ++i) vllmctl::kernels::store_f32(out.data(), t, static_cast<int64_t>(i), v[i]);
  return out;
}
inline std::vector<float> from_dtype(const std::vector<uint8_t>& bytes, DType t) {
  std::vector<float> out(bytes.size() / static_cast<size_t>(vllmctl::kernels::dtype_size(t)));
  for (size_t i = 0; i < out.size(); ++i) out[i] = vllmctl::kernels::load_f32(bytes.data(), t, static_cast<int64_t>(i));
  return out;
}
// F32 values rounded to the dtype and back: the inputs a twin sees for that dtype.
inline std::vector<float> round_to(const std::vector<float>& v, DType t) {
  return from_dtype(to_dtype(v, t), t);
}

inline const char* dtype_name(DType t) {
  return t == DType::kF32 ? "f32" : t == DType::kF16 ? "f16" : "bf16";
}

// A device allocation of n elements of T (T = uint8_t for dtype-erased byte buffers).
template <class T>
class DeviceBuffer {
 public:
  DeviceBuffer() = default;
  explicit DeviceBuffer(size_t n) : n_(n) {
    CUDA_OK(cudaMalloc(&ptr_, bytes() ? bytes() : 1));
  }
  explicit DeviceBuffer(const std::vector<T>& host) : DeviceBuffer(host.size()) { upload(host); }
  ~DeviceBuffer() { if (ptr_) cudaFree(ptr_); }
  DeviceBuffer(const DeviceBuffer&) = delete;
  DeviceBuffer& operator=(const DeviceBuffer&) = delete;
  DeviceBuffer(DeviceBuffer&& o) noexcept : ptr_(o.ptr_), n_(o.n_) { o.ptr_ = nullptr; o.n_ = 0; }
  DeviceBuffer& operator=(DeviceBuffer&& o) noexcept {
    if (this != &o) {
      if (ptr_) cudaFree(ptr_);
      ptr_ = o.ptr_; n_ = o.n_; o.ptr_ = nullptr; o.n_ = 0;
    }
    return *this;
  }

  T* get() const { return ptr_; }
  size_t size() const { return n_; }
  size_t bytes() const { return n_ * sizeof(T); }
  void upload(const std::vector<T>& host) {
    if (host.size() != n_) { std::fprintf(stderr, "DeviceBuffer::upload: size mismatch\n"); std::exit(1); }
    CUDA_OK(cudaMemcpy(ptr_, host.data(), bytes(), cudaMemcpyHostToDevice));
  }
  std::vector<T> download() const {  // synchronizes with the device
    std::vector<T> host(n_);
    CUDA_OK(cudaMemcpy(host.data(), ptr_, bytes(), cudaMemcpyDeviceToHost));
    return host;
  }
  void fill_bytes(int byte) { CUDA_OK(cudaMemset(ptr_, byte, bytes() ? bytes() : 1)); }

 private:
  T* ptr_ = nullptr;
  size_t n_ = 0;
};

// A dtype-erased device tensor of n elements: upload F32 values rounded to dtype,
// download as F32.
struct DeviceTensor {
  DType dtype;
  size_t n;
  DeviceBuffer<uint8_t> buf;
  DeviceTensor(DType t, size_t count)
      : dtype(t), n(count), buf(count * static_cast<size_t>(vllmctl::kernels::dtype_size(t))) {}
  DeviceTensor(DType t, const std::vector<float>& v) : DeviceTensor(t, v.size()) { upload(v); }
  void* get() const { return buf.get(); }
  void upload(const std::vector<float>& v) { buf.upload(to_dtype(v, dtype)); }
  std::vector<float> download() const { return from_dtype(buf.download(), dtype); }
};

struct Tolerance {
  double atol;
  double rtol;
};

// Defaults for comparing a kernel with its twin when both round once at the end but
// accumulate in different orders: a couple of units in the last place of the dtype.
inline Tolerance tolerance(DType t) {
  switch (t) {
    case DType::kF32: return {1e-5, 1e-5};
    case DType::kF16: return {2e-3, 2e-3};
    case DType::kBF16: return {1.6e-2, 1.6e-2};
  }
  return {0, 0};
}

struct ErrorStats {
  double max_abs = 0;   // max |got - want|
  double max_rel = 0;   // max |got - want| / max(|want|, 1e-30)
  size_t worst = 0;     // index of the worst violation (or of max_abs when none)
  size_t num_bad = 0;   // elements outside atol + rtol * |want| (NaN counts as bad)
};

inline ErrorStats compare(const float* got, const float* want, size_t n, Tolerance tol) {
  ErrorStats s;
  double worst_excess = 0;  // of the worst bad element; until one is bad, track max_abs
  for (size_t i = 0; i < n; ++i) {
    const double g = got[i], w = want[i];
    const double abs = std::fabs(g - w);
    const double rel = abs / std::fmax(std::fabs(w), 1e-30);
    const double allowed = tol.atol + tol.rtol * std::fabs(w);
    const bool equal = g == w || (std::isnan(g) && std::isnan(w));  // incl. equal infinities
    const bool bad = !equal && !(abs <= allowed);
    if (!equal && !std::isnan(abs)) {
      if (abs > s.max_abs && s.num_bad == 0 && !bad) s.worst = i;
      s.max_abs = std::fmax(s.max_abs, abs);
      s.max_rel = std::fmax(s.max_rel, rel);
    }
    if (bad) {
      const double excess = std::isnan(abs) ? HUGE_VAL : abs - allowed;
      if (s.num_bad == 0 || excess > worst_excess) {
        worst_excess = excess;
        s.worst = i;
      }
      ++s.num_bad;
    }
  }
  return s;
}

// Compares and prints one line: name, max errors, the worst element, OK/FAIL. A CHECK.
inline bool check_close(const std::string& name, const float* got, const float* want, size_t n,
                        Tolerance tol) {
  const ErrorStats s = compare(got, want, n, tol);
  const bool ok = s.num_bad == 0;
  std::printf("%-4s %s: n=%zu max_abs=%.3g max_rel=%.3g", ok ? "ok" : "FAIL", name.c_str(), n,
              s.max_abs, s.max_rel);
  if (n) std::printf(" worst[%zu] got=%.9g want=%.9g", s.worst, got[s.worst], want[s.worst]);
  if (!ok) std::printf(" (%zu bad, atol=%g rtol=%g)", s.num_bad, tol.atol, tol.rtol);
  std::printf("\n");
  ++g_num_checks;
  if (!ok) ++g_num_failures;
  return ok;
}

inline bool check_close(const std::string& name, const std::vector<float>& got,
                        const std::vector<float>& want, Tolerance tol) {
  if (got.size() != want.size()) {
    std::printf("FAIL %s: size %zu != %zu\n", name.c_str(), got.size(), want.size());
    ++g_num_checks;
    ++g_num_failures;
    return false;
  }
  return check_close(name, got.data(), want.data(), got.size(), tol);
}

// Exact equality (copies, gathers, integer outputs): a check_close with zero tolerance.
inline bool check_equal(const std::string& name, const std::vector<float>& got,
                        const std::vector<float>& want) {
  return check_close(name, got, want, Tolerance{0, 0});
}

}  // namespace gpu_check
