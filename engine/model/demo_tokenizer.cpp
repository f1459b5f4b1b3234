// The demo model's tokenizer files, built as JSON (ordered, so the bytes are stable).
#include "engine/model/demo_tokenizer.h"

#include <nlohmann/json.hpp>

#include <array>

namespace vllmctl {

namespace {

using ordered_json = nlohmann::ordered_json;

// GPT-2's bytes_to_unicode(): printable Latin-1 bytes map to themselves and come first;
// the other 68 bytes map to U+0100.. in byte order and follow.
struct ByteOrder {
  std::array<uint8_t, 256> byte_of_id{};
  std::array<uint32_t, 256> codepoint_of_byte{};
  ByteOrder() {
    auto printable = [](int b) { return (b >= 0x21 && b <= 0x7e) || (b >= 0xa1 && b <= 0xac) || (b >= 0xae); };
    int id = 0;
    for (int b = 0; b < 256; ++b) {
      if (printable(b)) {
        byte_of_id[id++] = static_cast<uint8_t>(b);
        codepoint_of_byte[b] = static_cast<uint32_t>(b);
      }
    }
    uint32_t extra = 0;
    for (int b = 0; b < 256; ++b) {
      if (!printable(b)) {
        byte_of_id[id++] = static_cast<uint8_t>(b);
        codepoint_of_byte[b] = 256 + extra++;
      }
    }
  }
};

const ByteOrder& byte_order() {
  static const ByteOrder order;
  return order;
}

std::string utf8(uint32_t cp) {
  std::string s;
  if (cp < 0x80) {
    s += static_cast<char>(cp);
  } else {  // every symbol here is below U+0800
    s += static_cast<char>(0xc0 | (cp >> 6));
    s += static_cast<char>(0x80 | (cp & 0x3f));
  }
  return s;
}

struct Special {
  int64_t id;
  const char* content;
};
constexpr Special kSpecials[] = {
    {kDemoEndOfTextId, "<|endoftext|>"}, {kDemoImStartId, "<|im_start|>"}, {kDemoImEndId, "<|im_end|>"}};

// Qwen2.5's pre-tokenizer split (the merges are empty, so it changes nothing here, but
// it keeps the file in the shape every Qwen tokenizer loader already handles).
constexpr const char* kSplitRegex =
    R"((?i:'s|'t|'re|'ve|'m|'ll|'d)|[^\r\n\p{L}\p{N}]?\p{L}+|\p{N}| ?[^\s\p{L}\p{N}]+[\r\n]*|\s*[\r\n]+|\s+(?!\S)|\s+)";

// ChatML, as Qwen2 writes it, with Qwen2's default system prompt.
constexpr const char* kChatTemplate =
    "{%- for message in messages %}"
    "{%- if loop.first and message['role'] != 'system' %}"
    "{{- '<|im_start|>system\\nYou are a helpful assistant.<|im_end|>\\n' }}"
    "{%- endif %}"
    "{{- '<|im_start|>' + message['role'] + '\\n' + message['content'] + '<|im_end|>' + '\\n' }}"
    "{%- endfor %}"
    "{%- if add_generation_prompt %}{{- '<|im_start|>assistant\\n' }}{%- endif %}";

ordered_json byte_level(bool use_regex) {
  return {{"type", "ByteLevel"}, {"add_prefix_space", false}, {"trim_offsets", false}, {"use_regex", use_regex}};
}

}  // namespace

std::string gpt2_byte_symbol(uint8_t b) { return utf8(byte_order().codepoint_of_byte[b]); }
uint8_t gpt2_byte_of_id(int id) { return byte_order().byte_of_id[static_cast<size_t>(id) & 0xff]; }

std::string demo_tokenizer_json() {
  ordered_json added = ordered_json::array();
  for (const auto& s : kSpecials) {
    added.push_back({{"id", s.id}, {"content", s.content}, {"single_word", false}, {"lstrip", false},
                     {"rstrip", false}, {"normalized", false}, {"special", true}});
  }
  ordered_json vocab = ordered_json::object();
  for (int id = 0; id < 256; ++id) vocab[gpt2_byte_symbol(gpt2_byte_of_id(id))] = id;
  ordered_json model = {{"type", "BPE"},
                        {"dropout", nullptr},
                        {"unk_token", nullptr},
                        {"continuing_subword_prefix", ""},
                        {"end_of_word_suffix", ""},
                        {"fuse_unk", false},
                        {"byte_fallback", false},
                        {"ignore_merges", false},
                        {"vocab", vocab},
                        {"merges", ordered_json::array()}};
  ordered_json split = {{"type", "Split"},
                        {"pattern", {{"Regex", kSplitRegex}}},
                        {"behavior", "Isolated"},
                        {"invert", false}};
  ordered_json doc = {
      {"version", "1.0"},
      {"truncation", nullptr},
      {"padding", nullptr},
      {"added_tokens", added},
      {"normalizer", {{"type", "NFC"}}},
      {"pre_tokenizer", {{"type", "Sequence"}, {"pretokenizers", {split, byte_level(false)}}}},
      {"post_processor", byte_level(false)},
      {"decoder", byte_level(false)},
      {"model", model},
  };
  return doc.dump(2);
}

std::string demo_tokenizer_config_json() {
  ordered_json decoder = ordered_json::object();
  for (const auto& s : kSpecials) {
    decoder[std::to_string(s.id)] = {{"content", s.content}, {"lstrip", false}, {"normalized", false},
                                     {"rstrip", false}, {"single_word", false}, {"special", true}};
  }
  ordered_json doc = {
      {"add_bos_token", false},
      {"add_prefix_space", false},
      {"added_tokens_decoder", decoder},
      {"additional_special_tokens", ordered_json::array({"<|im_start|>", "<|im_end|>"})},
      {"bos_token", nullptr},
      {"chat_template", kChatTemplate},
      {"clean_up_tokenization_spaces", false},
      {"eos_token", "<|im_end|>"},
      {"errors", "replace"},
      {"model_max_length", 4096},
      {"pad_token", "<|endoftext|>"},
      {"split_special_tokens", false},
      {"tokenizer_class", "PreTrainedTokenizerFast"},
      {"unk_token", nullptr},
  };
  return doc.dump(2);
}

}  // namespace vllmctl
