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

// The bytes each token id adds to the text; nullopt for ids that add none (special
// tokens, embedding padding). Built once per tokenizer.
using VocabularyBytes = std::vector<std::optional<std::string>>;

class GrammarTokenFilter final : public TokenFilter {
 public:
  // Keeps references: all three must outlive the filter.
  GrammarTokenFilter(const JsonMatcher& matcher, const VocabularyBytes& vocab,
                     std::span<const TokenId> end_tokens);

  bool allows(TokenId token) const override;
  void mask(std::span<float> logits) const override;

 private:
  bool is_end(TokenId token) const;

  const JsonMatcher& matcher_;
  const VocabularyBytes& vocab_;
  std::span<const TokenId> end_tokens_;
};

}  // namespace vllmctl::structured
