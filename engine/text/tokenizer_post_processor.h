// The tokenizer.json "post_processor" for single sequences: ByteLevel (adds nothing),
// TemplateProcessing (e.g. Llama 3's BOS), RobertaProcessing / BertProcessing (cls + A +
// sep), and Sequence of them. Applied only when add_special_tokens is true.
#pragma once

#include <cstdint>
#include <vector>

#include <nlohmann/json_fwd.hpp>

namespace vllmctl {

class PostProcessor {
 public:
  // Throws std::runtime_error for unsupported types or a template naming an unknown
  // special token.
  static PostProcessor from_json(const nlohmann::json& spec);

  // Wraps the ids of one encoded sequence.
  void apply(std::vector<std::int32_t>& ids) const;

  const std::vector<std::int32_t>& prefix() const { return prefix_; }
  const std::vector<std::int32_t>& suffix() const { return suffix_; }

 private:
  void add_from_json(const nlohmann::json& spec);
  std::vector<std::int32_t> prefix_, suffix_;
};

}  // namespace vllmctl
