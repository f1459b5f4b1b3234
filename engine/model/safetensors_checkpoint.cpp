// SafetensorsCheckpoint: open a single file or an index and its shards.
#include "engine/model/safetensors_checkpoint.h"

#include "engine/model/model_config.h"
#include "engine/model/model_error.h"

#include <fmt/format.h>
#include <nlohmann/json.hpp>

#include <set>

namespace vllmctl {

namespace fs = std::filesystem;

SafetensorsCheckpoint SafetensorsCheckpoint::open_dir(const fs::path& dir) {
  std::error_code ec;
  if (fs::exists(dir / kSafetensorsFileName, ec)) return open_file(dir / kSafetensorsFileName);
  if (fs::exists(dir / kSafetensorsIndexFileName, ec)) return open_index(dir / kSafetensorsIndexFileName);
  throw ModelFileError(fmt::format("{}: no {} or {} (not a safetensors model directory)", dir.string(),
                                   kSafetensorsFileName, kSafetensorsIndexFileName));
}

SafetensorsCheckpoint SafetensorsCheckpoint::open_file(const fs::path& path) {
  SafetensorsCheckpoint c;
  c.label_ = path.string();
  c.files_.push_back(std::make_unique<SafetensorsFile>(path));
  c.add_file_tensors(*c.files_.back());
  return c;
}

SafetensorsCheckpoint SafetensorsCheckpoint::open_index(const fs::path& index_path) {
  SafetensorsCheckpoint c;
  c.label_ = index_path.string();
  auto fail = [&](const std::string& message) {
    return ModelFileError(fmt::format("{}: {}", c.label_, message));
  };
  const nlohmann::json index = read_json_file(index_path);
  if (!index.is_object()) throw fail("not a JSON object");
  auto map_it = index.find("weight_map");
  if (map_it == index.end() || !map_it->is_object()) throw fail("missing object field 'weight_map'");
  if (map_it->empty()) throw fail("'weight_map' is empty");

  // Open each shard once, in name order.
  std::map<std::string, const SafetensorsFile*> shards;
  for (const auto& [tensor, shard] : map_it->items()) {
    if (!shard.is_string()) throw fail(fmt::format("weight_map entry '{}' is not a file name", printable(tensor)));
    const auto& name = shard.get_ref<const std::string&>();
    if (name.empty() || name.find('/') != std::string::npos || name.find('\\') != std::string::npos ||
        name == "." || name == "..") {
      throw fail(fmt::format("weight_map entry '{}' names '{}', which is not a plain file name",
                             printable(tensor), printable(name)));
    }
    shards.emplace(name, nullptr);
  }
  for (auto& [name, file] : shards) {
    c.files_.push_back(std::make_unique<SafetensorsFile>(index_path.parent_path() / name));
    file = c.files_.back().get();
  }
  for (const auto& [tensor, shard] : map_it->items()) {
    const SafetensorsFile* file = shards.at(shard.get<std::string>());
    const auto* info = file->header().find(tensor);
    if (info == nullptr) {
      throw fail(fmt::format("weight_map puts tensor '{}' in {}, which does not hold it", printable(tensor),
                             file->path().string()));
    }
    c.tensors_.emplace(tensor, Entry{file, info});
  }
  for (const auto& file : c.files_) {
    for (const auto& t : file->header().tensors) {
      auto it = c.tensors_.find(t.name);
      if (it == c.tensors_.end() || it->second.file != file.get()) {
        throw fail(fmt::format("{} holds tensor '{}', but weight_map {}", file->path().string(),
                               printable(t.name),
                               it == c.tensors_.end() ? "does not list it"
                                                      : "puts it in " + it->second.file->path().string()));
      }
    }
  }
  return c;
}

void SafetensorsCheckpoint::add_file_tensors(const SafetensorsFile& file) {
  for (const auto& t : file.header().tensors) tensors_.emplace(t.name, Entry{&file, &t});
}

SafetensorsCheckpoint::Entry SafetensorsCheckpoint::find(std::string_view name) const {
  auto it = tensors_.find(name);
  return it == tensors_.end() ? Entry{} : it->second;
}

uint64_t SafetensorsCheckpoint::num_parameters() const {
  uint64_t n = 0;
  for (const auto& [name, e] : tensors_) n += e.info->numel;
  return n;
}

uint64_t SafetensorsCheckpoint::data_size_bytes() const {
  uint64_t n = 0;
  for (const auto& f : files_) n += f->header().data_size_bytes;
  return n;
}

}  // namespace vllmctl
