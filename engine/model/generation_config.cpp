// parse_generation_config(): generation_config.json -> GenerationConfig.
#include "engine/model/generation_config.h"

#include "engine/model/json_fields.h"
#include "engine/model/model_config.h"

#include <fmt/format.h>
#include <nlohmann/json.hpp>

namespace vllmctl {

GenerationConfig parse_generation_config(const nlohmann::json& config, std::string_view label) {
  if (!config.is_object()) throw ModelFileError(fmt::format("{}: not a JSON object", label));
  const JsonFields f(config, label);
  GenerationConfig g;
  g.temperature = f.optional_number("temperature");
  g.top_p = f.optional_number("top_p");
  g.min_p = f.optional_number("min_p");
  g.repetition_penalty = f.optional_number("repetition_penalty");
  if (const auto* top_k = f.find("top_k")) {
    // top_k 0 means "off" in transformers, so any non-negative integer is valid.
    if (!top_k->is_number_integer() || top_k->get<int64_t>() < 0) {
      throw f.error(fmt::format("field 'top_k' must be a non-negative integer, got {}",
                                printable(top_k->dump(), 60)));
    }
    g.top_k = top_k->get<int64_t>();
  }
  g.do_sample = f.optional_bool("do_sample");
  g.max_new_tokens = f.optional_positive_int("max_new_tokens");
  g.eos_token_ids = f.token_id_list("eos_token_id");
  g.bos_token_id = f.optional_token_id("bos_token_id");
  g.pad_token_id = f.optional_token_id("pad_token_id");
  if (g.temperature && *g.temperature < 0) throw f.error("field 'temperature' must not be negative");
  if (g.top_p && (*g.top_p <= 0 || *g.top_p > 1)) throw f.error("field 'top_p' must be in (0, 1]");
  if (g.repetition_penalty && *g.repetition_penalty <= 0) {
    throw f.error("field 'repetition_penalty' must be positive");
  }
  return g;
}

std::optional<GenerationConfig> load_generation_config(const std::filesystem::path& path) {
  std::error_code ec;
  if (!std::filesystem::exists(path, ec)) return std::nullopt;
  return parse_generation_config(read_json_file(path), path.string());
}

}  // namespace vllmctl
