// libFuzzer target for the safetensors header parser: any bytes either parse into a
// header whose tensors tile the data buffer exactly, or fail with a one-line
// ModelFileError; never a crash, a hang or a read outside the buffer. Seeds in
// tests/fuzz/seeds/safetensors_fuzz/ are small files made with Python's struct + json.
#include "engine/model/model_error.h"
#include "engine/model/safetensors_header.h"

#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <cstring>
#include <span>

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  // A copy of exactly `size` bytes, so ASan flags any read past the end.
  auto* copy = static_cast<std::byte*>(std::malloc(size == 0 ? 1 : size));
  if (size > 0) std::memcpy(copy, data, size);
  try {
    const auto header = vllmctl::parse_safetensors_header(std::span<const std::byte>(copy, size), "fuzz");
    uint64_t expected = 0;
    for (const auto& t : header.tensors) {
      if (t.data_begin != expected || t.data_end < t.data_begin) std::abort();
      if (header.find(t.name) == nullptr) std::abort();
      expected = t.data_end;
    }
    if (expected != header.data_size_bytes) std::abort();
    if (header.data_offset_bytes + header.data_size_bytes != size) std::abort();
  } catch (const vllmctl::ModelFileError& e) {
    if (std::strchr(e.what(), '\n') != nullptr) std::abort();  // errors are one line
  }
  std::free(copy);
  return 0;
}
