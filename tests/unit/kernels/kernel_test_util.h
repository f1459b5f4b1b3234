// Helpers for the kernel twins' tests: seeded random inputs (never zero), dtype buffers
// built from F32 values, and the dtypes to loop over.
#pragma once

#include <cmath>
#include <cstdint>
#include <random>
#include <vector>

#include "kernels/kernel_types.h"

namespace vllmctl::kernels::test {

inline constexpr DType kAllDTypes[] = {DType::kF32, DType::kF16, DType::kBF16};

inline const char* dtype_name(DType t) {
  return t == DType::kF32 ? "f32" : t == DType::kF16 ? "f16" : "bf16";
}

// Uniform in [lo, hi), never exactly zero (a zero hides a missed write).
inline std::vector<float> random_floats(size_t n, float lo, float hi, std::mt19937& rng) {
  std::uniform_real_distribution<float> dist(lo, hi);
  std::vector<float> v(n);
  for (auto& x : v) {
    do x = dist(rng); while (x == 0.0f);
  }
  return v;
}

// A buffer of `dtype` holding `values` rounded once.
struct Buffer {
  DType dtype;
  std::vector<uint8_t> bytes;
  Buffer(DType t, const std::vector<float>& values)
      : dtype(t), bytes(values.size() * static_cast<size_t>(dtype_size(t))) {
    for (size_t i = 0; i < values.size(); ++i) store_f32(bytes.data(), t, static_cast<int64_t>(i), values[i]);
  }
  void* data() { return bytes.data(); }
  const void* data() const { return bytes.data(); }
  size_t size() const { return bytes.size() / static_cast<size_t>(dtype_size(dtype)); }
  float at(size_t i) const { return load_f32(bytes.data(), dtype, static_cast<int64_t>(i)); }
  std::vector<float> floats() const {
    std::vector<float> v(size());
    for (size_t i = 0; i < v.size(); ++i) v[i] = at(i);
    return v;
  }
};

// One unit in the last place of `dtype` relative to |x| (the bound for a once-rounded
// output whose F32 value is exact up to a few F32 ulps).
inline double ulp(DType t, double x) {
  const double rel = t == DType::kF32 ? 0x1p-23 : t == DType::kF16 ? 0x1p-10 : 0x1p-7;
  return rel * (std::abs(x) > 1e-30 ? std::abs(x) : 1e-30);
}

}  // namespace vllmctl::kernels::test
