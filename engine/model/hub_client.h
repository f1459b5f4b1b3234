// The Hugging Face hub client: pulls a model repo into the huggingface_hub cache
// (cache first, no network when the snapshot is complete), lists repo files and reads
// file metadata. Reports progress through a callback; draws nothing itself.
#pragma once

#include "engine/model/hub_cache.h"
#include "engine/model/hub_errors.h"
#include "engine/model/hub_requester.h"
#include "engine/model/hub_settings.h"

#include <cstdint>
#include <filesystem>
#include <functional>
#include <string>
#include <vector>

namespace vllmctl {

struct PullProgress {
  enum class Event {
    kResolved,   // the commit and the file list are known (num_files, total_bytes)
    kFileStart,  // file `file_index` begins (or is found in blobs/)
    kFileBytes,  // file_done_bytes grew
    kFileDone,   // the file is in the snapshot (cached: it needed no download)
    kRetry,      // a request failed and is tried again; `message` says why
  };
  Event event = Event::kResolved;
  std::string repo_id;
  std::string commit;
  std::string file;
  size_t file_index = 0;  // 0-based
  size_t num_files = 0;
  uint64_t file_done_bytes = 0;
  uint64_t file_total_bytes = 0;  // 0 when unknown
  uint64_t done_bytes = 0;        // all files, this pull
  uint64_t total_bytes = 0;
  bool cached = false;
  std::string message;
};
using PullProgressFn = std::function<void(const PullProgress&)>;

struct PullResult {
  std::string repo_id;
  std::string revision;
  std::string commit;
  std::filesystem::path snapshot_dir;
  bool from_cache = false;            // true: no network call was made
  std::vector<std::string> files;     // in the snapshot, relative paths
  uint64_t size_bytes = 0;            // of those files
  uint64_t downloaded_bytes = 0;      // fetched over the network by this pull
};

struct RepoListing {
  std::string commit;
  std::vector<std::string> files;  // every file of the repo at that commit
};

struct RepoFileMetadata {
  std::string commit;      // X-Repo-Commit
  std::string etag;        // X-Linked-Etag or ETag, normalized
  std::string location;    // where to GET the bytes (a CDN for LFS files)
  uint64_t size_bytes = 0;
  bool size_known = false;
};

// One thread at a time per client (it owns one HTTP session); processes pulling the
// same model concurrently are safe (blob downloads are locked, every write is atomic).
class HubClient {
 public:
  explicit HubClient(HubSettings settings);

  const HubSettings& settings() const { return requester_.settings(); }
  const HubCache& cache() const { return cache_; }

  // Makes `repo_id` at `revision` (branch, tag or 40-hex commit) a complete snapshot
  // in the cache and returns it. A complete cached snapshot (refs/<revision> ->
  // snapshots/<commit>, or the commit directly) is returned without any network call.
  // Otherwise, unless offline: lists the repo, selects the files a server needs
  // (hub_file_selection.h), HEADs each, downloads missing blobs, links the snapshot and
  // writes refs/<revision>. Throws std::runtime_error with a one-line message.
  PullResult pull(const std::string& repo_id, const std::string& revision = "main",
                  const PullProgressFn& progress = {});

  // GET {endpoint}/api/models/{repo_id}/revision/{revision}: commit and siblings.
  RepoListing list_repo(const std::string& repo_id, const std::string& revision);

  // HEAD {endpoint}/{repo_id}/resolve/{revision}/{file}, as huggingface_hub reads it.
  RepoFileMetadata file_metadata(const std::string& repo_id, const std::string& revision,
                                 const std::string& file);

 private:
  HubErrorContext error_context(const std::string& repo_id, const std::string& revision,
                                const std::string& file) const;
  void require_online(const std::string& repo_id, const std::string& revision) const;

  HubRequester requester_;
  HubCache cache_;
};

}  // namespace vllmctl
