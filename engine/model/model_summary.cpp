// model_summary_json() / model_summary_text().
#include "engine/model/model_summary.h"

#include "engine/model/weight_layout.h"

#include <fmt/format.h>

#include <map>

namespace vllmctl {

namespace fs = std::filesystem;
using nlohmann::ordered_json;

namespace {

constexpr const char* kTokenizerFiles[] = {"tokenizer.json", "tokenizer_config.json", "vocab.json",
                                           "merges.txt", "special_tokens_map.json"};

// Stored tensors in model order (the layout's), then ignored extras by name.
std::vector<SafetensorsCheckpoint::Entry> tensors_in_model_order(const ModelDir& m) {
  std::vector<SafetensorsCheckpoint::Entry> out;
  for (const auto& e : expected_weight_layout(m.config)) {
    if (auto entry = m.weights.find(e.name); entry.info != nullptr) out.push_back(entry);
  }
  for (const auto& [name, entry] : m.weights.tensors()) {
    if (is_ignored_tensor(name)) out.push_back(entry);
  }
  return out;
}

std::map<std::string, uint64_t> dtype_counts(const ModelDir& m) {
  std::map<std::string, uint64_t> counts;
  for (const auto& [name, e] : m.weights.tensors()) ++counts[std::string(dtype_name(e.info->dtype))];
  return counts;
}

std::string main_dtype(const std::map<std::string, uint64_t>& counts) {
  if (counts.size() == 1) return counts.begin()->first;
  std::vector<std::string> parts;
  for (const auto& [d, n] : counts) parts.push_back(fmt::format("{} x{}", d, n));
  return fmt::format("mixed ({})", fmt::join(parts, ", "));
}

std::vector<std::string> tokenizer_files(const ModelDir& m) {
  std::vector<std::string> out;
  for (const char* name : kTokenizerFiles) {
    std::error_code ec;
    if (fs::exists(m.dir / name, ec)) out.push_back(name);
  }
  return out;
}

ordered_json optional_json(const auto& v) { return v ? ordered_json(*v) : ordered_json(nullptr); }

std::string fmt_number(double v) { return fmt::format("{:g}", v); }

}  // namespace

std::string with_commas(uint64_t n) {
  std::string digits = std::to_string(n), out;
  for (size_t i = 0; i < digits.size(); ++i) {
    if (i > 0 && (digits.size() - i) % 3 == 0) out += ',';
    out += digits[i];
  }
  return out;
}

std::string human_bytes(uint64_t bytes) {
  const char* units[] = {"B", "KiB", "MiB", "GiB", "TiB"};
  double v = static_cast<double>(bytes);
  int u = 0;
  while (v >= 1024 && u < 4) {
    v /= 1024;
    ++u;
  }
  return u == 0 ? fmt::format("{} B", bytes) : fmt::format("{:.1f} {}", v, units[u]);
}

uint64_t unique_parameter_count(const ModelDir& m) {
  uint64_t n = m.weights.num_parameters();
  if (m.config.tie_word_embeddings) {
    if (auto lm = m.weights.find("lm_head.weight"); lm.info != nullptr) n -= lm.info->numel;
  }
  return n;
}

ordered_json model_summary_json(const ModelDir& m) {
  const ModelConfig& c = m.config;
  ordered_json rope_scaling = nullptr;
  if (c.rope_scaling) {
    rope_scaling = {{"rope_type", "llama3"},
                    {"factor", c.rope_scaling->factor},
                    {"low_freq_factor", c.rope_scaling->low_freq_factor},
                    {"high_freq_factor", c.rope_scaling->high_freq_factor},
                    {"original_max_position_embeddings", c.rope_scaling->original_max_position_embeddings}};
  }
  ordered_json config = {
      {"hidden_size", c.hidden_size}, {"intermediate_size", c.intermediate_size},
      {"num_hidden_layers", c.num_hidden_layers}, {"num_attention_heads", c.num_attention_heads},
      {"num_key_value_heads", c.num_key_value_heads}, {"head_dim", c.head_dim},
      {"vocab_size", c.vocab_size}, {"max_position_embeddings", c.max_position_embeddings},
      {"rms_norm_eps", c.rms_norm_eps}, {"rope_theta", c.rope_theta}, {"rope_scaling", rope_scaling},
      {"tie_word_embeddings", c.tie_word_embeddings}, {"qkv_bias", c.qkv_bias},
      {"o_proj_bias", c.o_proj_bias}, {"mlp_bias", c.mlp_bias}, {"qk_norm", c.qk_norm},
      {"torch_dtype", c.torch_dtype}, {"sliding_window", optional_json(c.sliding_window)},
      {"bos_token_id", optional_json(c.bos_token_id)}, {"eos_token_ids", c.eos_token_ids},
      {"pad_token_id", optional_json(c.pad_token_id)},
  };
  ordered_json generation = nullptr;
  if (m.generation) {
    const auto& g = *m.generation;
    generation = {{"temperature", optional_json(g.temperature)}, {"top_p", optional_json(g.top_p)},
                  {"top_k", optional_json(g.top_k)}, {"min_p", optional_json(g.min_p)},
                  {"repetition_penalty", optional_json(g.repetition_penalty)},
                  {"do_sample", optional_json(g.do_sample)}, {"max_new_tokens", optional_json(g.max_new_tokens)},
                  {"eos_token_ids", g.eos_token_ids}, {"bos_token_id", optional_json(g.bos_token_id)},
                  {"pad_token_id", optional_json(g.pad_token_id)}};
  }
  ordered_json files = ordered_json::array();
  for (const auto& f : m.weights.files()) {
    files.push_back({{"name", f->path().filename().string()}, {"size_bytes", f->size_bytes()},
                     {"num_tensors", f->header().tensors.size()}});
  }
  ordered_json tensors = ordered_json::array();
  for (const auto& e : tensors_in_model_order(m)) {
    tensors.push_back({{"name", e.info->name}, {"dtype", dtype_name(e.info->dtype)}, {"shape", e.info->shape},
                       {"file", e.file->path().filename().string()}});
  }
  const auto counts = dtype_counts(m);
  return {
      {"path", m.dir.string()},
      {"architecture", architecture_name(c.architecture)},
      {"model_type", c.model_type},
      {"config", config},
      {"generation_config", generation},
      {"dtype", counts.size() == 1 ? ordered_json(counts.begin()->first) : ordered_json("mixed")},
      {"dtypes", counts},
      {"num_tensors", m.weights.tensors().size()},
      {"num_parameters", m.weights.num_parameters()},
      {"num_unique_parameters", unique_parameter_count(m)},
      {"lm_head_stored", m.weights.find("lm_head.weight").info != nullptr},
      {"weights_bytes", m.weights.data_size_bytes()},
      {"sharded", m.weights.files().size() > 1 || m.weights.label().ends_with(".index.json")},
      {"files", files},
      {"tokenizer_files", tokenizer_files(m)},
      {"tensors", tensors},
  };
}

std::string model_summary_text(const ModelDir& m, bool list_tensors) {
  const ModelConfig& c = m.config;
  std::string out;
  auto line = [&out](std::string_view key, const std::string& value) {
    out += fmt::format("{:<13}{}\n", key, value);
  };
  line("model", m.dir.string());
  line("architecture", fmt::format("{}{}", architecture_name(c.architecture),
                                   c.model_type.empty() ? "" : " (" + c.model_type + ")"));
  line("layers", fmt::format("{} (hidden {}, intermediate {})", c.num_hidden_layers, c.hidden_size,
                             c.intermediate_size));
  std::string extras;
  if (c.qkv_bias) extras += ", q/k/v bias";
  if (c.o_proj_bias) extras += ", o_proj bias";
  if (c.qk_norm) extras += ", q/k norm";
  line("attention", fmt::format("{} heads, {} kv heads, head_dim {}{}", c.num_attention_heads,
                                c.num_key_value_heads, c.head_dim, extras));
  std::string rope = fmt::format("theta {}", c.rope_theta);
  if (c.rope_scaling) {
    rope += fmt::format(", llama3 scaling x{} (original {} positions, low {}, high {})",
                        fmt_number(c.rope_scaling->factor), c.rope_scaling->original_max_position_embeddings,
                        fmt_number(c.rope_scaling->low_freq_factor), fmt_number(c.rope_scaling->high_freq_factor));
  }
  line("rope", rope);
  const bool lm_head_stored = m.weights.find("lm_head.weight").info != nullptr;
  line("vocab", fmt::format("{} ({})", c.vocab_size,
                            !c.tie_word_embeddings ? "separate lm_head"
                            : lm_head_stored       ? "tied embeddings; lm_head.weight also stored"
                                                   : "tied embeddings"));
  line("context", fmt::format("{} positions", c.max_position_embeddings));
  const auto counts = dtype_counts(m);
  line("dtype", main_dtype(counts) + (c.torch_dtype.empty() ? "" : " (config: " + c.torch_dtype + ")"));
  std::vector<std::string> files;
  for (const auto& f : m.weights.files()) {
    files.push_back(fmt::format("{} ({})", f->path().filename().string(), human_bytes(f->size_bytes())));
  }
  line("weights", fmt::format("{}", fmt::join(files, ", ")));
  line("tensors", std::to_string(m.weights.tensors().size()));
  const uint64_t params = m.weights.num_parameters(), unique = unique_parameter_count(m);
  line("parameters", params == unique ? with_commas(params)
                                      : fmt::format("{} stored, {} unique", with_commas(params), with_commas(unique)));
  if (m.generation) {
    const auto& g = *m.generation;
    std::vector<std::string> parts;
    if (g.temperature) parts.push_back(fmt::format("temperature {}", fmt_number(*g.temperature)));
    if (g.top_p) parts.push_back(fmt::format("top_p {}", fmt_number(*g.top_p)));
    if (g.top_k) parts.push_back(fmt::format("top_k {}", *g.top_k));
    if (g.min_p) parts.push_back(fmt::format("min_p {}", fmt_number(*g.min_p)));
    if (g.repetition_penalty) parts.push_back(fmt::format("repetition_penalty {}", fmt_number(*g.repetition_penalty)));
    if (!g.eos_token_ids.empty()) parts.push_back(fmt::format("eos {}", fmt::join(g.eos_token_ids, ", ")));
    line("generation", parts.empty() ? "(no defaults)" : fmt::format("{}", fmt::join(parts, "; ")));
  } else {
    line("generation", "(no generation_config.json)");
  }
  const auto tok = tokenizer_files(m);
  line("tokenizer", tok.empty() ? "(no tokenizer files)" : fmt::format("{}", fmt::join(tok, ", ")));
  if (list_tensors) {
    out += "\n";
    for (const auto& e : tensors_in_model_order(m)) {
      out += fmt::format("  {:<52} {:<5} {}\n", e.info->name, dtype_name(e.info->dtype), format_shape(e.info->shape));
    }
  }
  return out;
}

}  // namespace vllmctl
