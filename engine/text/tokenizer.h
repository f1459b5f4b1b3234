// An exact tokenizer for byte-level BPE models loaded from a Hugging Face tokenizer.json
// (Qwen2/2.5/3, Llama 3, GPT-2, Mistral Nemo): added tokens -> normalizer ->
// pre-tokenizer -> BPE -> post-processor, and decode back to text.
#pragma once

#include <cstdint>
#include <filesystem>
#include <memory>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "engine/text/added_tokens.h"

namespace vllmctl {

class Tokenizer {
 public:
  // Loading throws std::runtime_error with a one-line message naming the file and the
  // problem (unreadable, bad JSON, unsupported component, inconsistent vocab/merges).
  static Tokenizer from_file(const std::filesystem::path& tokenizer_json);
  static Tokenizer from_json_text(std::string_view json_text);

  Tokenizer(Tokenizer&&) noexcept;
  Tokenizer& operator=(Tokenizer&&) noexcept;
  ~Tokenizer();

  // Token ids of `text`. Added tokens in the text (special or not) become their ids, as
  // HF's split_special_tokens=False. add_special_tokens applies the post-processor
  // (Llama 3's BOS; nothing for Qwen). Throws std::invalid_argument when `text` is not
  // valid UTF-8 (an HTTP edge turns that into a 400). Thread-safe.
  std::vector<std::int32_t> encode(std::string_view text, bool add_special_tokens = true) const;

  // Text of `ids` (UTF-8 errors="replace"). Ids that name no token (e.g. Qwen2.5's
  // embedding padding 151665..151935, or negative ids) decode to nothing.
  // skip_special_tokens drops added tokens marked special. Thread-safe.
  std::string decode(std::span<const std::int32_t> ids, bool skip_special_tokens = false) const;

  // One past the largest token id (HF's len(tokenizer)); the model's embedding may be larger.
  std::int32_t size() const;

  // The token string of `id` (added token content, or the BPE vocab entry in its
  // byte-mapped form); nullopt when no token has that id.
  std::optional<std::string_view> id_to_token(std::int32_t id) const;
  std::optional<std::int32_t> token_to_id(std::string_view token) const;

  // The bytes token `id` adds to generated text (structured output matches them), or
  // nullopt for special tokens, ids that name no token, and tokenizers whose decoding of
  // a token depends on its neighbours.
  std::optional<std::string> token_bytes(std::int32_t id) const;

  // The added token with this id, or nullptr.
  const AddedToken* added_token(std::int32_t id) const;
  const std::vector<AddedToken>& added_tokens() const;
  bool is_special(std::int32_t id) const {
    const AddedToken* t = added_token(id);
    return t && t->special;
  }

 private:
  struct Impl;
  explicit Tokenizer(std::unique_ptr<Impl> impl);
  std::unique_ptr<Impl> impl_;
};

}  // namespace vllmctl
