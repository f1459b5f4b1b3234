// safetensors dtype names and sizes, and the BF16/F16 <-> F32 conversions.
#include "engine/model/dtype.h"

#include <array>
#include <cassert>
#include <cstring>

namespace vllmctl {

namespace {

struct DTypeInfo {
  DType dtype;
  std::string_view name;
  uint32_t bits;
};

constexpr std::array<DTypeInfo, 22> kDTypes = {{
    {DType::kBool, "BOOL", 8},         {DType::kU8, "U8", 8},
    {DType::kI8, "I8", 8},             {DType::kI16, "I16", 16},
    {DType::kU16, "U16", 16},          {DType::kF16, "F16", 16},
    {DType::kBF16, "BF16", 16},        {DType::kI32, "I32", 32},
    {DType::kU32, "U32", 32},          {DType::kF32, "F32", 32},
    {DType::kF64, "F64", 64},          {DType::kI64, "I64", 64},
    {DType::kU64, "U64", 64},          {DType::kF8E4M3, "F8_E4M3", 8},
    {DType::kF8E5M2, "F8_E5M2", 8},    {DType::kF8E8M0, "F8_E8M0", 8},
    {DType::kF8E4M3Fnuz, "F8_E4M3FNUZ", 8}, {DType::kF8E5M2Fnuz, "F8_E5M2FNUZ", 8},
    {DType::kF4, "F4", 4},             {DType::kF6E2M3, "F6_E2M3", 6},
    {DType::kF6E3M2, "F6_E3M2", 6},    {DType::kC64, "C64", 64},
}};

const DTypeInfo& info(DType dtype) {
  for (const auto& i : kDTypes) {
    if (i.dtype == dtype) return i;
  }
  assert(false && "every DType is in kDTypes");
  return kDTypes[0];
}

template <typename T>
T load(const std::byte* p) {
  T v;
  std::memcpy(&v, p, sizeof(T));
  return v;
}

}  // namespace

std::optional<DType> parse_dtype(std::string_view name) {
  for (const auto& i : kDTypes) {
    if (i.name == name) return i.dtype;
  }
  return std::nullopt;
}

std::string_view dtype_name(DType dtype) { return info(dtype).name; }
uint32_t dtype_bits(DType dtype) { return info(dtype).bits; }

bool dtype_is_engine_float(DType dtype) {
  return dtype == DType::kF32 || dtype == DType::kF16 || dtype == DType::kBF16;
}

std::optional<DType> dtype_from_torch_name(std::string_view torch_name) {
  if (torch_name == "bfloat16") return DType::kBF16;
  if (torch_name == "float16" || torch_name == "half") return DType::kF16;
  if (torch_name == "float32" || torch_name == "float") return DType::kF32;
  return std::nullopt;
}

std::string_view dtype_torch_name(DType dtype) {
  switch (dtype) {
    case DType::kBF16: return "bfloat16";
    case DType::kF16: return "float16";
    case DType::kF32: return "float32";
    default: return "";
  }
}

float f16_to_f32(uint16_t h) {
  const uint32_t sign = static_cast<uint32_t>(h & 0x8000u) << 16;
  const uint32_t exp = (h >> 10) & 0x1fu;
  const uint32_t mant = h & 0x3ffu;
  if (exp == 0) {
    // Zero or subnormal: mant * 2^-24, exact in F32.
    const float magnitude = static_cast<float>(mant) * (1.0f / 16777216.0f);
    return sign ? -magnitude : magnitude;
  }
  if (exp == 31) return std::bit_cast<float>(sign | 0x7f800000u | (mant << 13));
  return std::bit_cast<float>(sign | ((exp + 112u) << 23) | (mant << 13));
}

uint16_t f32_to_f16(float value) {
  // Round-to-nearest-even, after F. Giesen's float_to_half_fast3_rtne.
  uint32_t f = std::bit_cast<uint32_t>(value);
  const uint32_t sign = f & 0x80000000u;
  f ^= sign;
  uint32_t out;
  if (f >= (127u + 16u) << 23) {  // >= 65536, Inf or NaN
    out = f > (255u << 23) ? 0x7e00u : 0x7c00u;
  } else if (f < (113u << 23)) {  // subnormal or zero in F16
    const uint32_t magic_bits = ((127u - 15u) + (23u - 10u) + 1u) << 23;
    const float sum = std::bit_cast<float>(f) + std::bit_cast<float>(magic_bits);
    out = std::bit_cast<uint32_t>(sum) - magic_bits;
  } else {
    const uint32_t mant_odd = (f >> 13) & 1u;
    f += (static_cast<uint32_t>(15 - 127) << 23) + 0xfffu;  // rebias, round
    f += mant_odd;
    out = f >> 13;  // a carry into exponent 31 yields Inf, as it should
  }
  return static_cast<uint16_t>(out | (sign >> 16));
}

void convert_to_f32(DType dtype, std::span<const std::byte> src, std::span<float> dst) {
  assert(dtype_is_engine_float(dtype));
  const std::byte* p = src.data();
  switch (dtype) {
    case DType::kF32:
      assert(src.size() == dst.size() * 4);
      if (!dst.empty()) std::memcpy(dst.data(), p, dst.size() * 4);
      return;
    case DType::kBF16:
      assert(src.size() == dst.size() * 2);
      for (size_t i = 0; i < dst.size(); ++i) dst[i] = bf16_to_f32(load<uint16_t>(p + 2 * i));
      return;
    case DType::kF16:
      assert(src.size() == dst.size() * 2);
      for (size_t i = 0; i < dst.size(); ++i) dst[i] = f16_to_f32(load<uint16_t>(p + 2 * i));
      return;
    default:
      return;
  }
}

}  // namespace vllmctl
