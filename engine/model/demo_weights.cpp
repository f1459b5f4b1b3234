// Demo weights: splitmix64 over (stream, element index) -> a triangular variate.
#include "engine/model/demo_weights.h"

#include <cassert>
#include <cstring>

namespace vllmctl {

namespace {

constexpr uint64_t kGolden = 0x9e3779b97f4a7c15ull;

inline uint64_t mix64(uint64_t z) {
  z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ull;
  z = (z ^ (z >> 27)) * 0x94d049bb133111ebull;
  return z ^ (z >> 31);
}

// The sum of two uniforms on [-1, 1) (a triangular variate, mean 0, sd sqrt(2/3)).
inline float centered(uint64_t stream, uint64_t index) {
  const uint64_t h = mix64(stream + (index + 1) * kGolden);
  const auto a = static_cast<int16_t>(h & 0xffff);
  const auto b = static_cast<int16_t>((h >> 16) & 0xffff);
  return (static_cast<float>(a) + static_cast<float>(b)) * (1.0f / 32768.0f);
}

// 0.02 / sqrt(2/3): scales centered() to a standard deviation of 0.02.
constexpr float kWeightScale = 0.024494897f;
constexpr float kNormSpread = 0.05f;

}  // namespace

uint64_t demo_tensor_stream(uint64_t seed, std::string_view name) {
  uint64_t h = 0xcbf29ce484222325ull;  // FNV-1a of the name
  for (char c : name) {
    h ^= static_cast<unsigned char>(c);
    h *= 0x100000001b3ull;
  }
  return mix64(h ^ mix64(seed + kGolden));
}

float demo_tensor_value(TensorRole role, uint64_t stream, uint64_t index) {
  const float x = centered(stream, index);
  return role == TensorRole::kNorm ? 1.0f + 0.5f * kNormSpread * x : kWeightScale * x;
}

void fill_demo_tensor(TensorRole role, uint64_t stream, DType dtype, uint64_t offset_bytes,
                      std::span<std::byte> chunk) {
  assert(dtype_is_engine_float(dtype));
  const uint64_t elem_bytes = dtype_bits(dtype) / 8;
  const uint64_t first = offset_bytes / elem_bytes;
  const size_t n = chunk.size() / elem_bytes;
  std::byte* out = chunk.data();
  switch (dtype) {
    case DType::kF32:
      for (size_t i = 0; i < n; ++i) {
        const float v = demo_tensor_value(role, stream, first + i);
        std::memcpy(out + 4 * i, &v, 4);
      }
      break;
    case DType::kBF16:
      for (size_t i = 0; i < n; ++i) {
        const uint16_t v = f32_to_bf16(demo_tensor_value(role, stream, first + i));
        std::memcpy(out + 2 * i, &v, 2);
      }
      break;
    case DType::kF16:
      for (size_t i = 0; i < n; ++i) {
        const uint16_t v = f32_to_f16(demo_tensor_value(role, stream, first + i));
        std::memcpy(out + 2 * i, &v, 2);
      }
      break;
    default:
      break;
  }
}

}  // namespace vllmctl
