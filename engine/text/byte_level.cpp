// Tables for GPT-2's bytes_to_unicode(), built once.
#include "engine/text/byte_level.h"

#include <array>

#include "engine/text/utf8.h"

namespace vllmctl::byte_level {
namespace {

struct Tables {
  std::array<char32_t, 256> to_char{};
  std::array<char, 256 * 2> utf8{};
  std::array<std::uint8_t, 256> utf8_len{};
  std::array<std::int16_t, 324> to_byte{};  // every mapped char is < 256 + 68

  Tables() {
    to_byte.fill(-1);
    auto printable = [](int b) {
      return (b >= '!' && b <= '~') || (b >= 0xA1 && b <= 0xAC) || (b >= 0xAE && b <= 0xFF);
    };
    int next = 0;
    for (int b = 0; b < 256; ++b) {
      const char32_t c = printable(b) ? static_cast<char32_t>(b) : static_cast<char32_t>(256 + next++);
      to_char[b] = c;
      to_byte[c] = static_cast<std::int16_t>(b);
      std::string s;
      utf8::append(s, c);
      utf8_len[b] = static_cast<std::uint8_t>(s.size());
      for (std::size_t k = 0; k < s.size(); ++k) utf8[b * 2 + k] = s[k];
    }
  }
};

const Tables& tables() {
  static const Tables t;
  return t;
}

}  // namespace

char32_t byte_to_char(std::uint8_t b) { return tables().to_char[b]; }

std::string_view byte_to_utf8(std::uint8_t b) {
  const Tables& t = tables();
  return {t.utf8.data() + b * 2, t.utf8_len[b]};
}

int char_to_byte(char32_t c) {
  const Tables& t = tables();
  return c < t.to_byte.size() ? t.to_byte[c] : -1;
}

void append_mapped(std::string& out, std::string_view bytes) {
  const Tables& t = tables();
  for (char ch : bytes) {
    const auto b = static_cast<std::uint8_t>(ch);
    out.append(t.utf8.data() + b * 2, t.utf8_len[b]);
  }
}

bool append_unmapped(std::string& out, std::string_view token) {
  const Tables& t = tables();
  const std::size_t mark = out.size();
  std::size_t i = 0;
  while (i < token.size()) {
    if (utf8::valid_sequence_length(token, i) == 0) break;
    const char32_t c = utf8::decode_valid(token, i);
    const int b = c < t.to_byte.size() ? t.to_byte[c] : -1;
    if (b < 0) {
      out.resize(mark);
      return false;
    }
    out.push_back(static_cast<char>(b));
  }
  if (i < token.size()) {
    out.resize(mark);
    return false;
  }
  return true;
}

}  // namespace vllmctl::byte_level
