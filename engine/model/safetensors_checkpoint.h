// SafetensorsCheckpoint: every tensor of a model, from a single `model.safetensors` or
// from the shards a `model.safetensors.index.json` names, each shard mapped once.
#pragma once

#include "engine/model/safetensors_file.h"

#include <cstdint>
#include <filesystem>
#include <functional>
#include <map>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

namespace vllmctl {

inline constexpr std::string_view kSafetensorsFileName = "model.safetensors";
inline constexpr std::string_view kSafetensorsIndexFileName = "model.safetensors.index.json";

class SafetensorsCheckpoint {
 public:
  struct Entry {
    const SafetensorsFile* file = nullptr;
    const SafetensorsTensorInfo* info = nullptr;
    TensorView view() const { return file->view(*info); }
  };

  // DIR/model.safetensors when it exists, else DIR/model.safetensors.index.json.
  // Throws ModelFileError when neither exists or either is invalid.
  static SafetensorsCheckpoint open_dir(const std::filesystem::path& dir);
  static SafetensorsCheckpoint open_file(const std::filesystem::path& path);
  // Opens every shard in the index's weight_map (plain file names beside the index)
  // and checks that the map and the shards agree exactly: each mapped tensor is in its
  // shard, each shard tensor is mapped to that shard.
  static SafetensorsCheckpoint open_index(const std::filesystem::path& index_path);

  // The file errors about the whole checkpoint name: the single file, or the index.
  const std::string& label() const { return label_; }
  const std::vector<std::unique_ptr<SafetensorsFile>>& files() const { return files_; }
  const std::map<std::string, Entry, std::less<>>& tensors() const { return tensors_; }
  // The entry for `name`, or one with info == nullptr.
  Entry find(std::string_view name) const;

  uint64_t num_parameters() const;  // elements over every stored tensor
  uint64_t data_size_bytes() const;  // tensor bytes over every file

 private:
  SafetensorsCheckpoint() = default;
  void add_file_tensors(const SafetensorsFile& file);

  std::string label_;
  std::vector<std::unique_ptr<SafetensorsFile>> files_;
  std::map<std::string, Entry, std::less<>> tensors_;
};

}  // namespace vllmctl
