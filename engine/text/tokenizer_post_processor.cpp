// Post-processors reduced to what a single sequence needs: ids before and after it.
#include "engine/text/tokenizer_post_processor.h"

#include <stdexcept>
#include <string>

#include <nlohmann/json.hpp>

namespace vllmctl {

PostProcessor PostProcessor::from_json(const nlohmann::json& spec) {
  PostProcessor p;
  if (!spec.is_null()) p.add_from_json(spec);
  return p;
}

void PostProcessor::add_from_json(const nlohmann::json& spec) {
  const std::string type = spec.value("type", "");
  if (type == "ByteLevel") return;
  if (type == "Sequence") {
    for (const auto& sub : spec.at("processors")) add_from_json(sub);
    return;
  }
  if (type == "RobertaProcessing" || type == "BertProcessing") {
    // Each nested processor wraps the output of the previous one.
    prefix_.insert(prefix_.begin(), spec.at("cls").at(1).get<std::int32_t>());
    suffix_.push_back(spec.at("sep").at(1).get<std::int32_t>());
    return;
  }
  if (type != "TemplateProcessing") {
    throw std::runtime_error("unsupported post_processor type '" + type + "'");
  }
  const auto& specials = spec.value("special_tokens", nlohmann::json::object());
  std::vector<std::int32_t> before, after;
  bool seen_sequence = false;
  for (const auto& item : spec.at("single")) {
    if (item.contains("Sequence")) {
      seen_sequence = true;
      continue;
    }
    const std::string name = item.at("SpecialToken").at("id").get<std::string>();
    if (!specials.contains(name)) {
      throw std::runtime_error("TemplateProcessing names special token '" + name +
                               "', which is not in its special_tokens");
    }
    auto& dest = seen_sequence ? after : before;
    for (const auto& id : specials.at(name).at("ids")) dest.push_back(id.get<std::int32_t>());
  }
  prefix_.insert(prefix_.begin(), before.begin(), before.end());
  suffix_.insert(suffix_.end(), after.begin(), after.end());
}

void PostProcessor::apply(std::vector<std::int32_t>& ids) const {
  if (!prefix_.empty()) ids.insert(ids.begin(), prefix_.begin(), prefix_.end());
  ids.insert(ids.end(), suffix_.begin(), suffix_.end());
}

}  // namespace vllmctl
