// dtype names and the BF16/F16 <-> F32 conversions: rounding, subnormals, Inf and NaN.
#include "engine/model/dtype.h"

#include <doctest/doctest.h>

#include <cmath>
#include <cstring>
#include <limits>

using namespace vllmctl;

TEST_CASE("dtype names round-trip and unknown names are rejected") {
  for (const char* name : {"BOOL", "U8", "I8", "I16", "U16", "F16", "BF16", "I32", "U32", "F32", "F64", "I64",
                           "U64", "F8_E4M3", "F8_E5M2", "F8_E8M0", "F8_E4M3FNUZ", "F8_E5M2FNUZ", "F4",
                           "F6_E2M3", "F6_E3M2", "C64"}) {
    auto d = parse_dtype(name);
    REQUIRE(d.has_value());
    CHECK(dtype_name(*d) == name);
  }
  CHECK_FALSE(parse_dtype("bf16").has_value());
  CHECK_FALSE(parse_dtype("Q4_0").has_value());
  CHECK(dtype_bits(DType::kBF16) == 16);
  CHECK(dtype_bits(DType::kF4) == 4);
  CHECK(dtype_is_engine_float(DType::kF16));
  CHECK_FALSE(dtype_is_engine_float(DType::kF64));
  CHECK(dtype_from_torch_name("bfloat16") == DType::kBF16);
  CHECK(dtype_torch_name(DType::kF32) == "float32");
}

TEST_CASE("bf16: exact values, round to nearest even, NaN stays NaN") {
  CHECK(f32_to_bf16(1.0f) == 0x3f80);
  CHECK(bf16_to_f32(0x3f80) == 1.0f);
  CHECK(bf16_to_f32(0xc020) == -2.5f);
  // 1 + 2^-8 is halfway between 1 and 1 + 2^-7: ties to even (1.0).
  CHECK(f32_to_bf16(1.0f + std::ldexp(1.0f, -8)) == 0x3f80);
  // 1 + 3 * 2^-8 is halfway between 1 + 2^-7 (odd) and 1 + 2^-6: rounds up to even.
  CHECK(f32_to_bf16(1.0f + 3 * std::ldexp(1.0f, -8)) == 0x3f82);
  CHECK(std::isnan(bf16_to_f32(f32_to_bf16(std::numeric_limits<float>::quiet_NaN()))));
  CHECK(std::isinf(bf16_to_f32(f32_to_bf16(std::numeric_limits<float>::infinity()))));
}

TEST_CASE("f16: normals, subnormals, overflow, Inf and NaN") {
  CHECK(f32_to_f16(1.0f) == 0x3c00);
  CHECK(f16_to_f32(0x3c00) == 1.0f);
  CHECK(f16_to_f32(0xc000) == -2.0f);
  CHECK(f16_to_f32(0x7bff) == 65504.0f);
  CHECK(f16_to_f32(0x0001) == std::ldexp(1.0f, -24));  // smallest subnormal
  CHECK(f32_to_f16(std::ldexp(1.0f, -24)) == 0x0001);
  CHECK(f32_to_f16(std::ldexp(1.0f, -26)) == 0x0000);  // rounds to zero
  CHECK(f32_to_f16(65520.0f) == 0x7c00);                // rounds up to Inf
  CHECK(f32_to_f16(-1e10f) == 0xfc00);
  CHECK(f16_to_f32(0x7c00) == std::numeric_limits<float>::infinity());
  CHECK(std::isnan(f16_to_f32(f32_to_f16(std::numeric_limits<float>::quiet_NaN()))));
  CHECK(std::signbit(f16_to_f32(0x8000)));
  // Every finite F16 value survives F16 -> F32 -> F16.
  int mismatches = 0;
  for (uint32_t h = 0; h < 0x10000; ++h) {
    if ((h & 0x7c00) == 0x7c00) continue;
    if (f32_to_f16(f16_to_f32(static_cast<uint16_t>(h))) != h) ++mismatches;
  }
  CHECK(mismatches == 0);
}

TEST_CASE("convert_to_f32 reads unaligned little-endian data") {
  const uint16_t raw[3] = {0x3c00, 0x4000, 0xbc00};  // 1, 2, -1 in F16
  std::byte buffer[7];
  std::memcpy(buffer + 1, raw, 6);
  float out[3];
  convert_to_f32(DType::kF16, std::span<const std::byte>(buffer + 1, 6), out);
  CHECK(out[0] == 1.0f);
  CHECK(out[1] == 2.0f);
  CHECK(out[2] == -1.0f);
}
