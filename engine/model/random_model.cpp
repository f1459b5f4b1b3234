// write_random_model: one std::mt19937_64 stream over the layout's tensors in order.
// Changing the draw order changes every test model's bytes (and tests' expected values).
#include "engine/model/random_model.h"

#include "engine/model/model_config.h"
#include "engine/model/model_error.h"
#include "engine/model/safetensors_writer.h"
#include "engine/model/weight_layout.h"

#include <fmt/format.h>

#include <cmath>
#include <cstring>
#include <fstream>
#include <random>
#include <vector>

namespace vllmctl {

void write_random_model(const std::filesystem::path& dir, const nlohmann::json& config, DType dtype,
                        uint64_t seed) {
  if (dtype != DType::kF32 && dtype != DType::kF16 && dtype != DType::kBF16) {
    throw ModelFileError(fmt::format("random models are written in f32, f16 or bf16, not {}", dtype_name(dtype)));
  }
  const ModelConfig parsed = parse_model_config(config, "config.json");
  std::filesystem::create_directories(dir);
  {
    std::ofstream out(dir / "config.json", std::ios::binary | std::ios::trunc);
    out << config.dump(2) << "\n";
    if (!out) throw ModelFileError(fmt::format("{}: cannot write", (dir / "config.json").string()));
  }

  std::mt19937_64 rng(seed);
  std::vector<TensorBytes> tensors;
  for (const ExpectedTensor& t : expected_weight_layout(parsed)) {
    if (t.optional) continue;
    std::normal_distribution<float> normal(0.0f, 1.0f);  // fresh per tensor: no carried-over spare
    TensorBytes tb{TensorSpec{t.name, dtype, t.shape}, {}};
    const uint64_t numel = tb.spec.numel();
    const auto fan_in = static_cast<float>(t.shape.back());
    tb.bytes.resize(tb.spec.size_bytes());
    for (uint64_t i = 0; i < numel; ++i) {
      const float z = normal(rng);
      float v = z / std::sqrt(fan_in);
      if (t.role == TensorRole::kNorm) v = 1.0f + 0.1f * z;
      if (t.role == TensorRole::kBias) v = 0.1f * z;
      if (t.role == TensorRole::kEmbedding) v = z;
      if (dtype == DType::kF32) {
        std::memcpy(tb.bytes.data() + i * 4, &v, 4);
      } else {
        const uint16_t bits = dtype == DType::kBF16 ? f32_to_bf16(v) : f32_to_f16(v);
        std::memcpy(tb.bytes.data() + i * 2, &bits, 2);
      }
    }
    tensors.push_back(std::move(tb));
  }
  write_safetensors(dir / "model.safetensors", tensors);
}

}  // namespace vllmctl
