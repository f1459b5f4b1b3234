// Lists what a hub cache holds (for `vllmctl model ls`): each model repo, its
// snapshots, the refs that point at them, sizes, and whether each is complete.
#pragma once

#include "engine/model/hub_snapshot_check.h"

#include <cstdint>
#include <filesystem>
#include <string>
#include <vector>

namespace vllmctl {

struct CachedRevision {
  std::string commit;
  std::vector<std::string> refs;      // revision names whose refs/ file holds `commit`
  std::filesystem::path snapshot_dir;
  SnapshotCheck check;
};

struct CachedRepo {
  std::string repo_id;
  std::filesystem::path dir;
  uint64_t size_on_disk_bytes = 0;  // finished blobs
  uint64_t incomplete_bytes = 0;    // partial downloads (*.incomplete) waiting to resume
  std::vector<CachedRevision> revisions;  // sorted by commit
};

// Repos sorted by id; an absent cache folder is an empty list. No network.
std::vector<CachedRepo> scan_hub_cache(const std::filesystem::path& root);

}  // namespace vllmctl
