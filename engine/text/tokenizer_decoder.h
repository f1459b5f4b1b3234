// The tokenizer.json "decoder": ByteLevel (GPT-2 characters back to bytes, then UTF-8
// with errors="replace"), a Sequence holding only ByteLevel, or null (tokens joined by
// a space, as the tokenizers library does without a decoder).
#pragma once

#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include <nlohmann/json_fwd.hpp>

namespace vllmctl {

class TokenDecoder {
 public:
  // Throws std::runtime_error for unsupported decoder types.
  static TokenDecoder from_json(const nlohmann::json& spec);

  // Joins the token strings into text (always valid UTF-8).
  std::string decode(const std::vector<std::string_view>& tokens) const;
  // The raw bytes one token adds to a decoded text (before the lossy UTF-8 step, so a
  // token holding part of a character gives that part). Without a ByteLevel decoder the
  // tokens are joined by spaces, so a token's bytes depend on its place: nullopt then.
  std::optional<std::string> token_bytes(std::string_view token) const;

 private:
  bool byte_level_ = false;
};

}  // namespace vllmctl
