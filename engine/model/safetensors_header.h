// The safetensors header parser: 8-byte little-endian length N, N bytes of JSON, then the
// byte buffer. Validates the header against the buffer as the reference reader does.
#pragma once

#include "engine/model/dtype.h"

#include <cstddef>
#include <cstdint>
#include <map>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

namespace vllmctl {

// Headers longer than this are refused (the reference reader's limit).
inline constexpr uint64_t kMaxSafetensorsHeaderBytes = 100'000'000;

struct SafetensorsTensorInfo {
  std::string name;
  DType dtype = DType::kF32;
  std::vector<uint64_t> shape;  // empty for a rank-0 scalar
  uint64_t numel = 0;
  // [data_begin, data_end) relative to the start of the byte buffer.
  uint64_t data_begin = 0;
  uint64_t data_end = 0;
  uint64_t size_bytes() const { return data_end - data_begin; }
};

struct SafetensorsHeader {
  uint64_t header_size_bytes = 0;  // N
  uint64_t data_offset_bytes = 0;  // 8 + N: where the byte buffer starts in the file
  uint64_t data_size_bytes = 0;    // the byte buffer's length
  std::map<std::string, std::string> metadata;  // "__metadata__"
  std::vector<SafetensorsTensorInfo> tensors;   // in buffer (data offset) order
  std::map<std::string, size_t, std::less<>> index_by_name;  // name -> position in tensors

  // The tensor called `name`, or nullptr.
  const SafetensorsTensorInfo* find(std::string_view name) const;
};

// Parses and validates a whole safetensors file held in `file_bytes`: header length
// within the limit and the file, a JSON object starting with '{', no duplicate keys,
// `__metadata__` string -> string, known dtypes, non-negative integer shapes and
// offsets, byte sizes equal to numel x dtype size (overflow-checked), offsets in range,
// contiguous from 0 with no hole or overlap, the last end equal to the buffer size.
// Throws ModelFileError "LABEL: ..." (naming the tensor when one is at fault).
// Never reads outside `file_bytes`.
SafetensorsHeader parse_safetensors_header(std::span<const std::byte> file_bytes,
                                           std::string_view label);

// "[151936, 896]"
std::string format_shape(std::span<const uint64_t> shape);

}  // namespace vllmctl
