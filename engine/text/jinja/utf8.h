// UTF-8 helpers for Python's code-point view of str: length, indexing, slicing.
// Invalid bytes count as one code point each, so nothing is ever lost.
#pragma once

#include <cstddef>
#include <string>
#include <string_view>
#include <vector>

namespace vllmctl::jinja::utf8 {

// Byte length of the sequence starting with lead byte `c` (1 for invalid bytes).
std::size_t sequence_length(unsigned char c);
std::size_t count(std::string_view s);
// The code points of `s`, each as its UTF-8 bytes.
std::vector<std::string> split_chars(std::string_view s);
// Appends the UTF-8 encoding of `cp`.
void append(std::string& out, char32_t cp);
// Decodes the code point at s[i], advancing i.
char32_t decode(std::string_view s, std::size_t& i);
bool is_ascii(std::string_view s);

}  // namespace vllmctl::jinja::utf8
