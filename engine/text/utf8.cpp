// Strict UTF-8 validation and errors="replace" decoding (Unicode's "maximal subpart"
// rule, the one CPython and Rust's from_utf8_lossy follow).
#include "engine/text/utf8.h"

#include <cstdint>

namespace vllmctl::utf8 {
namespace {

// The allowed range of the second byte for a lead byte (Unicode Table 3-7); the
// following bytes are always 0x80..0xBF.
struct LeadInfo {
  std::uint8_t length;  // 0: not a lead byte
  std::uint8_t lo, hi;  // range of the second byte
};

constexpr LeadInfo lead_info(unsigned char c) {
  if (c < 0x80) return {1, 0, 0};
  if (c < 0xC2) return {0, 0, 0};
  if (c < 0xE0) return {2, 0x80, 0xBF};
  if (c == 0xE0) return {3, 0xA0, 0xBF};
  if (c == 0xED) return {3, 0x80, 0x9F};
  if (c < 0xF0) return {3, 0x80, 0xBF};
  if (c == 0xF0) return {4, 0x90, 0xBF};
  if (c < 0xF4) return {4, 0x80, 0xBF};
  if (c == 0xF4) return {4, 0x80, 0x8F};
  return {0, 0, 0};
}

// How many bytes from s[i] form the longest prefix of a valid sequence (>= 1 when the
// lead byte is a lead byte), and whether that prefix is the whole sequence.
std::size_t valid_prefix(std::string_view s, std::size_t i, bool& complete) {
  const auto c = static_cast<unsigned char>(s[i]);
  const LeadInfo info = lead_info(c);
  complete = false;
  if (info.length == 0) return 0;
  if (info.length == 1) {
    complete = true;
    return 1;
  }
  std::size_t n = 1;
  for (; n < info.length && i + n < s.size(); ++n) {
    const auto b = static_cast<unsigned char>(s[i + n]);
    const bool ok = n == 1 ? (b >= info.lo && b <= info.hi) : (b >= 0x80 && b <= 0xBF);
    if (!ok) return n;
  }
  complete = n == info.length;
  return n;
}

}  // namespace

std::size_t valid_sequence_length(std::string_view s, std::size_t i) {
  bool complete = false;
  const std::size_t n = valid_prefix(s, i, complete);
  return complete ? n : 0;
}

std::size_t first_invalid(std::string_view s) {
  std::size_t i = 0;
  const std::size_t size = s.size();
  while (i < size) {
    // ASCII fast path, 8 bytes at a time.
    while (i + 8 <= size) {
      std::uint64_t word;
      __builtin_memcpy(&word, s.data() + i, 8);
      if (word & 0x8080808080808080ULL) break;
      i += 8;
    }
    if (i >= size) break;
    if (static_cast<unsigned char>(s[i]) < 0x80) {
      ++i;
      continue;
    }
    const std::size_t n = valid_sequence_length(s, i);
    if (n == 0) return i;
    i += n;
  }
  return npos;
}

char32_t decode_valid(std::string_view s, std::size_t& i) {
  const auto c = static_cast<unsigned char>(s[i]);
  if (c < 0x80) {
    ++i;
    return c;
  }
  auto cont = [&](std::size_t k) { return static_cast<char32_t>(s[i + k] & 0x3F); };
  char32_t cp;
  if (c < 0xE0) {
    cp = (static_cast<char32_t>(c & 0x1F) << 6) | cont(1);
    i += 2;
  } else if (c < 0xF0) {
    cp = (static_cast<char32_t>(c & 0x0F) << 12) | (cont(1) << 6) | cont(2);
    i += 3;
  } else {
    cp = (static_cast<char32_t>(c & 0x07) << 18) | (cont(1) << 12) | (cont(2) << 6) | cont(3);
    i += 4;
  }
  return cp;
}

void append(std::string& out, char32_t cp) {
  if (cp < 0x80) {
    out.push_back(static_cast<char>(cp));
  } else if (cp < 0x800) {
    out.push_back(static_cast<char>(0xC0 | (cp >> 6)));
    out.push_back(static_cast<char>(0x80 | (cp & 0x3F)));
  } else if (cp < 0x10000) {
    out.push_back(static_cast<char>(0xE0 | (cp >> 12)));
    out.push_back(static_cast<char>(0x80 | ((cp >> 6) & 0x3F)));
    out.push_back(static_cast<char>(0x80 | (cp & 0x3F)));
  } else {
    out.push_back(static_cast<char>(0xF0 | (cp >> 18)));
    out.push_back(static_cast<char>(0x80 | ((cp >> 12) & 0x3F)));
    out.push_back(static_cast<char>(0x80 | ((cp >> 6) & 0x3F)));
    out.push_back(static_cast<char>(0x80 | (cp & 0x3F)));
  }
}

std::size_t count_chars(std::string_view s) {
  std::size_t n = 0;
  for (char c : s) n += (static_cast<unsigned char>(c) & 0xC0) != 0x80;
  return n;
}

std::size_t incomplete_tail(std::string_view s) {
  // A proper prefix is at most 3 bytes; find the last lead byte among them.
  const std::size_t size = s.size();
  for (std::size_t back = 1; back <= 3 && back <= size; ++back) {
    const std::size_t i = size - back;
    const auto c = static_cast<unsigned char>(s[i]);
    if ((c & 0xC0) == 0x80) continue;  // continuation byte: keep looking for the lead
    bool complete = false;
    const std::size_t n = valid_prefix(s, i, complete);
    return (!complete && n == back) ? back : 0;
  }
  return 0;
}

void append_lossy(std::string& out, std::string_view bytes) {
  std::size_t i = 0;
  const std::size_t size = bytes.size();
  while (i < size) {
    std::size_t start = i;
    while (i < size && static_cast<unsigned char>(bytes[i]) < 0x80) ++i;
    out.append(bytes.data() + start, i - start);
    if (i >= size) break;
    bool complete = false;
    const std::size_t n = valid_prefix(bytes, i, complete);
    if (complete) {
      out.append(bytes.data() + i, n);
      i += n;
    } else {
      out.append(kReplacement);
      i += n == 0 ? 1 : n;  // the maximal subpart, or the single bad byte
    }
  }
}

}  // namespace vllmctl::utf8
