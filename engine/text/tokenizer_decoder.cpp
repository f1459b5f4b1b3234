// ByteLevel decoding, as tokenizers' ByteLevel::decode_chain: a token whose characters
// are all byte-mapped turns into those bytes, any other token stays as its UTF-8 bytes;
// the whole byte string is then decoded lossily.
#include "engine/text/tokenizer_decoder.h"

#include <stdexcept>

#include <nlohmann/json.hpp>

#include "engine/text/byte_level.h"
#include "engine/text/utf8.h"

namespace vllmctl {

TokenDecoder TokenDecoder::from_json(const nlohmann::json& spec) {
  TokenDecoder d;
  if (spec.is_null()) return d;
  const std::string type = spec.value("type", "");
  if (type == "ByteLevel") {
    d.byte_level_ = true;
  } else if (type == "Sequence") {
    for (const auto& sub : spec.at("decoders")) {
      if (sub.value("type", "") != "ByteLevel") {
        throw std::runtime_error("unsupported decoder in Sequence: '" + sub.value("type", "") + "'");
      }
      d.byte_level_ = true;
    }
  } else {
    throw std::runtime_error("unsupported decoder type '" + type + "'");
  }
  return d;
}

std::string TokenDecoder::decode(const std::vector<std::string_view>& tokens) const {
  std::string bytes;
  if (byte_level_) {
    for (std::string_view t : tokens) {
      if (!byte_level::append_unmapped(bytes, t)) bytes.append(t);
    }
  } else {
    for (std::size_t k = 0; k < tokens.size(); ++k) {
      if (k > 0) bytes += ' ';
      bytes.append(tokens[k]);
    }
  }
  if (utf8::is_valid(bytes)) return bytes;
  return utf8::lossy(bytes);
}

std::optional<std::string> TokenDecoder::token_bytes(std::string_view token) const {
  if (!byte_level_) return std::nullopt;
  std::string bytes;
  if (!byte_level::append_unmapped(bytes, token)) bytes.assign(token);
  return bytes;
}

}  // namespace vllmctl
