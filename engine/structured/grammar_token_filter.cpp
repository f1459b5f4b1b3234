// GrammarTokenFilter: inside a string, plain-text tokens are allowed by their length
// alone (most of the vocabulary); other tokens are tried on the matcher, after a
// 256-entry table of the bytes that may come next rules most of them out at once.
#include "engine/structured/grammar_token_filter.h"

#include <algorithm>
#include <array>
#include <limits>

namespace vllmctl::structured {

namespace {

// Code points of `bytes` when it is plain string text, else -1.
int32_t plain_string_chars(const std::string& bytes) {
  int32_t chars = 0;
  size_t pending = 0;  // continuation bytes still expected
  for (unsigned char c : bytes) {
    if (pending > 0) {
      if (c < 0x80 || c > 0xBF) return -1;
      --pending;
      continue;
    }
    if (c == '"' || c == '\\' || c < 0x20) return -1;
    if (c >= 0x80) {
      // Lead bytes whose second byte range is restricted (E0, ED, F0, F4) are left to
      // the matcher, which checks those ranges.
      if (c < 0xC2 || c > 0xF4 || c == 0xE0 || c == 0xED || c == 0xF0 || c == 0xF4) return -1;
      pending = c < 0xE0 ? 1 : c < 0xF0 ? 2 : 3;
    }
    ++chars;
  }
  return pending == 0 && chars > 0 ? chars : -1;
}

}  // namespace

VocabularyBytes::VocabularyBytes(std::vector<std::optional<std::string>> token_bytes)
    : bytes(std::move(token_bytes)), plain_chars(bytes.size(), -1) {
  for (size_t t = 0; t < bytes.size(); ++t) {
    if (bytes[t]) plain_chars[t] = plain_string_chars(*bytes[t]);
  }
}

GrammarTokenFilter::GrammarTokenFilter(const JsonMatcher& matcher, const VocabularyBytes& vocab,
                                       std::span<const TokenId> end_tokens)
    : matcher_(matcher), vocab_(vocab), end_tokens_(end_tokens) {}

bool GrammarTokenFilter::is_end(TokenId token) const {
  return std::find(end_tokens_.begin(), end_tokens_.end(), token) != end_tokens_.end();
}

bool GrammarTokenFilter::allows_text(size_t t, int room, const bool* first_byte_ok) const {
  if (t >= vocab_.size()) return false;
  const std::optional<std::string>& bytes = vocab_.bytes[t];
  if (!bytes || bytes->empty()) return false;
  if (room >= 0 && vocab_.plain_chars[t] >= 0) return vocab_.plain_chars[t] <= room;
  if (first_byte_ok && !first_byte_ok[static_cast<uint8_t>((*bytes)[0])]) return false;
  return (first_byte_ok && bytes->size() == 1) || matcher_.can_accept(*bytes);
}

bool GrammarTokenFilter::allows(TokenId token) const {
  if (is_end(token)) return matcher_.can_finish();
  if (token < 0) return false;
  return allows_text(static_cast<size_t>(token), matcher_.string_room(), nullptr);
}

void GrammarTokenFilter::mask(std::span<float> logits) const {
  constexpr float kNegInf = -std::numeric_limits<float>::infinity();
  bool first_byte_ok[256];
  for (int b = 0; b < 256; ++b) {
    const char c = static_cast<char>(b);
    first_byte_ok[b] = matcher_.can_accept(std::string_view(&c, 1));
  }
  const bool may_end = matcher_.can_finish();
  const int room = matcher_.string_room();
  for (size_t t = 0; t < logits.size(); ++t) {
    if (logits[t] == kNegInf) continue;
    const bool ok = is_end(static_cast<TokenId>(t)) ? may_end : allows_text(t, room, first_byte_ok);
    if (!ok) logits[t] = kNegInf;
  }
}

}  // namespace vllmctl::structured
