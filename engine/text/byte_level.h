// GPT-2's byte <-> unicode mapping used by byte-level BPE: every byte becomes one
// printable character (printable Latin-1 bytes map to themselves, the rest to U+0100..).
#pragma once

#include <cstdint>
#include <string>
#include <string_view>

namespace vllmctl::byte_level {

// The character byte `b` maps to.
char32_t byte_to_char(std::uint8_t b);

// The UTF-8 encoding of byte_to_char(b) (1 or 2 bytes).
std::string_view byte_to_utf8(std::uint8_t b);

// The byte that maps to `c`, or -1 when `c` is not one of the 256 mapped characters.
int char_to_byte(char32_t c);

// Appends the mapped characters of `bytes` to `out`.
void append_mapped(std::string& out, std::string_view bytes);

// The ByteLevel decoder's rule for one token: when every character of `token` (valid
// UTF-8) is a mapped character, appends the bytes they stand for and returns true;
// otherwise appends nothing and returns false (the caller then uses the raw bytes).
bool append_unmapped(std::string& out, std::string_view token);

}  // namespace vllmctl::byte_level
