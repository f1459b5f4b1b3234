// What a tokenizer_config.json contributes to chat templating: the chat template(s)
// and the special tokens a template sees (bos_token, eos_token, ...), plus vLLM's rule
// for the --chat-template argument (a file path, or the template text itself).
#pragma once

#include <filesystem>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

namespace vllmctl::chat {

struct NamedTemplate {
  std::string name;    // "default" for a plain string chat_template
  std::string source;  // Jinja text
};

struct TokenizerChatConfig {
  std::vector<NamedTemplate> templates;  // empty when the tokenizer defines none
  // bos_token, eos_token, unk_token, sep_token, pad_token, cls_token, mask_token as
  // strings (the {"content": ...} form unwrapped; null ones left out) and
  // additional_special_tokens as a list of strings: what transformers passes as
  // special_tokens_map.
  nlohmann::ordered_json special_tokens = nlohmann::ordered_json::object();

  // Throws std::invalid_argument on a malformed chat_template field.
  static TokenizerChatConfig from_json(const nlohmann::ordered_json& config);
  // Reads and parses the file; throws std::runtime_error when it cannot be read or parsed.
  static TokenizerChatConfig load(const std::filesystem::path& tokenizer_config_json);
};

// vLLM's load_chat_template: the contents of the file `arg` names; if no such file can
// be opened and `arg` contains '{', '}' or a newline, `arg` itself with Python's
// unicode_escape decoding ("\\n" -> newline); otherwise std::invalid_argument.
std::string load_chat_template_arg(const std::string& arg);

}  // namespace vllmctl::chat
