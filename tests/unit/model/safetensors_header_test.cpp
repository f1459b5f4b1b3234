// The safetensors header parser: valid headers parse, and every kind of corrupt file is a
// one-line error naming the file (and the tensor), never a crash.
#include "engine/model/safetensors_file.h"
#include "engine/model/safetensors_header.h"
#include "tests/unit/model/model_test_util.h"
#include "tests/unit/test_support.h"

#include <doctest/doctest.h>

#include <filesystem>
#include <span>

namespace {

using namespace vllmctl;
using vllmctl::test::error_of;
using vllmctl::test::one_line;
using vllmctl::test::raw_safetensors;

std::span<const std::byte> bytes_of(const std::string& s) {
  return {reinterpret_cast<const std::byte*>(s.data()), s.size()};
}

SafetensorsHeader parse(const std::string& file) { return parse_safetensors_header(bytes_of(file), "m.safetensors"); }

std::string parse_error(const std::string& file) {
  const std::string e = error_of([&] { parse(file); });
  CHECK(one_line(e));
  CHECK(e.rfind("m.safetensors: ", 0) == 0);
  return e;
}

const std::string kTwoTensors =
    R"({"__metadata__":{"format":"pt"},"b":{"dtype":"F32","shape":[2],"data_offsets":[8,16]},)"
    R"("a":{"dtype":"BF16","shape":[2,2],"data_offsets":[0,8]}})";

}  // namespace

TEST_CASE("a valid header: tensors in buffer order, metadata, offsets") {
  const auto h = parse(raw_safetensors(kTwoTensors, 16));
  REQUIRE(h.tensors.size() == 2);
  CHECK(h.tensors[0].name == "a");
  CHECK(h.tensors[0].dtype == DType::kBF16);
  CHECK(h.tensors[0].shape == std::vector<uint64_t>{2, 2});
  CHECK(h.tensors[0].numel == 4);
  CHECK(h.tensors[1].name == "b");
  CHECK(h.tensors[1].data_begin == 8);
  CHECK(h.metadata.at("format") == "pt");
  CHECK(h.data_offset_bytes == 8 + kTwoTensors.size());
  CHECK(h.find("b") == &h.tensors[1]);
  CHECK(h.find("c") == nullptr);
}

TEST_CASE("scalars, empty tensors, an empty header and trailing spaces are valid") {
  const auto h = parse(raw_safetensors(
      R"({"s":{"dtype":"F32","shape":[],"data_offsets":[0,4]},"e":{"dtype":"F16","shape":[0,3],"data_offsets":[4,4]}}   )",
      4));
  CHECK(h.tensors.size() == 2);
  CHECK(h.find("s")->numel == 1);
  CHECK(h.find("e")->numel == 0);
  CHECK(parse(raw_safetensors("{}", 0)).tensors.empty());
}

TEST_CASE("every standard dtype string parses, with its size") {
  const std::pair<const char*, int> cases[] = {{"BOOL", 1}, {"U8", 1}, {"I8", 1}, {"F8_E4M3", 1}, {"F8_E5M2", 1},
                                               {"I16", 2},  {"U16", 2}, {"F16", 2}, {"BF16", 2},   {"I32", 4},
                                               {"U32", 4},  {"F32", 4}, {"I64", 8}, {"U64", 8},    {"F64", 8}};
  for (const auto& [name, size] : cases) {
    const std::string header = std::string(R"({"t":{"dtype":")") + name + R"(","shape":[3],"data_offsets":[0,)" +
                               std::to_string(3 * size) + "]}}";
    const auto h = parse(raw_safetensors(header, 3 * size));
    CHECK(dtype_name(h.tensors[0].dtype) == name);
  }
  // Sub-byte types must end on a byte boundary: 4 x F4 = 2 bytes, 3 x F4 is not whole.
  CHECK(parse(raw_safetensors(R"({"t":{"dtype":"F4","shape":[4],"data_offsets":[0,2]}})", 2)).tensors.size() == 1);
  CHECK(parse_error(raw_safetensors(R"({"t":{"dtype":"F4","shape":[3],"data_offsets":[0,2]}})", 2))
            .find("byte boundary") != std::string::npos);
}

TEST_CASE("too short, header longer than the file, over the limit, not JSON") {
  CHECK(parse_error(std::string("\x05\x00\x00", 3)).find("too short") != std::string::npos);
  CHECK(parse_error(raw_safetensors("{}", 0, 4096)).find("longer than the file") != std::string::npos);
  CHECK(parse_error(raw_safetensors("{}", 0, 200'000'000)).find("exceeds the limit") != std::string::npos);
  CHECK(parse_error(raw_safetensors("[1, 2]", 0)).find("does not start with '{'") != std::string::npos);
  CHECK(parse_error(raw_safetensors("{\"a\":\n", 0)).find("not valid JSON") != std::string::npos);
  CHECK(parse_error(raw_safetensors("{\"a\": {\"x\": {\"y\": [[1]]}}}", 0)).find("nested") != std::string::npos);
}

TEST_CASE("duplicate keys are refused") {
  const std::string e = parse_error(raw_safetensors(
      R"({"a":{"dtype":"U8","shape":[1],"data_offsets":[0,1]},"a":{"dtype":"U8","shape":[1],"data_offsets":[0,1]}})", 1));
  CHECK(e.find("key 'a' twice") != std::string::npos);
}

TEST_CASE("unknown dtype names the tensor and the dtype") {
  const std::string e = parse_error(raw_safetensors(R"({"w":{"dtype":"Q4_K","shape":[1],"data_offsets":[0,1]}})", 1));
  CHECK(e == "m.safetensors: tensor 'w': unknown dtype 'Q4_K'");
}

TEST_CASE("bad shapes and offsets") {
  CHECK(parse_error(raw_safetensors(R"({"w":{"dtype":"U8","shape":[-1],"data_offsets":[0,1]}})", 1))
            .find("tensor 'w': shape must be") != std::string::npos);
  CHECK(parse_error(raw_safetensors(R"({"w":{"dtype":"U8","shape":[1],"data_offsets":[1]}})", 1))
            .find("data_offsets must be two") != std::string::npos);
  CHECK(parse_error(raw_safetensors(R"({"w":{"dtype":"U8","shape":[1],"data_offsets":[1,0]}})", 1))
            .find("end before they begin") != std::string::npos);
  CHECK(parse_error(raw_safetensors(R"({"w":{"dtype":"F32","shape":[2],"data_offsets":[0,4]}})", 4))
            .find("tensor 'w': data_offsets [0, 4] hold 4 bytes, but shape [2] of F32 needs 8") != std::string::npos);
  // numel x size overflows 64 bits: refused, not wrapped around to a small number.
  CHECK(parse_error(raw_safetensors(
            R"({"w":{"dtype":"F32","shape":[4294967296,4294967296],"data_offsets":[0,0]}})", 0))
            .find("64 bits") != std::string::npos);
  CHECK(parse_error(raw_safetensors(
            R"({"w":{"dtype":"F64","shape":[4611686018427387904],"data_offsets":[0,0]}})", 0))
            .find("too large") != std::string::npos);
  CHECK(parse_error(raw_safetensors(R"({"__metadata__":{"n":1}})", 0)).find("strings to strings") != std::string::npos);
}

TEST_CASE("overlapping offsets name both tensors") {
  const std::string e = parse_error(raw_safetensors(
      R"({"model.norm.weight":{"dtype":"U8","shape":[4],"data_offsets":[2,6]},"x":{"dtype":"U8","shape":[4],"data_offsets":[0,4]}})",
      6));
  CHECK(e == "m.safetensors: tensor 'model.norm.weight': data_offsets [2, 6] overlap 'x' [0, 4]");
}

TEST_CASE("non-contiguous offsets: a hole between tensors, at the start, or at the end") {
  CHECK(parse_error(raw_safetensors(
            R"({"a":{"dtype":"U8","shape":[2],"data_offsets":[0,2]},"b":{"dtype":"U8","shape":[2],"data_offsets":[3,5]}})", 5))
            .find("tensor 'b': data_offsets [3, 5] leave a hole of 1 bytes after 'a'") != std::string::npos);
  CHECK(parse_error(raw_safetensors(R"({"a":{"dtype":"U8","shape":[2],"data_offsets":[1,3]}})", 3))
            .find("first tensor must start at 0") != std::string::npos);
  CHECK(parse_error(raw_safetensors(R"({"a":{"dtype":"U8","shape":[2],"data_offsets":[0,2]}})", 3))
            .find("1 bytes after the last tensor") != std::string::npos);
}

TEST_CASE("a truncated file on disk is an error naming the file and tensor") {
  vllmctl::test::TempDir dir;
  const std::string full = raw_safetensors(kTwoTensors, 16);
  vllmctl::test::write_file(dir / "model.safetensors", full.substr(0, full.size() - 3));
  const std::string path = (dir / "model.safetensors").string();
  const std::string e = error_of([&] { SafetensorsFile file(dir / "model.safetensors"); });
  CHECK(one_line(e));
  CHECK(e.rfind(path + ": tensor 'b': data_offsets [8, 16] run past the end of the data", 0) == 0);
  // Cut inside the header: the length field claims more than is there.
  vllmctl::test::write_file(dir / "model.safetensors", full.substr(0, 20));
  CHECK(error_of([&] { SafetensorsFile file(dir / "model.safetensors"); }).find("longer than the file") !=
        std::string::npos);
  vllmctl::test::write_file(dir / "model.safetensors", "");
  CHECK(error_of([&] { SafetensorsFile file(dir / "model.safetensors"); }).find("too short") != std::string::npos);
  CHECK(error_of([&] { SafetensorsFile file(dir / "absent.safetensors"); }).find("cannot open") != std::string::npos);
}

TEST_CASE("names with control characters stay on one line in errors") {
  const std::string e =
      parse_error(raw_safetensors("{\"a\\nb\":{\"dtype\":\"Q\",\"shape\":[1],\"data_offsets\":[0,1]}}", 1));
  CHECK(e.find("a\\x0ab") != std::string::npos);
}
