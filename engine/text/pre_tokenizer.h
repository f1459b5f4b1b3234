// The tokenizer.json "pre_tokenizer": Split (regex or string, five delimiter behaviours,
// invert), ByteLevel (add_prefix_space, use_regex with GPT-2's pattern) and Sequence.
// Splitting yields views; the byte-to-unicode mapping itself is left to the BPE step.
#pragma once

#include <deque>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include <nlohmann/json_fwd.hpp>

#include "engine/text/pre_tokenizer_regex.h"

namespace vllmctl {

enum class SplitBehavior { kRemoved, kIsolated, kMergedWithPrevious, kMergedWithNext, kContiguous };

class PreTokenizer {
 public:
  // Parses the "pre_tokenizer" value (null -> the whole text is one pre-token). Throws
  // std::runtime_error for unsupported types and bad patterns.
  static PreTokenizer from_json(const nlohmann::json& spec);

  // True when a ByteLevel step is present: pre-tokens must be byte-mapped before BPE.
  bool byte_level() const { return byte_level_; }

  // Appends the non-empty pre-tokens of `text` to `out`. They view `text` or strings in
  // `arena` (only ByteLevel's add_prefix_space creates new strings). `scratch` is reused
  // storage. Thread-safe.
  void split(std::string_view text, std::vector<std::string_view>& out,
             std::vector<std::string_view>& scratch, std::deque<std::string>& arena) const;

 private:
  struct Step {
    bool is_split = true;  // else ByteLevel
    std::shared_ptr<const PreTokenizerRegex> regex;  // Split pattern, or ByteLevel's
    SplitBehavior behavior = SplitBehavior::kIsolated;
    bool invert = false;
    bool add_prefix_space = false;
  };
  void add_from_json(const nlohmann::json& spec);
  std::vector<Step> steps_;
  bool byte_level_ = false;
};

// Splits `text` by the matches of `regex` with HF's delimiter behaviours; appends the
// non-empty pieces to `out`.
void split_by_regex(std::string_view text, const PreTokenizerRegex& regex,
                    SplitBehavior behavior, bool invert, std::vector<std::string_view>& out);

}  // namespace vllmctl
