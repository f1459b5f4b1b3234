// write_demo_model(): check the options, clear old model files (with force), then write
// tokenizer files, generation_config.json, the weights, and config.json last, so a
// directory with a config.json is complete.
#include "engine/model/demo_model.h"

#include "engine/model/demo_tokenizer.h"
#include "engine/model/demo_weights.h"
#include "engine/model/model_error.h"
#include "engine/model/safetensors_writer.h"
#include "engine/model/weight_layout.h"

#include <fmt/format.h>
#include <nlohmann/json.hpp>

#include <algorithm>
#include <fstream>
#include <map>
#include <sstream>

namespace vllmctl {

namespace fs = std::filesystem;

namespace {

constexpr const char* kTokenizerFiles[] = {"tokenizer.json", "tokenizer_config.json", "vocab.json",
                                           "merges.txt", "special_tokens_map.json"};

std::string read_bytes(const fs::path& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) throw ModelFileError(fmt::format("{}: cannot read", path.string()));
  std::ostringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

void write_bytes(const fs::path& path, const std::string& bytes) {
  std::ofstream out(path, std::ios::binary | std::ios::trunc);
  out << bytes;
  out.close();
  if (!out) throw ModelFileError(fmt::format("{}: cannot write", path.string()));
}

bool is_sharded_weights_name(const std::string& name) {
  return name.starts_with("model-") && name.ends_with(".safetensors");
}

// Refuses a non-empty directory without force; with force removes only model files.
void prepare_out_dir(const DemoModelOptions& o) {
  std::error_code ec;
  const fs::path& dir = o.out_dir;
  if (fs::exists(dir, ec) && !fs::is_directory(dir, ec)) {
    throw ModelFileError(fmt::format("{}: exists and is not a directory", dir.string()));
  }
  if (fs::is_directory(dir, ec) && !fs::is_empty(dir, ec)) {
    if (!o.force) {
      throw ModelFileError(fmt::format("{}: directory is not empty; pass --force to replace the model "
                                       "files in it", dir.string()));
    }
    for (const auto& entry : fs::directory_iterator(dir)) {
      const std::string name = entry.path().filename().string();
      const auto& known = demo_model_file_names();
      if (std::find(known.begin(), known.end(), name) != known.end() || is_sharded_weights_name(name)) {
        fs::remove(entry.path());
      }
    }
  }
  fs::create_directories(dir, ec);
  if (ec) throw ModelFileError(fmt::format("{}: cannot create directory: {}", dir.string(), ec.message()));
}

// The largest token id the tokenizer defines (regular vocabulary or added tokens).
std::optional<int64_t> max_tokenizer_id(const std::string& tokenizer_json) {
  const auto doc = nlohmann::json::parse(tokenizer_json, nullptr, false);
  if (!doc.is_object()) return std::nullopt;
  int64_t max_id = -1;
  auto vocab = doc.find("model");
  if (vocab != doc.end() && vocab->is_object() && vocab->contains("vocab") && (*vocab)["vocab"].is_object()) {
    for (const auto& [tok, id] : (*vocab)["vocab"].items()) {
      if (id.is_number_integer()) max_id = std::max(max_id, id.get<int64_t>());
    }
  }
  if (auto added = doc.find("added_tokens"); added != doc.end() && added->is_array()) {
    for (const auto& t : *added) {
      if (t.is_object() && t.contains("id") && t["id"].is_number_integer()) {
        max_id = std::max(max_id, t["id"].get<int64_t>());
      }
    }
  }
  return max_id >= 0 ? std::optional<int64_t>(max_id) : std::nullopt;
}

std::vector<std::string> copy_tokenizer(const fs::path& from, const fs::path& to, const ModelConfig& config,
                                        DemoModelResult& result) {
  std::vector<std::string> copied;
  for (const char* name : kTokenizerFiles) {
    std::error_code ec;
    if (!fs::exists(from / name, ec)) continue;
    const std::string bytes = read_bytes(from / name);
    write_bytes(to / name, bytes);
    copied.push_back(name);
    if (std::string_view(name) == "tokenizer.json") {
      auto max_id = max_tokenizer_id(bytes);
      if (max_id && *max_id >= config.vocab_size) {
        result.warnings.push_back(fmt::format("tokenizer ids reach {}, past the model's vocab_size {}; those "
                                              "tokens have no embedding row", *max_id, config.vocab_size));
      }
    }
  }
  return copied;
}

}  // namespace

const std::vector<std::string>& demo_model_file_names() {
  static const std::vector<std::string> names = {
      "config.json", "generation_config.json", "model.safetensors", "model.safetensors.partial",
      "model.safetensors.index.json", "tokenizer.json", "tokenizer_config.json", "vocab.json",
      "merges.txt", "special_tokens_map.json"};
  return names;
}

DemoModelResult write_demo_model(const DemoModelOptions& o) {
  if (!dtype_is_engine_float(o.dtype)) {
    throw ModelFileError(fmt::format("demo models are written in bf16, f16 or f32, not {}", dtype_name(o.dtype)));
  }
  const std::string preset = std::string(demo_preset_name(o.preset));
  if (demo_preset_needs_tokenizer(o.preset)) {
    if (!o.tokenizer_dir) {
      throw ModelFileError(fmt::format("the {} preset needs --tokenizer DIR (a folder with the model's "
                                       "tokenizer.json, e.g. a download of its tokenizer files)", preset));
    }
    std::error_code ec;
    if (!fs::exists(*o.tokenizer_dir / "tokenizer.json", ec)) {
      throw ModelFileError(fmt::format("{}: no tokenizer.json in the --tokenizer folder",
                                       (*o.tokenizer_dir / "tokenizer.json").string()));
    }
  } else if (o.tokenizer_dir) {
    throw ModelFileError("the demo preset writes its own byte-level tokenizer; --tokenizer is for the "
                         "real-shape presets");
  }

  DemoModelResult result;
  const auto config_json = demo_preset_config(o.preset, o.dtype);
  result.config = parse_model_config(config_json, preset + " preset config");
  prepare_out_dir(o);

  if (o.tokenizer_dir) {
    result.files = copy_tokenizer(*o.tokenizer_dir, o.out_dir, result.config, result);
  } else {
    write_bytes(o.out_dir / "tokenizer.json", demo_tokenizer_json());
    write_bytes(o.out_dir / "tokenizer_config.json", demo_tokenizer_config_json());
    result.files = {"tokenizer.json", "tokenizer_config.json"};
  }
  write_bytes(o.out_dir / "generation_config.json", demo_preset_generation_config(o.preset).dump(2) + "\n");
  result.files.push_back("generation_config.json");

  // The tensors: the architecture's layout; a tied lm_head only where the preset stores
  // one, and then with the embedding's values, as a tied model would save it.
  struct Source {
    TensorRole role;
    uint64_t stream;
  };
  std::vector<TensorSpec> specs;
  std::map<std::string, Source> sources;
  for (const auto& e : expected_weight_layout(result.config)) {
    if (e.optional && !demo_preset_stores_lm_head(o.preset)) continue;
    const bool tied_copy = e.role == TensorRole::kLmHead && result.config.tie_word_embeddings;
    const std::string stream_name = tied_copy ? "model.embed_tokens.weight" : e.name;
    sources[e.name] = {tied_copy ? TensorRole::kEmbedding : e.role, demo_tensor_stream(o.seed, stream_name)};
    specs.push_back({e.name, o.dtype, e.shape});
    result.num_parameters += specs.back().numel();
  }
  result.num_tensors = specs.size();
  auto fill = [&sources, dtype = o.dtype](const TensorSpec& spec, uint64_t offset, std::span<std::byte> chunk) {
    const Source& s = sources.at(spec.name);
    fill_demo_tensor(s.role, s.stream, dtype, offset, chunk);
  };
  result.safetensors_bytes = write_safetensors(o.out_dir / "model.safetensors", std::move(specs), fill);
  result.files.push_back("model.safetensors");

  write_bytes(o.out_dir / "config.json", config_json.dump(2) + "\n");
  result.files.push_back("config.json");
  return result;
}

}  // namespace vllmctl
