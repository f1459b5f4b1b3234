// Helpers for the model tests: raw safetensors bytes built by hand (to corrupt them on
// purpose), and the message of the exception a call throws.
#pragma once

#include <cstdint>
#include <cstring>
#include <exception>
#include <string>

namespace vllmctl::test {

// 8-byte little-endian length + `header_json` + `data_bytes` bytes of data (0x11 each).
// `claimed_length` overrides the length field when non-zero.
inline std::string raw_safetensors(const std::string& header_json, size_t data_bytes,
                                   uint64_t claimed_length = 0) {
  const uint64_t n = claimed_length != 0 ? claimed_length : header_json.size();
  std::string out(8, '\0');
  std::memcpy(out.data(), &n, 8);
  return out + header_json + std::string(data_bytes, '\x11');
}

// The what() of the std::exception `f` throws; "" when it throws nothing.
template <typename F>
std::string error_of(F&& f) {
  try {
    f();
  } catch (const std::exception& e) {
    return e.what();
  }
  return "";
}

inline bool one_line(const std::string& s) { return !s.empty() && s.find('\n') == std::string::npos; }

}  // namespace vllmctl::test
