// GrammarTokenFilter: masks are computed by trying each token's bytes on the matcher,
// after a 256-entry table of the bytes that may come next rules most tokens out at once.
#include "engine/structured/grammar_token_filter.h"

#include <algorithm>
#include <array>
#include <limits>

namespace vllmctl::structured {

GrammarTokenFilter::GrammarTokenFilter(const JsonMatcher& matcher, const VocabularyBytes& vocab,
                                       std::span<const TokenId> end_tokens)
    : matcher_(matcher), vocab_(vocab), end_tokens_(end_tokens) {}

bool GrammarTokenFilter::is_end(TokenId token) const {
  return std::find(end_tokens_.begin(), end_tokens_.end(), token) != end_tokens_.end();
}

bool GrammarTokenFilter::allows(TokenId token) const {
  if (is_end(token)) return matcher_.can_finish();
  if (token < 0 || static_cast<size_t>(token) >= vocab_.size()) return false;
  const auto& bytes = vocab_[static_cast<size_t>(token)];
  return bytes && !bytes->empty() && matcher_.can_accept(*bytes);
}

void GrammarTokenFilter::mask(std::span<float> logits) const {
  constexpr float kNegInf = -std::numeric_limits<float>::infinity();
  std::array<bool, 256> first_ok{};
  for (int b = 0; b < 256; ++b) {
    const char c = static_cast<char>(b);
    first_ok[static_cast<size_t>(b)] = matcher_.can_accept(std::string_view(&c, 1));
  }
  const bool may_end = matcher_.can_finish();
  for (size_t t = 0; t < logits.size(); ++t) {
    float& logit = logits[t];
    if (logit == kNegInf) continue;
    const auto token = static_cast<TokenId>(t);
    if (is_end(token)) {
      if (!may_end) logit = kNegInf;
      continue;
    }
    const std::optional<std::string>* bytes = t < vocab_.size() ? &vocab_[t] : nullptr;
    const bool ok = bytes && *bytes && !(*bytes)->empty() &&
                    first_ok[static_cast<uint8_t>((**bytes)[0])] &&
                    ((*bytes)->size() == 1 || matcher_.can_accept(**bytes));
    if (!ok) logit = kNegInf;
  }
}

}  // namespace vllmctl::structured
