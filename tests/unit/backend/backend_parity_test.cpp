// compare_backends (the CUDA self-check's and the GPU test's yardstick) must see equal
// backends as equal and catch wrong logits; cuda_model_unsupported names the shapes the
// CUDA kernels cannot take.
#include "engine/backend/backend_parity.h"
#include "engine/backend/cpu/cpu_backend.h"
#include "engine/backend/cuda_backend_factory.h"
#include "engine/model/model_dir.h"
#include "tests/unit/test_support.h"
#include "tests/unit/tiny_model.h"
#include "tests/unit/twin_sampling_backend.h"

#include <doctest/doctest.h>

#include <cmath>
#include <limits>

using namespace vllmctl;
using vllmctl::test::TempDir;
using vllmctl::test::TinyArch;

namespace {

constexpr int kBlockSize = 16;
constexpr int kBlocksPerSeq = 20;  // 320 tokens per sequence

// A backend that returns another's logits with one change, as a broken kernel would.
class Corrupted final : public test::ForwardingBackend {
 public:
  enum class Fault { kNaN, kShift };
  Corrupted(Backend& inner, Fault fault, int on_step) : ForwardingBackend(inner), fault_(fault), on_step_(on_step) {}
  std::span<float> forward(const ForwardBatch& batch) override {
    std::span<float> out = inner_.forward(batch);
    if (step_++ == on_step_ && !out.empty()) {
      if (fault_ == Fault::kNaN) out[out.size() / 2] = std::numeric_limits<float>::quiet_NaN();
      if (fault_ == Fault::kShift) {
        for (float& x : out) x = -x;  // the order of the tokens reversed
      }
    }
    return out;
  }

 private:
  Fault fault_;
  int on_step_;
  int step_ = 0;
};

cpu::CpuBackend make_cpu(const ModelDir& model) {
  return cpu::CpuBackend(model, cpu::CpuBackendOptions{3 * kBlocksPerSeq, kBlockSize});
}

}  // namespace

TEST_CASE("two CPU backends of the same model agree exactly over the whole script") {
  TempDir dir;
  test::write_tiny_model(dir.path(), TinyArch::kQwen2, DType::kBF16, 5);
  const ModelDir model = open_model_dir(dir.path());
  auto a = make_cpu(model);
  auto b = make_cpu(model);
  const ParityReport r = compare_backends(a, b, {kBlocksPerSeq, 3});
  CHECK(r.steps == 11);
  CHECK(r.rows == 1 + 2 + 3 + 6 * 3 + 2 + 1);
  CHECK(r.argmax_agree == r.rows);
  CHECK(r.worst_relative_error == 0.0f);
  CHECK(r.finite);
  CHECK(r.within(0.0f, 1.0));
  CHECK(r.summary().find("agrees on 27/27") != std::string::npos);
}

TEST_CASE("a different model, a NaN or reversed logits fail the comparison") {
  TempDir dir_a, dir_b;
  test::write_tiny_model(dir_a.path(), TinyArch::kQwen2, DType::kBF16, 5);
  test::write_tiny_model(dir_b.path(), TinyArch::kQwen2, DType::kBF16, 6);
  const ModelDir model_a = open_model_dir(dir_a.path());
  const ModelDir model_b = open_model_dir(dir_b.path());

  SUBCASE("other weights") {
    auto a = make_cpu(model_a);
    auto b = make_cpu(model_b);
    const ParityReport r = compare_backends(a, b, {kBlocksPerSeq, 3});
    CHECK(r.worst_relative_error > 0.3f);
    CHECK_FALSE(r.within(0.05f, 0.8));
  }
  SUBCASE("one NaN in the last decode step") {
    auto a = make_cpu(model_a);
    auto inner = make_cpu(model_a);
    Corrupted b(inner, Corrupted::Fault::kNaN, 10);
    const ParityReport r = compare_backends(a, b, {kBlocksPerSeq, 3});
    CHECK_FALSE(r.finite);
    CHECK_FALSE(r.within(0.05f, 0.8));
    CHECK(r.summary().find("NON-FINITE") != std::string::npos);
    CHECK(r.worst_where == "step 10, row 0");
  }
  SUBCASE("reversed logits in the mixed prefill + decode step") {
    auto a = make_cpu(model_a);
    auto inner = make_cpu(model_a);
    Corrupted b(inner, Corrupted::Fault::kShift, 2);
    const ParityReport r = compare_backends(a, b, {kBlocksPerSeq, 3});
    CHECK(r.worst_relative_error > 1.0f);
    CHECK(r.worst_where.rfind("step 2,", 0) == 0);
    CHECK_FALSE(r.within(0.05f, 0.8));
  }
}

TEST_CASE("a candidate that samples on its device is checked through forward_sampled too") {
  TempDir dir;
  test::write_tiny_model(dir.path(), TinyArch::kQwen2, DType::kBF16, 5);
  const ModelDir model = open_model_dir(dir.path());
  auto a = make_cpu(model);
  test::TwinSamplingBackend b(std::make_unique<cpu::CpuBackend>(make_cpu(model)));
  const ParityReport r = compare_backends(a, b, {kBlocksPerSeq, 3});
  CHECK(r.device_sampled == 27 - 11);  // every row but each step's host row
  CHECK(r.device_sampled_wrong == 0);
  CHECK(r.host_rows_wrong == 0);
  CHECK(r.within(0.0f, 1.0));
  CHECK(r.summary().find("device sampling right on 16/16 rows") != std::string::npos);
}

TEST_CASE("device sampling that picks a wrong token fails the comparison") {
  // The twin, but every sampled token is off by one.
  class OffByOne final : public test::ForwardingBackend {
   public:
    using ForwardingBackend::ForwardingBackend;
    SampledStep forward_sampled(const ForwardBatch& b, const DeviceSampling& s) override {
      SampledStep step = inner_.forward_sampled(b, s);
      for (TokenId& t : step.tokens) t = (t + 1) % vocab_size();
      return step;
    }
  };
  TempDir dir;
  test::write_tiny_model(dir.path(), TinyArch::kQwen2, DType::kBF16, 5);
  const ModelDir model = open_model_dir(dir.path());
  auto a = make_cpu(model);
  test::TwinSamplingBackend twin(std::make_unique<cpu::CpuBackend>(make_cpu(model)));
  OffByOne b(twin);
  const ParityReport r = compare_backends(a, b, {kBlocksPerSeq, 3});
  CHECK(r.device_sampled_wrong == r.device_sampled);
  CHECK_FALSE(r.within(0.05f, 0.8));
}

TEST_CASE("device sampling that returns the wrong row's logits for a host row fails the comparison") {
  // The twin, but the host rows' logits always come from the step's first row.
  class FirstRowOnly final : public test::ForwardingBackend {
   public:
    using ForwardingBackend::ForwardingBackend;
    SampledStep forward_sampled(const ForwardBatch& b, const DeviceSampling& s) override {
      const std::span<float> all = inner_.forward(b);
      first_.assign(all.begin(), all.begin() + vocab_size());
      SampledStep step = inner_.forward_sampled(b, s);
      step.host_logits = first_;
      return step;
    }

   private:
    std::vector<float> first_;
  };
  TempDir dir;
  test::write_tiny_model(dir.path(), TinyArch::kQwen2, DType::kBF16, 5);
  const ModelDir model = open_model_dir(dir.path());
  auto a = make_cpu(model);
  test::TwinSamplingBackend twin(std::make_unique<cpu::CpuBackend>(make_cpu(model)));
  FirstRowOnly b(twin);
  const ParityReport r = compare_backends(a, b, {kBlocksPerSeq, 3});
  CHECK(r.device_sampled_wrong == 0);
  CHECK(r.host_rows_wrong > 0);
  CHECK_FALSE(r.within(0.05f, 0.8));
}

TEST_CASE("compare_backends refuses a KV layout too small for its script") {
  TempDir dir;
  test::write_tiny_model(dir.path(), TinyArch::kQwen2, DType::kF32, 5);
  const ModelDir model = open_model_dir(dir.path());
  auto a = make_cpu(model);
  auto b = make_cpu(model);
  CHECK_THROWS_WITH_AS(compare_backends(a, b, {8, 3}), doctest::Contains("at least 320"), std::invalid_argument);
}

TEST_CASE("cuda_model_unsupported: head_dim 64 and 128 run, others are named") {
  ModelConfig c;
  c.num_attention_heads = 4;
  c.num_key_value_heads = 2;
  c.head_dim = 64;
  CHECK(cuda_model_unsupported(c).empty());
  c.head_dim = 128;
  CHECK(cuda_model_unsupported(c).empty());
  c.head_dim = 16;  // the built-in demo model
  CHECK(cuda_model_unsupported(c).find("head_dim 64 or 128, and this model's is 16") != std::string::npos);
  c.head_dim = 64;
  c.num_key_value_heads = 3;
  CHECK(cuda_model_unsupported(c).find("not a multiple") != std::string::npos);
}
