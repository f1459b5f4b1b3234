// Strict UTF-8 for the tokenizer: validation, code-point stepping, and Python-style
// lossy decoding (errors="replace": each maximal ill-formed subpart becomes one U+FFFD).
#pragma once

#include <cstddef>
#include <string>
#include <string_view>

namespace vllmctl::utf8 {

inline constexpr std::size_t npos = static_cast<std::size_t>(-1);
inline constexpr std::string_view kReplacement = "\xEF\xBF\xBD";  // U+FFFD

// Byte offset of the first ill-formed byte (overlongs, surrogates, > U+10FFFF and
// truncated sequences are ill-formed), or npos when `s` is valid UTF-8.
std::size_t first_invalid(std::string_view s);
inline bool is_valid(std::string_view s) { return first_invalid(s) == npos; }

// Length of the valid sequence starting at s[i], or 0 when s[i] starts an ill-formed one.
std::size_t valid_sequence_length(std::string_view s, std::size_t i);

// REQUIRES: s[i..] starts a valid sequence. Decodes it and advances i past it.
char32_t decode_valid(std::string_view s, std::size_t& i);

// Appends the UTF-8 encoding of `cp` (REQUIRES: a Unicode scalar value).
void append(std::string& out, char32_t cp);

// Number of code points in valid UTF-8.
std::size_t count_chars(std::string_view s);

// Bytes at the end of `s` that form a proper prefix of a valid sequence (0..3): they
// could still become a character when more bytes arrive.
std::size_t incomplete_tail(std::string_view s);

// Appends `bytes` decoded with errors="replace" (Python, Rust from_utf8_lossy): every
// maximal ill-formed subpart becomes one U+FFFD, valid sequences are copied.
void append_lossy(std::string& out, std::string_view bytes);
inline std::string lossy(std::string_view bytes) {
  std::string out;
  append_lossy(out, bytes);
  return out;
}

}  // namespace vllmctl::utf8
