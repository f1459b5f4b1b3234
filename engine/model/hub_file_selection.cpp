// select_model_files: the allow-list of files `model pull` downloads.
#include "engine/model/hub_file_selection.h"

#include <algorithm>
#include <array>
#include <string_view>

namespace vllmctl {

namespace {

bool ends_with(std::string_view s, std::string_view suffix) {
  return s.size() >= suffix.size() && s.substr(s.size() - suffix.size()) == suffix;
}

bool starts_with(std::string_view s, std::string_view prefix) {
  return s.substr(0, prefix.size()) == prefix;
}

bool is_support_file(std::string_view f) {
  static constexpr std::array<std::string_view, 9> kExact = {
      "config.json",        "generation_config.json", "special_tokens_map.json",
      "added_tokens.json",  "merges.txt",             "chat_template.json",
      "chat_template.jinja", "preprocessor_config.json", "processor_config.json"};
  if (std::find(kExact.begin(), kExact.end(), f) != kExact.end()) return true;
  if (starts_with(f, "additional_chat_templates/") && ends_with(f, ".jinja") &&
      f.find('/', 26) == std::string_view::npos) {
    return true;
  }
  if (f.find('/') != std::string_view::npos) return false;
  return starts_with(f, "tokenizer") || starts_with(f, "vocab.") || ends_with(f, ".tiktoken");
}

// Trainer checkpoints ship these beside the weights; no server loads them.
bool is_training_state(std::string_view f) {
  return starts_with(f, "training_args") || starts_with(f, "optimizer") ||
         starts_with(f, "scheduler") || starts_with(f, "rng_state");
}

enum class Weight { kNone, kSafetensors, kSafetensorsIndex, kTorch, kTorchIndex };

Weight weight_kind(std::string_view f) {
  if (f.find('/') != std::string_view::npos) return Weight::kNone;
  if (ends_with(f, ".safetensors")) return Weight::kSafetensors;
  if (ends_with(f, ".safetensors.index.json")) return Weight::kSafetensorsIndex;
  if (ends_with(f, ".bin") || ends_with(f, ".pt") || ends_with(f, ".pth")) return Weight::kTorch;
  if (ends_with(f, ".bin.index.json")) return Weight::kTorchIndex;
  return Weight::kNone;
}

}  // namespace

std::vector<std::string> select_model_files(const std::vector<std::string>& repo_files) {
  bool have_safetensors = false;
  bool have_safetensors_index = false;
  for (const auto& f : repo_files) {
    have_safetensors = have_safetensors || weight_kind(f) == Weight::kSafetensors;
    have_safetensors_index = have_safetensors_index || weight_kind(f) == Weight::kSafetensorsIndex;
  }
  std::vector<std::string> support, indexes, shards;
  for (const auto& f : repo_files) {
    const Weight kind = weight_kind(f);
    if (kind == Weight::kNone) {
      if (is_support_file(f) && !ends_with(f, ".bin")) support.push_back(f);
      continue;
    }
    if (have_safetensors) {
      // Mistral-style repos carry both HF shards and one consolidated file: the index
      // names the HF shards, so the consolidated copy would double the download.
      if (kind == Weight::kSafetensors &&
          !(have_safetensors_index && starts_with(f, "consolidated"))) {
        shards.push_back(f);
      } else if (kind == Weight::kSafetensorsIndex) {
        indexes.push_back(f);
      }
    } else if (kind == Weight::kTorch && !is_training_state(f)) {
      shards.push_back(f);
    } else if (kind == Weight::kTorchIndex) {
      indexes.push_back(f);
    }
  }
  for (auto* list : {&support, &indexes, &shards}) std::sort(list->begin(), list->end());
  support.insert(support.end(), indexes.begin(), indexes.end());
  support.insert(support.end(), shards.begin(), shards.end());
  return support;
}

}  // namespace vllmctl
