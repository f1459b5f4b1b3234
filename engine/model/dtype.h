// Tensor element types as safetensors names them, their sizes, and the conversions the
// CPU engine needs (BF16/F16 <-> F32). Assumes a little-endian host, as safetensors does.
#pragma once

#include <bit>
#include <cstddef>
#include <cstdint>
#include <optional>
#include <span>
#include <string_view>

namespace vllmctl {

static_assert(std::endian::native == std::endian::little, "safetensors data is little-endian");

// Every dtype string the safetensors format defines. Only F32, F16 and BF16 can feed
// the engine; the rest parse (so a header is read faithfully) and are rejected later.
enum class DType {
  kBool, kU8, kI8, kI16, kU16, kF16, kBF16, kI32, kU32, kF32, kF64, kI64, kU64,
  kF8E4M3, kF8E5M2, kF8E8M0, kF8E4M3Fnuz, kF8E5M2Fnuz, kF4, kF6E2M3, kF6E3M2, kC64,
};

// "BF16" -> kBF16; nullopt for a string safetensors does not define (case-sensitive).
std::optional<DType> parse_dtype(std::string_view name);
// kBF16 -> "BF16" (the safetensors spelling).
std::string_view dtype_name(DType dtype);
// Bits per element: 4 for F4, 6 for F6_*, 64 for C64 and F64, ...
uint32_t dtype_bits(DType dtype);
// True for the types the engine can load: F32, F16, BF16.
bool dtype_is_engine_float(DType dtype);

// HF config `torch_dtype` spelling ("bfloat16", "float16", "float32") <-> DType.
std::optional<DType> dtype_from_torch_name(std::string_view torch_name);
std::string_view dtype_torch_name(DType dtype);  // "" for types torch has no name for here

// Inline: they run once per element when weights are converted or generated.
inline float bf16_to_f32(uint16_t bits) { return std::bit_cast<float>(static_cast<uint32_t>(bits) << 16); }
// Round to nearest even; NaN stays NaN, overflow becomes infinity.
inline uint16_t f32_to_bf16(float value) {
  uint32_t x = std::bit_cast<uint32_t>(value);
  if ((x & 0x7fffffffu) > 0x7f800000u) return static_cast<uint16_t>((x >> 16) | 0x40u);  // quiet NaN
  x += 0x7fffu + ((x >> 16) & 1u);
  return static_cast<uint16_t>(x >> 16);
}
float f16_to_f32(uint16_t bits);
uint16_t f32_to_f16(float value);

// Converts `src` (packed little-endian elements of `dtype`, possibly unaligned) to F32.
// REQUIRES: dtype_is_engine_float(dtype), src.size() == dst.size() * element bytes.
void convert_to_f32(DType dtype, std::span<const std::byte> src, std::span<float> dst);

}  // namespace vllmctl
