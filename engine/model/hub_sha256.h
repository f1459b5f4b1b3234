// SHA-256 (OpenSSL EVP) of a file, for checking LFS downloads (their etag is the sha256),
// and of bytes in memory.
#pragma once

#include <filesystem>
#include <string>
#include <string_view>

namespace vllmctl {

// Lower-case hex digest of the file's bytes. Throws std::runtime_error when unreadable.
std::string sha256_file_hex(const std::filesystem::path& path);

// Lower-case hex digest of `bytes`.
std::string sha256_hex(std::string_view bytes);

}  // namespace vllmctl
