// Demo weights: splitmix64 over (stream, element index / 4) gives 16 random bits per
// element, two signed bytes whose sum is a triangular variate; a 511-entry table per
// tensor maps that sum straight to the stored bits (fast enough for GBs of weights).
#include "engine/model/demo_weights.h"

#include <array>
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

// One 64-bit hash feeds four elements: element i takes bits 16*(i%4).. of hash(i / 4).
inline uint64_t quad_hash(uint64_t stream, uint64_t index) { return mix64(stream + ((index >> 2) + 1) * kGolden); }

// The table slot of 16 random bits: a + b + 256 for the two signed bytes a, b.
inline uint32_t slot(uint64_t hash, uint32_t lane) {
  const auto bits = static_cast<uint16_t>(hash >> (16 * lane));
  return static_cast<uint32_t>(static_cast<int8_t>(bits & 0xff) + static_cast<int8_t>(bits >> 8) + 256);
}
constexpr uint32_t kNumSlots = 511;

// 0.02 / sqrt(2/3): the sum of two uniforms on (-1, 1) has sd sqrt(2/3).
constexpr float kWeightScale = 0.024494897f;
constexpr float kNormSpread = 0.05f;

// Slot s = a + b + 256 stands for (2a+1)/256 + (2b+1)/256 = (s - 255) / 128, which is
// symmetric around 0 on (-2, 2).
inline float slot_value(TensorRole role, uint32_t s) {
  const float x = (static_cast<float>(s) - 255.0f) / 128.0f;
  return role == TensorRole::kNorm ? 1.0f + 0.5f * kNormSpread * x : kWeightScale * x;
}

template <typename Bits>
std::array<Bits, kNumSlots> make_table(TensorRole role, DType dtype) {
  std::array<Bits, kNumSlots> table{};
  for (uint32_t s = 0; s < kNumSlots; ++s) {
    const float v = slot_value(role, s);
    if (dtype == DType::kF32) {
      table[s] = static_cast<Bits>(std::bit_cast<uint32_t>(v));
    } else {
      table[s] = static_cast<Bits>(dtype == DType::kBF16 ? f32_to_bf16(v) : f32_to_f16(v));
    }
  }
  return table;
}

// Writes elements first .. first + n - 1 as `Bits` into `out`, one hash per aligned quad.
template <typename Bits>
void generate(TensorRole role, uint64_t stream, DType dtype, uint64_t first, size_t n, std::byte* out) {
  const auto table = make_table<Bits>(role, dtype);
  auto store = [&](size_t k, uint32_t s) { std::memcpy(out + sizeof(Bits) * k, &table[s], sizeof(Bits)); };
  size_t k = 0;
  for (; k < n && ((first + k) & 3) != 0; ++k) {
    const uint64_t i = first + k;
    store(k, slot(quad_hash(stream, i), static_cast<uint32_t>(i & 3)));
  }
  for (; k + 4 <= n; k += 4) {
    const uint64_t hash = quad_hash(stream, first + k);
    store(k, slot(hash, 0));
    store(k + 1, slot(hash, 1));
    store(k + 2, slot(hash, 2));
    store(k + 3, slot(hash, 3));
  }
  for (; k < n; ++k) {
    const uint64_t i = first + k;
    store(k, slot(quad_hash(stream, i), static_cast<uint32_t>(i & 3)));
  }
}

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
  return slot_value(role, slot(quad_hash(stream, index), static_cast<uint32_t>(index & 3)));
}

void fill_demo_tensor(TensorRole role, uint64_t stream, DType dtype, uint64_t offset_bytes,
                      std::span<std::byte> chunk) {
  assert(dtype_is_engine_float(dtype));
  const uint64_t elem_bytes = dtype_bits(dtype) / 8;
  const uint64_t first = offset_bytes / elem_bytes;
  const size_t n = chunk.size() / elem_bytes;
  if (dtype == DType::kF32) {
    generate<uint32_t>(role, stream, dtype, first, n, chunk.data());
  } else {
    generate<uint16_t>(role, stream, dtype, first, n, chunk.data());
  }
}

}  // namespace vllmctl
