// SHA-256 of a file (OpenSSL EVP), for checking LFS downloads: their etag is the sha256.
#pragma once

#include <filesystem>
#include <string>

namespace vllmctl {

// Lower-case hex digest of the file's bytes. Throws std::runtime_error when unreadable.
std::string sha256_file_hex(const std::filesystem::path& path);

}  // namespace vllmctl
