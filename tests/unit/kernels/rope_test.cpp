// The RoPE twin: equal to the CPU backend's op on F32 (q and k alike), q and k slices of
// a fused qkv row rotated in place with v untouched, near a double computation per dtype.
#include <doctest/doctest.h>

#include <cmath>

#include "engine/backend/cpu/ops.h"
#include "kernels/rope.h"
#include "tests/unit/kernels/kernel_test_util.h"

using namespace vllmctl::kernels;

TEST_CASE("kernels::cpu::rope_neox on a fused qkv buffer") {
  std::mt19937 rng(13);
  struct Shape { int num_heads, num_kv_heads, head_dim; };
  for (DType dt : test::kAllDTypes) {
    for (Shape s : {Shape{14, 2, 64}, Shape{28, 4, 128}, Shape{3, 1, 2}, Shape{5, 5, 6}}) {
      CAPTURE(test::dtype_name(dt));
      CAPTURE(s.head_dim);
      const int num_tokens = 7, half = s.head_dim / 2;
      const int64_t q_width = static_cast<int64_t>(s.num_heads) * s.head_dim;
      const int64_t kv_width = static_cast<int64_t>(s.num_kv_heads) * s.head_dim;
      const int64_t stride = q_width + 2 * kv_width;  // [q | k | v] per token
      const test::Buffer qkv(dt, test::random_floats(static_cast<size_t>(num_tokens * stride), -2, 2, rng));
      std::vector<int32_t> positions(num_tokens);
      for (auto& p : positions) p = std::uniform_int_distribution<int>(0, 100000)(rng);
      positions[0] = 0;
      std::vector<float> inv_freq(static_cast<size_t>(half));
      for (int i = 0; i < half; ++i) inv_freq[static_cast<size_t>(i)] = static_cast<float>(std::pow(1e6, -2.0 * i / s.head_dim));

      test::Buffer out = qkv;
      auto* base = out.bytes.data();
      const int esize = dtype_size(dt);
      cpu::rope_neox(base, base + q_width * esize, positions.data(), inv_freq.data(), num_tokens,
                     s.num_heads, s.num_kv_heads, s.head_dim, stride, stride, dt);

      for (int t = 0; t < num_tokens; ++t) {
        const int64_t row = t * stride;
        for (int64_t i = 0; i < kv_width; ++i) {  // v untouched
          REQUIRE(out.at(static_cast<size_t>(row + q_width + kv_width + i)) == qkv.at(static_cast<size_t>(row + q_width + kv_width + i)));
        }
        for (int h = 0; h < s.num_heads + s.num_kv_heads; ++h) {
          const int64_t hb = row + static_cast<int64_t>(h) * s.head_dim;
          for (int i = 0; i < half; ++i) {
            const double angle = static_cast<double>(positions[static_cast<size_t>(t)]) * inv_freq[static_cast<size_t>(i)];
            const double c = static_cast<float>(std::cos(angle)), sn = static_cast<float>(std::sin(angle));
            const double x1 = qkv.at(static_cast<size_t>(hb + i)), x2 = qkv.at(static_cast<size_t>(hb + i + half));
            const double want1 = x1 * c - x2 * sn, want2 = x2 * c + x1 * sn;
            // Cancellation: the bound scales with the terms, not the result.
            const double mag = std::abs(x1) + std::abs(x2);
            REQUIRE(std::abs(out.at(static_cast<size_t>(hb + i)) - want1) <= test::ulp(dt, want1) + 4 * test::ulp(DType::kF32, mag));
            REQUIRE(std::abs(out.at(static_cast<size_t>(hb + i + half)) - want2) <= test::ulp(dt, want2) + 4 * test::ulp(DType::kF32, mag));
          }
        }
      }

      if (dt == DType::kF32) {  // the CPU backend's op, on contiguous q and k
        std::vector<float> q(static_cast<size_t>(num_tokens * q_width)), k(static_cast<size_t>(num_tokens * kv_width));
        for (int t = 0; t < num_tokens; ++t) {
          for (int64_t i = 0; i < q_width; ++i) q[static_cast<size_t>(t * q_width + i)] = qkv.at(static_cast<size_t>(t * stride + i));
          for (int64_t i = 0; i < kv_width; ++i) k[static_cast<size_t>(t * kv_width + i)] = qkv.at(static_cast<size_t>(t * stride + q_width + i));
        }
        vllmctl::cpu::rope_neox(q.data(), positions.data(), inv_freq.data(), num_tokens, s.num_heads, s.head_dim);
        vllmctl::cpu::rope_neox(k.data(), positions.data(), inv_freq.data(), num_tokens, s.num_kv_heads, s.head_dim);
        for (int t = 0; t < num_tokens; ++t) {
          for (int64_t i = 0; i < q_width; ++i) REQUIRE(out.at(static_cast<size_t>(t * stride + i)) == q[static_cast<size_t>(t * q_width + i)]);
          for (int64_t i = 0; i < kv_width; ++i) REQUIRE(out.at(static_cast<size_t>(t * stride + q_width + i)) == k[static_cast<size_t>(t * kv_width + i)]);
        }
      }
    }
  }
}
