// The SiLU-and-mul twin: equal to the CPU backend's op on F32, near a double computation
// for every dtype.
#include <doctest/doctest.h>

#include <cmath>

#include "engine/backend/cpu/ops.h"
#include "kernels/activation.h"
#include "tests/unit/kernels/kernel_test_util.h"

using namespace vllmctl::kernels;

TEST_CASE("kernels::cpu::silu_and_mul") {
  std::mt19937 rng(17);
  for (DType dt : test::kAllDTypes) {
    for (int inter : {1, 5, 64, 4864}) {
      CAPTURE(test::dtype_name(dt));
      CAPTURE(inter);
      const int num_tokens = 3;
      const test::Buffer gate_up(dt, test::random_floats(static_cast<size_t>(num_tokens) * 2 * inter, -8, 8, rng));
      test::Buffer out(dt, std::vector<float>(static_cast<size_t>(num_tokens) * inter, 0.0f));
      cpu::silu_and_mul(out.data(), gate_up.data(), num_tokens, inter, dt);
      for (int t = 0; t < num_tokens; ++t) {
        for (int i = 0; i < inter; ++i) {
          const double g = gate_up.at(static_cast<size_t>(t) * 2 * inter + i);
          const double u = gate_up.at(static_cast<size_t>(t) * 2 * inter + inter + i);
          const double want = g / (1.0 + std::exp(-g)) * u;
          REQUIRE(std::abs(out.at(static_cast<size_t>(t) * inter + i) - want) <=
                  test::ulp(dt, want) + 4 * test::ulp(DType::kF32, want));
        }
      }
      if (dt == DType::kF32) {
        std::vector<float> ref(static_cast<size_t>(num_tokens) * inter);
        vllmctl::cpu::silu_and_mul(ref.data(), static_cast<const float*>(gate_up.data()), num_tokens, inter);
        CHECK(out.floats() == ref);
      }
    }
  }
}
