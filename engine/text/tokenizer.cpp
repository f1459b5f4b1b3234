// Tokenizer: loading tokenizer.json and the encode / decode pipelines.
#include "engine/text/tokenizer.h"

#include <deque>
#include <fstream>
#include <sstream>
#include <stdexcept>
#include <unordered_map>

#include <nlohmann/json.hpp>

#include "engine/text/bpe.h"
#include "engine/text/normalizer.h"
#include "engine/text/pre_tokenizer.h"
#include "engine/text/tokenizer_decoder.h"
#include "engine/text/tokenizer_post_processor.h"
#include "engine/text/utf8.h"

namespace vllmctl {

struct Tokenizer::Impl {
  Normalizer normalizer;
  PreTokenizer pre_tokenizer;
  Bpe bpe;
  PostProcessor post_processor;
  TokenDecoder decoder;
  std::vector<AddedToken> added;
  std::unordered_map<std::int32_t, std::size_t> added_by_id;  // id -> index in `added`
  std::unordered_map<std::string, std::int32_t> added_by_content;
  AddedTokenMatcher raw_matcher;         // tokens with normalized == false
  AddedTokenMatcher normalized_matcher;  // tokens with normalized == true
  std::int32_t size = 0;

  void encode_plain(std::string_view text, std::vector<std::int32_t>& ids) const;
  void encode_pre_tokens(std::string_view text, std::vector<std::int32_t>& ids) const;
};

namespace {

AddedToken parse_added_token(const nlohmann::json& j) {
  AddedToken t;
  t.id = j.at("id").get<std::int32_t>();
  t.content = j.at("content").get<std::string>();
  t.special = j.value("special", false);
  t.lstrip = j.value("lstrip", false);
  t.rstrip = j.value("rstrip", false);
  t.single_word = j.value("single_word", false);
  // tokenizers' default: normalized = !special.
  t.normalized = j.value("normalized", !t.special);
  return t;
}

}  // namespace

Tokenizer::Tokenizer(std::unique_ptr<Impl> impl) : impl_(std::move(impl)) {}
Tokenizer::Tokenizer(Tokenizer&&) noexcept = default;
Tokenizer& Tokenizer::operator=(Tokenizer&&) noexcept = default;
Tokenizer::~Tokenizer() = default;

Tokenizer Tokenizer::from_file(const std::filesystem::path& tokenizer_json) {
  std::ifstream in(tokenizer_json, std::ios::binary);
  if (!in) throw std::runtime_error("cannot read tokenizer file " + tokenizer_json.string());
  std::ostringstream ss;
  ss << in.rdbuf();
  try {
    return from_json_text(ss.str());
  } catch (const std::exception& e) {
    throw std::runtime_error(tokenizer_json.string() + ": " + e.what());
  }
}

Tokenizer Tokenizer::from_json_text(std::string_view json_text) {
  nlohmann::json j;
  try {
    j = nlohmann::json::parse(json_text);
  } catch (const nlohmann::json::exception& e) {
    throw std::runtime_error(std::string("tokenizer.json is not valid JSON: ") + e.what());
  }
  try {
    if (!j.is_object() || !j.contains("model")) {
      throw std::runtime_error("tokenizer.json has no \"model\"");
    }
    auto null_or = [&](const char* key) { return j.contains(key) ? j[key] : nlohmann::json(); };
    auto impl = std::make_unique<Impl>(Impl{
        Normalizer::from_json(null_or("normalizer")), PreTokenizer::from_json(null_or("pre_tokenizer")),
        Bpe::from_json(j["model"]), PostProcessor::from_json(null_or("post_processor")),
        TokenDecoder::from_json(null_or("decoder")), {}, {}, {}, {}, {}, 0});
    impl->size = impl->bpe.id_end();
    for (const auto& entry : null_or("added_tokens")) {
      AddedToken t = parse_added_token(entry);
      if (t.id < 0 || t.id >= (1 << 24)) {
        throw std::runtime_error("added token '" + t.content + "' has an out-of-range id " +
                                 std::to_string(t.id));
      }
      if (!utf8::is_valid(t.content)) {
        throw std::runtime_error("added token " + std::to_string(t.id) + " is not valid UTF-8");
      }
      if (impl->added_by_id.count(t.id)) {
        throw std::runtime_error("added token id " + std::to_string(t.id) + " is used twice");
      }
      impl->size = std::max(impl->size, t.id + 1);
      impl->added_by_id[t.id] = impl->added.size();
      impl->added_by_content[t.content] = t.id;
      impl->added.push_back(std::move(t));
    }
    for (const AddedToken& t : impl->added) {
      if (t.normalized && !impl->normalizer.is_identity()) {
        std::string pattern = t.content;
        impl->normalizer.normalize(pattern);
        impl->normalized_matcher.add(std::move(pattern), t);
      } else {
        impl->raw_matcher.add(t.content, t);
      }
    }
    return Tokenizer(std::move(impl));
  } catch (const nlohmann::json::exception& e) {
    throw std::runtime_error(std::string("tokenizer.json has an unexpected shape: ") + e.what());
  }
}

void Tokenizer::Impl::encode_pre_tokens(std::string_view text, std::vector<std::int32_t>& ids) const {
  thread_local std::vector<std::string_view> words, scratch;
  thread_local std::deque<std::string> arena;  // only ByteLevel's add_prefix_space fills it
  words.clear();
  arena.clear();
  pre_tokenizer.split(text, words, scratch, arena);
  const bool byte_level = pre_tokenizer.byte_level();
  for (std::string_view w : words) bpe.encode_word(w, byte_level, ids);
}

void Tokenizer::Impl::encode_plain(std::string_view text, std::vector<std::int32_t>& ids) const {
  if (normalizer.is_identity()) {
    encode_pre_tokens(text, ids);
    return;
  }
  std::string normalized(text);
  normalizer.normalize(normalized);
  if (normalized_matcher.empty()) {
    encode_pre_tokens(normalized, ids);
    return;
  }
  thread_local std::vector<TextSegment> segments;
  segments.clear();
  normalized_matcher.split(normalized, segments);
  for (const TextSegment& s : segments) {
    if (s.id >= 0) {
      ids.push_back(s.id);
    } else {
      encode_pre_tokens(std::string_view(normalized).substr(s.start, s.end - s.start), ids);
    }
  }
}

std::vector<std::int32_t> Tokenizer::encode(std::string_view text, bool add_special_tokens) const {
  if (const std::size_t bad = utf8::first_invalid(text); bad != utf8::npos) {
    throw std::invalid_argument("text is not valid UTF-8 (byte offset " + std::to_string(bad) + ")");
  }
  std::vector<std::int32_t> ids;
  ids.reserve(text.size() / 3 + 4);
  if (impl_->raw_matcher.empty()) {
    impl_->encode_plain(text, ids);
  } else {
    thread_local std::vector<TextSegment> segments;
    segments.clear();
    impl_->raw_matcher.split(text, segments);
    for (const TextSegment& s : segments) {
      if (s.id >= 0) {
        ids.push_back(s.id);
      } else if (s.end > s.start) {
        impl_->encode_plain(text.substr(s.start, s.end - s.start), ids);
      }
    }
  }
  if (add_special_tokens) impl_->post_processor.apply(ids);
  return ids;
}

std::string Tokenizer::decode(std::span<const std::int32_t> ids, bool skip_special_tokens) const {
  std::vector<std::string_view> tokens;
  tokens.reserve(ids.size());
  for (std::int32_t id : ids) {
    if (const AddedToken* t = added_token(id)) {
      if (!(skip_special_tokens && t->special)) tokens.push_back(t->content);
    } else if (const std::string* s = impl_->bpe.id_to_token(id)) {
      tokens.push_back(*s);
    }
  }
  return impl_->decoder.decode(tokens);
}

std::int32_t Tokenizer::size() const { return impl_->size; }

std::optional<std::string_view> Tokenizer::id_to_token(std::int32_t id) const {
  if (const AddedToken* t = added_token(id)) return std::string_view(t->content);
  if (const std::string* s = impl_->bpe.id_to_token(id)) return std::string_view(*s);
  return std::nullopt;
}

std::optional<std::string> Tokenizer::token_bytes(std::int32_t id) const {
  if (const AddedToken* t = added_token(id)) {
    if (t->special) return std::nullopt;
    return t->content;  // added tokens decode to their content
  }
  if (const std::string* s = impl_->bpe.id_to_token(id)) return impl_->decoder.token_bytes(*s);
  return std::nullopt;
}

std::optional<std::int32_t> Tokenizer::token_to_id(std::string_view token) const {
  if (const auto it = impl_->added_by_content.find(std::string(token));
      it != impl_->added_by_content.end()) {
    return it->second;
  }
  return impl_->bpe.token_to_id(token);
}

const AddedToken* Tokenizer::added_token(std::int32_t id) const {
  const auto it = impl_->added_by_id.find(id);
  return it == impl_->added_by_id.end() ? nullptr : &impl_->added[it->second];
}

const std::vector<AddedToken>& Tokenizer::added_tokens() const { return impl_->added; }

}  // namespace vllmctl
