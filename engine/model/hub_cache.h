// The huggingface_hub cache layout, shared with Python tools on the same machine:
//   <root>/models--org--name/blobs/<etag>                 file contents, by etag
//   <root>/models--org--name/snapshots/<commit>/<file>    relative symlinks to blobs
//   <root>/models--org--name/refs/<revision>              the commit (no newline)
//   <root>/.locks/models--org--name/<etag>.lock           held while a blob downloads
// Writers make each visible change atomically (temp file or link, then rename).
#pragma once

#include <filesystem>
#include <optional>
#include <string>
#include <string_view>

namespace vllmctl {

class HubCache {
 public:
  explicit HubCache(std::filesystem::path root) : root_(std::move(root)) {}

  const std::filesystem::path& root() const { return root_; }
  std::filesystem::path repo_dir(std::string_view repo_id) const;
  std::filesystem::path blob_path(std::string_view repo_id, std::string_view etag) const;
  // Where a blob is written while it downloads; kept across runs to resume from.
  std::filesystem::path incomplete_path(std::string_view repo_id, std::string_view etag) const;
  std::filesystem::path snapshot_dir(std::string_view repo_id, std::string_view commit) const;
  std::filesystem::path ref_path(std::string_view repo_id, std::string_view revision) const;
  std::filesystem::path lock_path(std::string_view repo_id, std::string_view etag) const;

  // The commit `revision` names in the cache: a 40-hex revision is itself, a name is
  // looked up in refs/. nullopt when the cache does not know it. No network.
  std::optional<std::string> find_commit(std::string_view repo_id,
                                         std::string_view revision) const;

  // Writes refs/<revision> = commit atomically (a '/' in revision makes sub-folders).
  void write_ref(std::string_view repo_id, std::string_view revision,
                 std::string_view commit) const;

  // Makes snapshots/<commit>/<file> a relative symlink to ../../blobs/<etag> (one more
  // "../" per '/' in file), atomically replacing whatever was there.
  void link_snapshot_file(std::string_view repo_id, std::string_view commit,
                          std::string_view file, std::string_view etag) const;

 private:
  std::filesystem::path root_;
};

// Writes `bytes` to `path` through a temp file in the same folder and a rename.
void write_file_atomically(const std::filesystem::path& path, std::string_view bytes);

}  // namespace vllmctl
