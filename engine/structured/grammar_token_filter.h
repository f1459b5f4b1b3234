// GrammarTokenFilter: the sampler's TokenFilter for one structured-output sequence: a
// token may be drawn when the JsonMatcher accepts its bytes; end tokens (EOS, stop token
// ids) only when the text is complete; special tokens never.
#pragma once

#include "engine/core/sampler.h"
#include "engine/structured/json_matcher.h"

#include <optional>
#include <span>
#include <string>
#include <vector>

namespace vllmctl::structured {

// The bytes each token id adds to the text, and which tokens are plain string text.
// Built once per tokenizer.
struct VocabularyBytes {
  // nullopt for ids that add no text (special tokens, embedding padding).
  std::vector<std::optional<std::string>> bytes;
  // Code points of tokens that are plain string text (whole UTF-8 characters, no quote,
  // backslash or control byte): inside a string they fit whenever that many characters
  // do, with no need to run the matcher. -1 for every other token.
  std::vector<int32_t> plain_chars;

  explicit VocabularyBytes(std::vector<std::optional<std::string>> token_bytes);
  size_t size() const { return bytes.size(); }
};

class GrammarTokenFilter final : public TokenFilter {
 public:
  // Keeps references: all three must outlive the filter.
  GrammarTokenFilter(const JsonMatcher& matcher, const VocabularyBytes& vocab,
                     std::span<const TokenId> end_tokens);

  bool allows(TokenId token) const override;
  void mask(std::span<float> logits) const override;

 private:
  bool is_end(TokenId token) const;
  // allows() for a text token, given JsonMatcher::string_room() and the first-byte table.
  bool allows_text(size_t token, int room, const bool* first_byte_ok) const;

  const JsonMatcher& matcher_;
  const VocabularyBytes& vocab_;
  std::span<const TokenId> end_tokens_;
};

}  // namespace vllmctl::structured
