// The dtype conversion twin: every pair of dtypes, through F32, rounding once to nearest
// even; same dtypes copy bit for bit.
#include <doctest/doctest.h>

#include <cmath>
#include <limits>

#include "kernels/convert.h"
#include "tests/unit/kernels/kernel_test_util.h"

using namespace vllmctl::kernels;

TEST_CASE("kernels::cpu::convert between every pair of dtypes") {
  std::mt19937 rng(23);
  std::vector<float> values = test::random_floats(1001, -70000, 70000, rng);
  const auto small = test::random_floats(1000, -1e-6f, 1e-6f, rng);  // f16 subnormals
  values.insert(values.end(), small.begin(), small.end());
  for (float special : {1.0f + 0x1p-8f, 1.0f + 0x1p-11f, 65520.0f, -1e9f,
                        std::numeric_limits<float>::infinity(), 1e-40f}) {
    values.push_back(special);  // ties to even, f16 overflow, infinity, f32 subnormal
  }
  for (DType src_t : test::kAllDTypes) {
    for (DType dst_t : test::kAllDTypes) {
      CAPTURE(test::dtype_name(src_t));
      CAPTURE(test::dtype_name(dst_t));
      const test::Buffer src(src_t, values);
      test::Buffer dst(dst_t, std::vector<float>(values.size(), 0.0f));
      cpu::convert(dst.data(), dst_t, src.data(), src_t, static_cast<int64_t>(values.size()));
      if (src_t == dst_t) {
        CHECK(dst.bytes == src.bytes);
        continue;
      }
      const test::Buffer want(dst_t, src.floats());
      CHECK(dst.bytes == want.bytes);
    }
  }
  // Spot values: the rounding rules themselves.
  const test::Buffer bf(DType::kBF16, {1.0f + 0x1p-8f, 1.0f + 3 * 0x1p-8f});
  CHECK(bf.at(0) == 1.0f);                  // tie to even (down)
  CHECK(bf.at(1) == 1.0f + 0x1p-6f);        // tie to even (up)
  const test::Buffer h(DType::kF16, {65520.0f, 1.0f + 0x1p-11f});
  CHECK(std::isinf(h.at(0)));
  CHECK(h.at(1) == 1.0f);
}
