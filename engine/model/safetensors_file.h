// SafetensorsFile: one .safetensors file, mapped and validated; tensors are zero-copy
// views into the mapping, valid while the SafetensorsFile lives.
#pragma once

#include "engine/model/mapped_file.h"
#include "engine/model/safetensors_header.h"

#include <filesystem>
#include <span>
#include <string>
#include <string_view>
#include <vector>

namespace vllmctl {

// A tensor's description and its raw little-endian bytes (possibly unaligned).
struct TensorView {
  const SafetensorsTensorInfo* info = nullptr;
  std::span<const std::byte> bytes;
};

class SafetensorsFile {
 public:
  // Maps and validates `path` (see parse_safetensors_header). Throws ModelFileError
  // whose message starts with the path.
  explicit SafetensorsFile(const std::filesystem::path& path);

  const std::filesystem::path& path() const { return file_.path(); }
  const SafetensorsHeader& header() const { return header_; }
  uint64_t size_bytes() const { return file_.size_bytes(); }

  // The tensor called `name`, or a view with info == nullptr when absent.
  TensorView find(std::string_view name) const;
  TensorView view(const SafetensorsTensorInfo& info) const;

 private:
  MappedFile file_;
  SafetensorsHeader header_;
};

// The tensor's elements as F32. Throws ModelFileError when its dtype is not F32/F16/BF16.
std::vector<float> tensor_to_f32(const TensorView& tensor, std::string_view label);

}  // namespace vllmctl
