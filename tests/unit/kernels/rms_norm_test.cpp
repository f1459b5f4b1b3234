// The RMSNorm twins: equal to the CPU backend's ops on F32, within one output ulp of a
// double-precision computation for every dtype, and add_rms_norm's residual rounded as stored.
#include <doctest/doctest.h>

#include <cmath>

#include "engine/backend/cpu/ops.h"
#include "kernels/rms_norm.h"
#include "tests/unit/kernels/kernel_test_util.h"

using namespace vllmctl::kernels;

namespace {

// Double-precision RMSNorm of rows of `x` (already rounded inputs).
std::vector<double> reference(const std::vector<float>& x, const std::vector<float>& w, int hidden,
                              double eps) {
  std::vector<double> out(x.size());
  for (size_t base = 0; base < x.size(); base += static_cast<size_t>(hidden)) {
    double ss = 0;
    for (int i = 0; i < hidden; ++i) ss += static_cast<double>(x[base + i]) * x[base + i];
    const double inv = 1.0 / std::sqrt(ss / hidden + eps);
    for (int i = 0; i < hidden; ++i) out[base + i] = x[base + i] * inv * w[static_cast<size_t>(i)];
  }
  return out;
}

void check_near(const test::Buffer& got, const std::vector<double>& want) {
  for (size_t i = 0; i < want.size(); ++i) {
    // One ulp of the dtype for the final rounding, plus a few F32 ulps of arithmetic.
    const double tol = test::ulp(got.dtype, want[i]) + 4 * test::ulp(DType::kF32, want[i]);
    REQUIRE(std::abs(got.at(i) - want[i]) <= tol);
  }
}

}  // namespace

TEST_CASE("kernels::cpu::rms_norm and add_rms_norm") {
  std::mt19937 rng(11);
  const float eps = 1e-6f;
  for (DType dt : test::kAllDTypes) {
    for (int hidden : {1, 3, 64, 895, 896, 3584}) {
      CAPTURE(test::dtype_name(dt));
      CAPTURE(hidden);
      const int num_tokens = 5;
      const size_t n = static_cast<size_t>(num_tokens) * hidden;
      const test::Buffer x(dt, test::random_floats(n, -3, 3, rng));
      const test::Buffer w(dt, test::random_floats(static_cast<size_t>(hidden), 0.5f, 1.5f, rng));

      test::Buffer out = x;
      cpu::rms_norm(out.data(), x.data(), w.data(), num_tokens, hidden, eps, dt);
      check_near(out, reference(x.floats(), w.floats(), hidden, eps));
      test::Buffer in_place = x;  // out aliasing x
      cpu::rms_norm(in_place.data(), in_place.data(), w.data(), num_tokens, hidden, eps, dt);
      CHECK(in_place.bytes == out.bytes);

      test::Buffer xa = x;
      test::Buffer res(dt, test::random_floats(n, -3, 3, rng));
      const std::vector<float> res_before = res.floats();
      cpu::add_rms_norm(xa.data(), res.data(), w.data(), num_tokens, hidden, eps, dt);
      std::vector<float> sum(n);
      for (size_t i = 0; i < n; ++i) {
        sum[i] = test::Buffer(dt, {res_before[i] + x.at(i)}).at(0);  // rounded as stored
        REQUIRE(res.at(i) == sum[i]);
      }
      check_near(xa, reference(sum, w.floats(), hidden, eps));

      if (dt == DType::kF32) {  // the very function of the CPU backend
        std::vector<float> ref(n);
        vllmctl::cpu::rms_norm(ref.data(), static_cast<const float*>(x.data()),
                               static_cast<const float*>(w.data()), num_tokens, hidden, eps);
        CHECK(out.floats() == ref);
        std::vector<float> rx = x.floats(), rr = res_before;
        vllmctl::cpu::add_rms_norm(rx.data(), rr.data(), static_cast<const float*>(w.data()),
                                   num_tokens, hidden, eps);
        CHECK(xa.floats() == rx);
        CHECK(res.floats() == rr);
      }
    }
  }
}
