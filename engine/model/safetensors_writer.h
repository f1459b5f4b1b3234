// The safetensors writer: tensors sorted as the reference writer sorts them (descending
// dtype size, then name), a header padded with spaces to a multiple of 8 bytes, data
// streamed in chunks so a multi-GB file never sits in memory.
#pragma once

#include "engine/model/dtype.h"

#include <cstddef>
#include <cstdint>
#include <filesystem>
#include <functional>
#include <map>
#include <span>
#include <string>
#include <vector>

namespace vllmctl {

struct TensorSpec {
  std::string name;
  DType dtype = DType::kF32;
  std::vector<uint64_t> shape;
  uint64_t numel() const;
  uint64_t size_bytes() const;  // REQUIRES: numel * bits is a whole number of bytes
};

// Produces bytes [offset_bytes, offset_bytes + chunk.size()) of `spec`'s data. Both the
// offset and the chunk size are multiples of 8 bytes except for a tensor's last chunk.
using TensorFiller =
    std::function<void(const TensorSpec& spec, uint64_t offset_bytes, std::span<std::byte> chunk)>;

inline const std::map<std::string, std::string> kPytorchMetadata = {{"format", "pt"}};

// `specs` in the order the reference writer stores them.
std::vector<TensorSpec> sort_for_safetensors(std::vector<TensorSpec> specs);

// The 8-byte length plus the space-padded JSON header for `sorted` (data offsets in that
// order), i.e. every byte of the file before the tensor data.
std::string safetensors_header_bytes(const std::vector<TensorSpec>& sorted,
                                     const std::map<std::string, std::string>& metadata);

// Writes `specs` to `path` (via `path`.partial, renamed at the end so a failed write
// leaves no half file). Returns the file size. Throws ModelFileError on a duplicate
// name, a sub-byte tensor that does not end on a byte boundary, or an I/O error.
uint64_t write_safetensors(const std::filesystem::path& path, std::vector<TensorSpec> specs,
                           const TensorFiller& fill,
                           const std::map<std::string, std::string>& metadata = kPytorchMetadata);

// A tensor held in memory, for small files and tests.
struct TensorBytes {
  TensorSpec spec;
  std::vector<std::byte> bytes;  // must hold spec.size_bytes() bytes (else ModelFileError)
};
uint64_t write_safetensors(const std::filesystem::path& path, const std::vector<TensorBytes>& tensors,
                           const std::map<std::string, std::string>& metadata = kPytorchMetadata);

}  // namespace vllmctl
