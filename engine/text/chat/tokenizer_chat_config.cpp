// Reading chat templates and special tokens from tokenizer_config.json.
#include "engine/text/chat/tokenizer_chat_config.h"

#include "engine/text/jinja/utf8.h"

#include <fstream>
#include <sstream>
#include <stdexcept>

namespace vllmctl::chat {
namespace {

// "<s>" or {"__type": "AddedToken", "content": "<s>", ...}; anything else is absent.
const nlohmann::ordered_json* token_text(const nlohmann::ordered_json& v) {
  if (v.is_string()) return &v;
  if (v.is_object() && v.contains("content") && v["content"].is_string()) return &v["content"];
  return nullptr;
}

// Python's codecs.decode(s, "unicode_escape") for the escapes templates use. Bytes
// >= 0x80 pass through unchanged (Python would re-read them as Latin-1).
std::string unicode_escape(const std::string& s) {
  std::string out;
  for (std::size_t i = 0; i < s.size(); ++i) {
    if (s[i] != '\\' || i + 1 >= s.size()) {
      out += s[i];
      continue;
    }
    char e = s[++i];
    switch (e) {
      case 'n':
        out += '\n';
        break;
      case 't':
        out += '\t';
        break;
      case 'r':
        out += '\r';
        break;
      case '\\':
        out += '\\';
        break;
      case '\'':
        out += '\'';
        break;
      case '"':
        out += '"';
        break;
      case 'a':
        out += '\a';
        break;
      case 'b':
        out += '\b';
        break;
      case 'f':
        out += '\f';
        break;
      case 'v':
        out += '\v';
        break;
      case '\n':
        break;
      case 'x':
      case 'u':
      case 'U': {
        std::size_t n = e == 'x' ? 2 : e == 'u' ? 4 : 8;
        std::string hex = s.substr(i + 1, n);
        if (hex.size() != n ||
            hex.find_first_not_of("0123456789abcdefABCDEF") != std::string::npos) {
          throw std::invalid_argument("chat template: truncated \\" + std::string(1, e) +
                                      " escape");
        }
        unsigned long cp = std::stoul(hex, nullptr, 16);
        if (cp > 0x10FFFF) throw std::invalid_argument("chat template: illegal Unicode character");
        jinja::utf8::append(out, static_cast<char32_t>(cp));
        i += n;
        break;
      }
      default:
        out += '\\';
        out += e;
    }
  }
  return out;
}

}  // namespace

TokenizerChatConfig TokenizerChatConfig::from_json(const nlohmann::ordered_json& config) {
  TokenizerChatConfig out;
  if (!config.is_object()) throw std::invalid_argument("tokenizer_config.json: not a JSON object");
  if (config.contains("chat_template")) {
    const auto& t = config["chat_template"];
    if (t.is_string()) {
      out.templates.push_back({"default", t.get<std::string>()});
    } else if (t.is_array()) {
      for (const auto& item : t) {
        if (!item.is_object() || !item.contains("name") || !item.contains("template") ||
            !item["name"].is_string() || !item["template"].is_string()) {
          throw std::invalid_argument(
              "tokenizer_config.json: chat_template list items need string 'name' and 'template'");
        }
        out.templates.push_back(
            {item["name"].get<std::string>(), item["template"].get<std::string>()});
      }
    } else if (!t.is_null()) {
      throw std::invalid_argument(
          "tokenizer_config.json: chat_template must be a string or a list");
    }
  }
  for (const char* key : {"bos_token", "eos_token", "unk_token", "sep_token", "pad_token",
                          "cls_token", "mask_token"}) {
    if (!config.contains(key)) continue;
    if (const auto* text = token_text(config[key])) out.special_tokens[key] = *text;
  }
  if (config.contains("additional_special_tokens") &&
      config["additional_special_tokens"].is_array()) {
    auto list = nlohmann::ordered_json::array();
    for (const auto& t : config["additional_special_tokens"]) {
      if (const auto* text = token_text(t)) list.push_back(*text);
    }
    out.special_tokens["additional_special_tokens"] = list;
  }
  return out;
}

TokenizerChatConfig TokenizerChatConfig::load(const std::filesystem::path& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) throw std::runtime_error("cannot read " + path.string());
  try {
    return from_json(nlohmann::ordered_json::parse(in));
  } catch (const nlohmann::json::exception& e) {
    throw std::runtime_error(path.string() + ": " + e.what());
  }
}

std::string load_chat_template_arg(const std::string& arg) {
  std::ifstream in(arg, std::ios::binary);
  if (in && !std::filesystem::is_directory(arg)) {
    std::ostringstream ss;
    ss << in.rdbuf();
    return ss.str();
  }
  if (arg.find_first_of("{}\n") == std::string::npos) {
    throw std::invalid_argument("The supplied chat template (" + arg +
                                ") looks like a file path, but it failed to be opened.");
  }
  return unicode_escape(arg);
}

}  // namespace vllmctl::chat
