// A compiled pre-tokenizer pattern: PCRE2 (8-bit, UTF + UCP, JIT when available) with
// Oniguruma's meaning of \s, so patterns from tokenizer.json split as the Rust
// tokenizers library splits them.
#pragma once

#include <cstddef>
#include <string>
#include <string_view>

namespace vllmctl {

class PreTokenizerRegex {
 public:
  // `literal`: the pattern is a plain string (tokenizer.json {"String": ...}).
  // Throws std::runtime_error with PCRE2's message and offset when it does not compile.
  PreTokenizerRegex(std::string_view pattern, bool literal);
  ~PreTokenizerRegex();
  PreTokenizerRegex(const PreTokenizerRegex&) = delete;
  PreTokenizerRegex& operator=(const PreTokenizerRegex&) = delete;

  // Finds the first match in text[from..]; returns false when there is none. Empty
  // matches are reported (callers step past them). REQUIRES: `text` is valid UTF-8.
  // Thread-safe: match data lives in thread-local storage.
  bool find(std::string_view text, std::size_t from, std::size_t& start, std::size_t& end) const;

  // Calls fn(start, end) for every non-overlapping match, left to right; after an empty
  // match the search resumes one character further, as Oniguruma's find_iter does.
  template <class Fn>
  void for_each_match(std::string_view text, Fn&& fn) const {
    std::size_t pos = 0, start = 0, end = 0;
    while (pos <= text.size() && find(text, pos, start, end)) {
      fn(start, end);
      if (end > start) {
        pos = end;
      } else {
        if (end >= text.size()) break;
        pos = end + 1;
        while (pos < text.size() && (static_cast<unsigned char>(text[pos]) & 0xC0) == 0x80) ++pos;
      }
    }
  }

  // The pattern after rewriting \s and \S to Oniguruma's white-space set.
  const std::string& pcre_pattern() const { return pattern_; }

 private:
  std::string pattern_;
  void* code_ = nullptr;  // pcre2_code*
  bool jit_ = false;
};

// Rewrites \s (and \S outside character classes) to Oniguruma's Unicode White_Space set,
// which differs from PCRE2's by U+0085. Exposed for tests.
std::string rewrite_whitespace_classes(std::string_view pattern);

}  // namespace vllmctl
