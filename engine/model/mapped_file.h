// MappedFile: a whole file mapped read-only into memory (mmap), unmapped on destruction.
// The one owner of a mapping; model weights are views into it and must not outlive it.
#pragma once

#include <cstddef>
#include <filesystem>
#include <span>

namespace vllmctl {

class MappedFile {
 public:
  // Maps `path` read-only. Throws ModelFileError ("PATH: cannot open: ...") when the
  // file cannot be opened, is not a regular file, or cannot be mapped. An empty file
  // maps to an empty span.
  explicit MappedFile(const std::filesystem::path& path);
  ~MappedFile();
  MappedFile(MappedFile&& other) noexcept;
  MappedFile& operator=(MappedFile&& other) noexcept;
  MappedFile(const MappedFile&) = delete;
  MappedFile& operator=(const MappedFile&) = delete;

  std::span<const std::byte> bytes() const { return {data_, size_bytes_}; }
  size_t size_bytes() const { return size_bytes_; }
  const std::filesystem::path& path() const { return path_; }

 private:
  void release() noexcept;

  std::filesystem::path path_;
  const std::byte* data_ = nullptr;
  size_t size_bytes_ = 0;
};

}  // namespace vllmctl
