// Added tokens (tokenizer.json "added_tokens"): matched atomically in the input before
// normalization and pre-tokenization, leftmost-longest, honouring lstrip / rstrip /
// single_word as the tokenizers library does (AddedVocabulary::find_matches).
#pragma once

#include <array>
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

namespace vllmctl {

struct AddedToken {
  std::int32_t id = 0;
  std::string content;
  bool special = false;
  bool lstrip = false;
  bool rstrip = false;
  bool single_word = false;
  bool normalized = false;
};

// A piece of the input: an added token (id >= 0) or plain text (id == -1).
struct TextSegment {
  std::size_t start, end;
  std::int32_t id;
};

class AddedTokenMatcher {
 public:
  AddedTokenMatcher() = default;
  // `patterns[k]` is what to look for in the text for token `ids[k]` (its content, or
  // its normalized content for normalized tokens).
  void add(std::string pattern, const AddedToken& token);

  bool empty() const { return patterns_.empty(); }

  // Appends the segments of `text` (valid UTF-8), in order, covering all of it; plain
  // segments may be empty only when `text` is.
  void split(std::string_view text, std::vector<TextSegment>& out) const;

 private:
  struct Pattern {
    std::string text;
    AddedToken token;
  };
  std::vector<Pattern> patterns_;
  std::array<std::vector<std::uint32_t>, 256> by_first_byte_;  // longest first
};

// Unicode White_Space (Rust char::is_whitespace).
bool is_white_space(char32_t cp);
// Unicode \w (alphabetic, marks, decimal digits, connector punctuation, joiners).
bool is_word_char(char32_t cp);

}  // namespace vllmctl
