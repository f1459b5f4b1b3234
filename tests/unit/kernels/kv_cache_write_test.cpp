// The paged KV write twin: rows land in their slots bit for bit, slot -1 writes nothing,
// strided k/v slices work, and F32 equals the CPU backend's write_kv.
#include <doctest/doctest.h>

#include <algorithm>

#include "engine/backend/cpu/ops.h"
#include "kernels/kv_cache_write.h"
#include "tests/unit/kernels/kernel_test_util.h"

using namespace vllmctl::kernels;

TEST_CASE("kernels::cpu::write_kv by slot mapping") {
  std::mt19937 rng(19);
  for (DType dt : test::kAllDTypes) {
    for (int head_dim : {3, 64, 128}) {
      CAPTURE(test::dtype_name(dt));
      CAPTURE(head_dim);
      const int num_kv_heads = 2, block_size = 16, num_blocks = 4, num_tokens = 9;
      const int64_t row = static_cast<int64_t>(num_kv_heads) * head_dim;
      const int64_t stride = 3 * row + 5;  // k and v inside wider rows
      const test::Buffer in(dt, test::random_floats(static_cast<size_t>(num_tokens * stride), -1, 1, rng));
      const size_t cache_n = static_cast<size_t>(num_blocks) * block_size * static_cast<size_t>(row);
      const std::vector<float> sentinel(cache_n, 42.0f);
      test::Buffer kc(dt, sentinel), vc(dt, sentinel);
      std::vector<int32_t> slots(static_cast<size_t>(num_blocks * block_size));
      for (size_t i = 0; i < slots.size(); ++i) slots[i] = static_cast<int32_t>(i);
      std::shuffle(slots.begin(), slots.end(), rng);
      slots.resize(num_tokens);
      slots[3] = -1;
      slots[7] = -1;

      PagedKv cache;
      cache.k = kc.data();
      cache.v = vc.data();
      cache.dtype = dt;
      cache.num_blocks = num_blocks;
      cache.block_size = block_size;
      cache.num_kv_heads = num_kv_heads;
      cache.head_dim = head_dim;
      const int esize = dtype_size(dt);
      const uint8_t* k = in.bytes.data() + row * esize;      // k at offset row
      const uint8_t* v = in.bytes.data() + 2 * row * esize;  // v at offset 2 * row
      cpu::write_kv(cache, k, v, slots.data(), num_tokens, stride, stride);

      std::vector<bool> written(static_cast<size_t>(num_blocks * block_size), false);
      for (int t = 0; t < num_tokens; ++t) {
        if (slots[static_cast<size_t>(t)] < 0) continue;
        const auto s = static_cast<size_t>(slots[static_cast<size_t>(t)]);
        written[s] = true;
        for (int64_t i = 0; i < row; ++i) {
          REQUIRE(kc.at(s * static_cast<size_t>(row) + static_cast<size_t>(i)) == in.at(static_cast<size_t>(t * stride + row + i)));
          REQUIRE(vc.at(s * static_cast<size_t>(row) + static_cast<size_t>(i)) == in.at(static_cast<size_t>(t * stride + 2 * row + i)));
        }
      }
      for (size_t s = 0; s < written.size(); ++s) {
        if (written[s]) continue;
        for (int64_t i = 0; i < row; ++i) {
          REQUIRE(kc.at(s * static_cast<size_t>(row) + static_cast<size_t>(i)) == 42.0f);
          REQUIRE(vc.at(s * static_cast<size_t>(row) + static_cast<size_t>(i)) == 42.0f);
        }
      }

      if (dt == DType::kF32) {
        std::vector<float> rk(cache_n, 42.0f), rv(cache_n, 42.0f), kin(static_cast<size_t>(num_tokens * row)), vin(kin.size());
        for (int t = 0; t < num_tokens; ++t) {
          for (int64_t i = 0; i < row; ++i) {
            kin[static_cast<size_t>(t * row + i)] = in.at(static_cast<size_t>(t * stride + row + i));
            vin[static_cast<size_t>(t * row + i)] = in.at(static_cast<size_t>(t * stride + 2 * row + i));
          }
        }
        vllmctl::cpu::PagedKvCache ref{rk.data(), rv.data(), block_size, num_kv_heads, head_dim};
        vllmctl::cpu::write_kv(ref, kin.data(), vin.data(), slots.data(), num_tokens);
        CHECK(kc.floats() == rk);
        CHECK(vc.floats() == rv);
      }
    }
  }
}
