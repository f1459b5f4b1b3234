// The embedding twin: an exact gather for every dtype, equal to the CPU backend's op on F32.
#include <doctest/doctest.h>

#include "engine/backend/cpu/ops.h"
#include "kernels/embedding.h"
#include "tests/unit/kernels/kernel_test_util.h"

using namespace vllmctl::kernels;

TEST_CASE("kernels::cpu::embedding gathers rows by id") {
  std::mt19937 rng(7);
  for (DType dt : test::kAllDTypes) {
    for (int hidden : {1, 7, 64, 896}) {
      const int vocab = 37, num_tokens = 11;
      const test::Buffer table(dt, test::random_floats(static_cast<size_t>(vocab) * hidden, -2, 2, rng));
      std::vector<int32_t> ids(num_tokens);
      for (auto& id : ids) id = std::uniform_int_distribution<int>(0, vocab - 1)(rng);
      test::Buffer out(dt, std::vector<float>(static_cast<size_t>(num_tokens) * hidden, 0.0f));
      cpu::embedding(out.data(), table.data(), ids.data(), num_tokens, hidden, dt);
      for (int t = 0; t < num_tokens; ++t) {
        for (int i = 0; i < hidden; ++i) {
          REQUIRE(out.at(static_cast<size_t>(t) * hidden + i) ==
                  table.at(static_cast<size_t>(ids[t]) * hidden + i));
        }
      }
      if (dt == DType::kF32) {
        std::vector<float> ref(static_cast<size_t>(num_tokens) * hidden);
        vllmctl::cpu::embedding(ref.data(), static_cast<const float*>(table.data()), ids.data(),
                                num_tokens, hidden);
        CHECK(out.floats() == ref);
      }
    }
  }
}
