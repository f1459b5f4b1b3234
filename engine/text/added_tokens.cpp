// Leftmost-longest matching of added tokens over a first-byte index.
#include "engine/text/added_tokens.h"

#include <algorithm>
#include <cctype>
#include <cstring>

#include <utf8proc.h>

#include "engine/text/utf8.h"

namespace vllmctl {
namespace {

// The code point that ends text[0..end) (valid UTF-8), or 0 when end == 0.
char32_t last_char(std::string_view text, std::size_t end) {
  if (end == 0) return 0;
  std::size_t i = end - 1;
  while (i > 0 && (static_cast<unsigned char>(text[i]) & 0xC0) == 0x80) --i;
  return utf8::decode_valid(text, i);
}

}  // namespace

bool is_white_space(char32_t cp) {
  return (cp >= 0x9 && cp <= 0xD) || cp == 0x20 || cp == 0x85 || cp == 0xA0 || cp == 0x1680 ||
         (cp >= 0x2000 && cp <= 0x200A) || cp == 0x2028 || cp == 0x2029 || cp == 0x202F ||
         cp == 0x205F || cp == 0x3000;
}

bool is_word_char(char32_t cp) {
  if (cp < 0x80) return std::isalnum(static_cast<int>(cp)) || cp == '_';
  if (cp == 0x200C || cp == 0x200D) return true;
  switch (utf8proc_category(static_cast<utf8proc_int32_t>(cp))) {
    case UTF8PROC_CATEGORY_LU: case UTF8PROC_CATEGORY_LL: case UTF8PROC_CATEGORY_LT:
    case UTF8PROC_CATEGORY_LM: case UTF8PROC_CATEGORY_LO: case UTF8PROC_CATEGORY_NL:
    case UTF8PROC_CATEGORY_MN: case UTF8PROC_CATEGORY_MC: case UTF8PROC_CATEGORY_ME:
    case UTF8PROC_CATEGORY_ND: case UTF8PROC_CATEGORY_PC:
      return true;
    default:
      return false;
  }
}

void AddedTokenMatcher::add(std::string pattern, const AddedToken& token) {
  if (pattern.empty()) return;
  const auto index = static_cast<std::uint32_t>(patterns_.size());
  patterns_.push_back({std::move(pattern), token});
  auto& bucket = by_first_byte_[static_cast<unsigned char>(patterns_.back().text[0])];
  bucket.push_back(index);
  std::stable_sort(bucket.begin(), bucket.end(), [&](std::uint32_t a, std::uint32_t b) {
    return patterns_[a].text.size() > patterns_[b].text.size();
  });
}

void AddedTokenMatcher::split(std::string_view text, std::vector<TextSegment>& out) const {
  std::size_t emitted = 0;  // text[0..emitted) is covered by segments already
  std::size_t i = 0;
  while (i < text.size()) {
    const auto& bucket = by_first_byte_[static_cast<unsigned char>(text[i])];
    const Pattern* hit = nullptr;
    for (std::uint32_t k : bucket) {
      const std::string& p = patterns_[k].text;
      if (p.size() <= text.size() - i && std::memcmp(text.data() + i, p.data(), p.size()) == 0) {
        hit = &patterns_[k];
        break;
      }
    }
    if (!hit) {
      ++i;
      continue;
    }
    std::size_t start = i;
    std::size_t stop = i + hit->text.size();
    i = stop;  // the search resumes after the raw match, as aho-corasick's find_iter does
    const AddedToken& tok = hit->token;
    if (tok.single_word) {
      const bool start_ok = start == 0 || !is_word_char(last_char(text, start));
      std::size_t k = stop;
      const bool stop_ok = stop == text.size() || !is_word_char(utf8::decode_valid(text, k));
      if (!start_ok || !stop_ok) continue;
    }
    if (start < emitted) continue;  // inside a previous token's rstrip
    if (tok.lstrip) {
      std::size_t s = start;
      while (s > emitted) {
        std::size_t p = s - 1;
        while (p > 0 && (static_cast<unsigned char>(text[p]) & 0xC0) == 0x80) --p;
        std::size_t q = p;
        if (!is_white_space(utf8::decode_valid(text, q))) break;
        s = p;
      }
      start = s;
    }
    if (tok.rstrip) {
      while (stop < text.size()) {
        std::size_t q = stop;
        if (!is_white_space(utf8::decode_valid(text, q))) break;
        stop = q;
      }
    }
    if (emitted < start) out.push_back({emitted, start, -1});
    out.push_back({start, stop, tok.id});
    emitted = stop;
  }
  if (emitted < text.size() || text.empty()) out.push_back({emitted, text.size(), -1});
}

}  // namespace vllmctl
