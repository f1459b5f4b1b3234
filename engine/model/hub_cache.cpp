// HubCache: paths of the huggingface_hub cache layout and its atomic writes.
#include "engine/model/hub_cache.h"

#include "engine/model/hub_names.h"

#include <fmt/format.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <cstdio>
#include <fstream>
#include <stdexcept>
#include <system_error>

namespace vllmctl {

namespace fs = std::filesystem;

namespace {

// A name no other writer (thread or process) uses at the same time.
fs::path temp_sibling(const fs::path& path) {
  static std::atomic<unsigned> counter{0};
  return path.parent_path() /
         fmt::format(".{}.tmp.{}.{}", path.filename().string(), ::getpid(), counter++);
}

}  // namespace

void write_file_atomically(const fs::path& path, std::string_view bytes) {
  fs::create_directories(path.parent_path());
  const fs::path tmp = temp_sibling(path);
  {
    std::ofstream out(tmp, std::ios::binary | std::ios::trunc);
    out.write(bytes.data(), static_cast<std::streamsize>(bytes.size()));
    out.flush();
    if (!out) {
      std::error_code ignored;
      fs::remove(tmp, ignored);
      throw std::runtime_error(fmt::format("cannot write {}", tmp.string()));
    }
  }
  std::error_code ec;
  fs::rename(tmp, path, ec);
  if (ec) {
    std::error_code ignored;
    fs::remove(tmp, ignored);
    throw std::runtime_error(fmt::format("cannot write {}: {}", path.string(), ec.message()));
  }
}

fs::path HubCache::repo_dir(std::string_view repo_id) const {
  return root_ / repo_folder_name(repo_id);
}

fs::path HubCache::blob_path(std::string_view repo_id, std::string_view etag) const {
  return repo_dir(repo_id) / "blobs" / std::string(etag);
}

fs::path HubCache::incomplete_path(std::string_view repo_id, std::string_view etag) const {
  return repo_dir(repo_id) / "blobs" / (std::string(etag) + ".incomplete");
}

fs::path HubCache::snapshot_dir(std::string_view repo_id, std::string_view commit) const {
  return repo_dir(repo_id) / "snapshots" / std::string(commit);
}

fs::path HubCache::ref_path(std::string_view repo_id, std::string_view revision) const {
  return repo_dir(repo_id) / "refs" / std::string(revision);
}

fs::path HubCache::lock_path(std::string_view repo_id, std::string_view etag) const {
  return root_ / ".locks" / repo_folder_name(repo_id) / (std::string(etag) + ".lock");
}

std::optional<std::string> HubCache::find_commit(std::string_view repo_id,
                                                 std::string_view revision) const {
  if (is_commit_hash(revision)) return std::string(revision);
  std::ifstream in(ref_path(repo_id, revision), std::ios::binary);
  if (!in) return std::nullopt;
  std::string commit;
  std::getline(in, commit);
  while (!commit.empty() && (commit.back() == '\r' || commit.back() == ' ')) commit.pop_back();
  if (commit.empty()) return std::nullopt;
  try {
    validate_cache_key(commit, "commit in refs/");
  } catch (const std::exception&) {
    return std::nullopt;  // a damaged ref is the same as no ref: the hub is asked again
  }
  return commit;
}

void HubCache::write_ref(std::string_view repo_id, std::string_view revision,
                         std::string_view commit) const {
  write_file_atomically(ref_path(repo_id, revision), commit);
}

void HubCache::link_snapshot_file(std::string_view repo_id, std::string_view commit,
                                  std::string_view file, std::string_view etag) const {
  const fs::path link = snapshot_dir(repo_id, commit) / std::string(file);
  fs::create_directories(link.parent_path());
  std::string target;
  const auto depth = 2 + std::count(file.begin(), file.end(), '/');
  for (long i = 0; i < depth; ++i) target += "../";
  target += "blobs/";
  target += etag;

  const fs::path tmp = temp_sibling(link);
  std::error_code ec;
  fs::create_symlink(target, tmp, ec);
  if (!ec) fs::rename(tmp, link, ec);
  if (ec) {
    std::error_code ignored;
    fs::remove(tmp, ignored);
    throw std::runtime_error(
        fmt::format("cannot link {} -> {}: {}", link.string(), target, ec.message()));
  }
}

}  // namespace vllmctl
