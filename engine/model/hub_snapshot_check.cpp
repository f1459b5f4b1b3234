// check_snapshot: a model snapshot's completeness, from the files alone (so snapshots
// written by huggingface_hub count as much as ours).
#include "engine/model/hub_snapshot_check.h"

#include <fmt/format.h>
#include <nlohmann/json.hpp>

#include <algorithm>
#include <fstream>
#include <set>
#include <system_error>

namespace vllmctl {

namespace fs = std::filesystem;

namespace {

bool ends_with(const std::string& s, std::string_view suffix) {
  return s.size() >= suffix.size() && s.compare(s.size() - suffix.size(), suffix.size(), suffix) == 0;
}

bool is_weight_file(const std::string& f) {
  return ends_with(f, ".safetensors") || ends_with(f, ".bin") || ends_with(f, ".pt") ||
         ends_with(f, ".pth");
}

bool is_weight_index(const std::string& f) {
  return ends_with(f, ".safetensors.index.json") || ends_with(f, ".bin.index.json");
}

}  // namespace

SnapshotCheck check_snapshot(const fs::path& dir) {
  SnapshotCheck out;
  std::error_code ec;
  if (!fs::is_directory(dir, ec)) {
    out.problem = "no snapshot folder";
    return out;
  }
  std::set<std::string> present;
  std::string dangling;
  for (auto it = fs::recursive_directory_iterator(dir, ec);
       !ec && it != fs::recursive_directory_iterator(); it.increment(ec)) {
    if (it->is_directory(ec)) continue;
    // lexically: fs::relative would resolve the link into blobs/.
    const std::string rel = it->path().lexically_relative(dir).generic_string();
    if (rel.empty() || rel.find("/.") != std::string::npos || rel.front() == '.') continue;
    out.files.push_back(rel);
    const auto size = fs::file_size(it->path(), ec);  // follows the link
    if (ec) {
      if (dangling.empty()) dangling = rel;
      ec.clear();
      continue;
    }
    out.size_bytes += size;
    present.insert(rel);
  }
  std::sort(out.files.begin(), out.files.end());
  if (ec) {
    out.problem = fmt::format("cannot read the snapshot: {}", ec.message());
    return out;
  }
  if (!dangling.empty()) {
    out.problem = fmt::format("{} points at a missing blob", dangling);
    return out;
  }
  if (!present.count("config.json")) {
    out.problem = "no config.json";
    return out;
  }
  bool have_index = false;
  for (const auto& f : present) {
    if (!is_weight_index(f)) continue;
    have_index = true;
    try {
      std::ifstream in(dir / f);
      const auto index = nlohmann::json::parse(in);
      for (const auto& [tensor, shard] : index.at("weight_map").items()) {
        const std::string name = shard.get<std::string>();
        if (!present.count(name)) {
          out.problem = fmt::format("shard {} named by {} is missing", name, f);
          return out;
        }
      }
    } catch (const std::exception&) {
      out.problem = fmt::format("{} is not a valid weight index", f);
      return out;
    }
  }
  if (!have_index && std::none_of(present.begin(), present.end(), is_weight_file)) {
    out.problem = "no weight files";
    return out;
  }
  out.complete = true;
  return out;
}

}  // namespace vllmctl
