// The safetensors writer and reader together: bytes survive, the header is sorted and
// padded as the reference writer does, and dtype conversions to F32 are exact.
#include "engine/model/safetensors_file.h"
#include "engine/model/safetensors_writer.h"
#include "tests/unit/model/model_test_util.h"
#include "tests/unit/test_support.h"

#include <doctest/doctest.h>

#include <cmath>
#include <cstring>

namespace {

using namespace vllmctl;
using vllmctl::test::TempDir;

std::vector<std::byte> pattern_bytes(size_t n, uint8_t start) {
  std::vector<std::byte> out(n);
  for (size_t i = 0; i < n; ++i) out[i] = static_cast<std::byte>(start + i * 7);
  return out;
}

}  // namespace

TEST_CASE("write then read: names, dtypes, shapes and bytes are equal") {
  TempDir dir;
  std::vector<TensorBytes> tensors = {
      {{"z.bf16", DType::kBF16, {3, 5}}, pattern_bytes(30, 1)},
      {{"a.f32", DType::kF32, {7}}, pattern_bytes(28, 2)},
      {{"m.f16", DType::kF16, {2, 2, 2}}, pattern_bytes(16, 3)},
      {{"scalar", DType::kF32, {}}, pattern_bytes(4, 4)},
      {{"empty", DType::kBF16, {0, 4}}, {}},
      {{"bytes", DType::kU8, {5}}, pattern_bytes(5, 5)},
  };
  const uint64_t size = write_safetensors(dir / "t.safetensors", tensors);
  CHECK(size == std::filesystem::file_size(dir / "t.safetensors"));
  CHECK_FALSE(std::filesystem::exists(dir / "t.safetensors.partial"));

  SafetensorsFile file(dir / "t.safetensors");
  CHECK(file.header().metadata == std::map<std::string, std::string>{{"format", "pt"}});
  CHECK(file.header().tensors.size() == tensors.size());
  for (const auto& t : tensors) {
    const TensorView v = file.find(t.spec.name);
    REQUIRE(v.info != nullptr);
    CHECK(v.info->dtype == t.spec.dtype);
    CHECK(v.info->shape == t.spec.shape);
    REQUIRE(v.bytes.size() == t.bytes.size());
    CHECK(std::equal(v.bytes.begin(), v.bytes.end(), t.bytes.begin()));
  }
  // Header padded to a multiple of 8 with spaces, so the data starts 8-aligned.
  CHECK(file.header().header_size_bytes % 8 == 0);
  const std::string raw = vllmctl::test::read_file(dir / "t.safetensors");
  const std::string header = raw.substr(8, file.header().header_size_bytes);
  CHECK(header.find_last_not_of(' ') == header.rfind('}'));
  // Sorted by descending dtype size, then name: F32 (a.f32, scalar), F16/BF16 (empty,
  // m.f16, z.bf16), U8 (bytes). __metadata__ first.
  std::vector<std::string> order;
  for (const auto& t : file.header().tensors) order.push_back(t.name);
  CHECK(order == std::vector<std::string>{"a.f32", "scalar", "empty", "m.f16", "z.bf16", "bytes"});
  CHECK(header.find("__metadata__") < header.find("a.f32"));
  CHECK(header.find("a.f32") < header.find("scalar"));
  CHECK(header.find("m.f16") < header.find("z.bf16"));
}

TEST_CASE("a duplicate tensor name is refused and leaves no file") {
  TempDir dir;
  std::vector<TensorBytes> tensors = {{{"x", DType::kU8, {1}}, pattern_bytes(1, 0)},
                                      {{"x", DType::kU8, {1}}, pattern_bytes(1, 0)}};
  const std::string e = vllmctl::test::error_of([&] { write_safetensors(dir / "d.safetensors", tensors); });
  CHECK(e.find("tensor 'x' given twice") != std::string::npos);
  CHECK_FALSE(std::filesystem::exists(dir / "d.safetensors"));
  // Bytes that do not match the shape, and sub-byte tensors that end mid-byte.
  const std::vector<TensorBytes> short_data = {{{"y", DType::kF32, {2}}, pattern_bytes(7, 0)}};
  CHECK(vllmctl::test::error_of([&] { write_safetensors(dir / "d.safetensors", short_data); })
            .find("tensor 'y' has 7 bytes, but its shape and dtype need 8") != std::string::npos);
  const std::vector<TensorSpec> odd = {{"f4", DType::kF4, {3}}};
  CHECK(vllmctl::test::error_of([&] {
          write_safetensors(dir / "d.safetensors", odd, [](const TensorSpec&, uint64_t, std::span<std::byte>) {});
        }).find("do not end on a byte boundary") != std::string::npos);
  CHECK_FALSE(std::filesystem::exists(dir / "d.safetensors"));
}

TEST_CASE("large tensors stream through the chunked writer intact") {
  TempDir dir;
  // 3,000,000 F32 = 12 MB: more than one 8 MiB chunk.
  std::vector<TensorSpec> specs = {{"big", DType::kF32, {3'000'000}}, {"small", DType::kBF16, {3}}};
  auto fill = [](const TensorSpec& spec, uint64_t offset, std::span<std::byte> chunk) {
    for (size_t i = 0; i < chunk.size(); ++i) chunk[i] = static_cast<std::byte>((offset + i) * 31 + spec.name.size());
  };
  write_safetensors(dir / "big.safetensors", specs, fill);
  SafetensorsFile file(dir / "big.safetensors");
  const auto big = file.find("big");
  REQUIRE(big.bytes.size() == 12'000'000);
  bool all_equal = true;
  for (size_t i = 0; i < big.bytes.size(); ++i) {
    all_equal = all_equal && big.bytes[i] == static_cast<std::byte>(i * 31 + 3);
  }
  CHECK(all_equal);
}

TEST_CASE("BF16/F16/F32 tensors read back as F32") {
  TempDir dir;
  const std::vector<float> values = {0.0f, 1.0f, -2.5f, 0.15625f, 65504.0f, -0.0009765625f};
  std::vector<std::byte> f32(values.size() * 4), bf16(values.size() * 2), f16(values.size() * 2);
  for (size_t i = 0; i < values.size(); ++i) {
    std::memcpy(&f32[4 * i], &values[i], 4);
    const uint16_t b = f32_to_bf16(values[i]), h = f32_to_f16(values[i]);
    std::memcpy(&bf16[2 * i], &b, 2);
    std::memcpy(&f16[2 * i], &h, 2);
  }
  const uint64_t n = values.size();
  write_safetensors(dir / "c.safetensors", {{{"f32", DType::kF32, {n}}, f32},
                                            {{"bf16", DType::kBF16, {n}}, bf16},
                                            {{"f16", DType::kF16, {n}}, f16},
                                            {{"i32", DType::kI32, {n}}, f32}});
  SafetensorsFile file(dir / "c.safetensors");
  CHECK(tensor_to_f32(file.find("f32"), "c") == values);
  CHECK(tensor_to_f32(file.find("f16"), "c") == values);  // all exactly representable in F16
  const auto from_bf16 = tensor_to_f32(file.find("bf16"), "c");
  for (size_t i = 0; i < values.size(); ++i) CHECK(from_bf16[i] == doctest::Approx(values[i]).epsilon(1.0 / 128));
  CHECK(vllmctl::test::error_of([&] { tensor_to_f32(file.find("i32"), "c.safetensors"); }) ==
        "c.safetensors: tensor 'i32': dtype I32 cannot be converted to F32 (the engine reads F32, F16 and BF16)");
}
