// The BF16 linear layer (streaming kernel and BLAS tiles) against a plain F32 loop.
#include "engine/backend/cpu/matrix.h"
#include "engine/model/dtype.h"

#include <doctest/doctest.h>

#include <algorithm>
#include <cmath>
#include <random>

using namespace vllmctl;
using vllmctl::cpu::Matrix;

TEST_CASE("BF16 and F32 linear layers agree with a reference loop at every batch size") {
  std::mt19937 rng(1);
  std::normal_distribution<float> normal(0.0f, 1.0f);
  for (int64_t in : {16, 37, 896}) {
    for (int64_t out : {1, 63, 130}) {
      std::vector<uint16_t> wb(static_cast<size_t>(in * out));
      std::vector<float> wf(wb.size());
      for (size_t i = 0; i < wb.size(); ++i) {
        wb[i] = f32_to_bf16(normal(rng));
        wf[i] = bf16_to_f32(wb[i]);  // the same values in both forms
      }
      std::vector<float> bias(static_cast<size_t>(out));
      for (auto& b : bias) b = normal(rng);
      const Matrix mb = Matrix::bf16(wb, out, in);
      const Matrix mf = Matrix::f32(wf, out, in);
      for (int tokens : {1, 2, 5, 6, 7, 8, 9, 13, 20, 64, 65}) {
        std::vector<float> x(static_cast<size_t>(tokens * in));
        for (auto& v : x) v = normal(rng);
        std::vector<float> got_b(static_cast<size_t>(tokens * out)), got_f(got_b.size());
        cpu::linear(got_b.data(), x.data(), mb, bias.data(), tokens);
        cpu::linear(got_f.data(), x.data(), mf, bias.data(), tokens);
        double worst = 0;
        for (int t = 0; t < tokens; ++t) {
          for (int64_t j = 0; j < out; ++j) {
            double ref = bias[static_cast<size_t>(j)];
            for (int64_t k = 0; k < in; ++k) ref += static_cast<double>(wf[static_cast<size_t>(j * in + k)]) * x[static_cast<size_t>(t * in + k)];
            const size_t i = static_cast<size_t>(t * out + j);
            worst = std::max({worst, std::abs(static_cast<double>(got_b[i]) - ref), std::abs(static_cast<double>(got_f[i]) - ref)});
          }
        }
        INFO("in=", in, " out=", out, " tokens=", tokens);
        CHECK(worst < 1e-3 * std::sqrt(static_cast<double>(in)));
      }
    }
  }
}

TEST_CASE("embedding rows come out of BF16 tables exactly") {
  std::vector<uint16_t> table = {f32_to_bf16(1.5f), f32_to_bf16(-2.0f), f32_to_bf16(0.25f), f32_to_bf16(8.0f)};
  const Matrix m = Matrix::bf16(table, 2, 2);
  const int32_t ids[] = {1, 0, 1};
  float out[6];
  cpu::embedding(out, m, ids, 3);
  CHECK(out[0] == 0.25f);
  CHECK(out[1] == 8.0f);
  CHECK(out[2] == 1.5f);
  CHECK(out[3] == -2.0f);
  CHECK(out[4] == 0.25f);
}
