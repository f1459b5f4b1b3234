// Decides whether a snapshot folder holds a usable model: config.json, every link
// resolving to a blob, and all weights (every shard an index names, or at least one
// weight file). A cached snapshot that passes is used without any network call.
#pragma once

#include <cstdint>
#include <filesystem>
#include <string>
#include <vector>

namespace vllmctl {

struct SnapshotCheck {
  bool complete = false;
  std::string problem;              // why it is not complete (one line); empty when complete
  std::vector<std::string> files;   // relative paths with '/', sorted; dangling links included
  uint64_t size_bytes = 0;          // sum of the sizes the files resolve to
};

// Never throws for a missing or damaged folder: that is reported in `problem`.
SnapshotCheck check_snapshot(const std::filesystem::path& dir);

}  // namespace vllmctl
