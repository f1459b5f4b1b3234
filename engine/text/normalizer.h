// The tokenizer.json "normalizer": Unicode normalization forms (via utf8proc), Prepend,
// Replace (string pattern) and Sequence of them; null means "leave the text alone".
#pragma once

#include <string>
#include <vector>

#include <nlohmann/json_fwd.hpp>

namespace vllmctl {

class Normalizer {
 public:
  // Parses the "normalizer" value (null -> identity). Throws std::runtime_error naming
  // the unsupported type.
  static Normalizer from_json(const nlohmann::json& spec);

  bool is_identity() const { return steps_.empty(); }

  // REQUIRES: `text` is valid UTF-8. Rewrites it in place.
  void normalize(std::string& text) const;

 private:
  enum class Kind { kNfc, kNfd, kNfkc, kNfkd, kPrepend, kReplace };
  struct Step {
    Kind kind;
    std::string a, b;  // Prepend: a; Replace: a -> b
  };
  void add_from_json(const nlohmann::json& spec);
  std::vector<Step> steps_;
};

// NFC of valid UTF-8, with a fast path for text that is already NFC by construction.
std::string nfc(std::string_view text);

}  // namespace vllmctl
