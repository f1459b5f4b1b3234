// scan_hub_cache: walks models--*/{blobs,refs,snapshots} of a hub cache.
#include "engine/model/hub_cache_scan.h"

#include "engine/model/hub_names.h"

#include <algorithm>
#include <fstream>
#include <map>
#include <system_error>

namespace vllmctl {

namespace fs = std::filesystem;

namespace {

bool ends_with(const std::string& s, std::string_view suffix) {
  return s.size() >= suffix.size() && s.compare(s.size() - suffix.size(), suffix.size(), suffix) == 0;
}

// commit -> revision names, from every file under refs/.
std::map<std::string, std::vector<std::string>> read_refs(const fs::path& refs_dir) {
  std::map<std::string, std::vector<std::string>> out;
  std::error_code ec;
  for (auto it = fs::recursive_directory_iterator(refs_dir, ec);
       !ec && it != fs::recursive_directory_iterator(); it.increment(ec)) {
    if (!it->is_regular_file(ec) || it->path().filename().string().front() == '.') continue;
    std::ifstream in(it->path());
    std::string commit;
    std::getline(in, commit);
    while (!commit.empty() && (commit.back() == '\r' || commit.back() == ' ')) commit.pop_back();
    if (!commit.empty()) {
      out[commit].push_back(it->path().lexically_relative(refs_dir).generic_string());
    }
  }
  for (auto& [commit, names] : out) std::sort(names.begin(), names.end());
  return out;
}

}  // namespace

std::vector<CachedRepo> scan_hub_cache(const fs::path& root) {
  std::vector<CachedRepo> repos;
  std::error_code ec;
  if (!fs::is_directory(root, ec)) return repos;
  for (const auto& entry : fs::directory_iterator(root, ec)) {
    if (!entry.is_directory(ec)) continue;
    CachedRepo repo;
    repo.repo_id = repo_id_from_folder(entry.path().filename().string());
    if (repo.repo_id.empty()) continue;
    repo.dir = entry.path();

    for (const auto& blob : fs::directory_iterator(repo.dir / "blobs", ec)) {
      if (!blob.is_regular_file(ec)) continue;
      const auto size = blob.file_size(ec);
      if (ec) continue;
      if (ends_with(blob.path().filename().string(), ".incomplete")) {
        repo.incomplete_bytes += size;
      } else {
        repo.size_on_disk_bytes += size;
      }
    }
    ec.clear();

    auto refs = read_refs(repo.dir / "refs");
    for (const auto& snap : fs::directory_iterator(repo.dir / "snapshots", ec)) {
      if (!snap.is_directory(ec)) continue;
      CachedRevision rev;
      rev.commit = snap.path().filename().string();
      rev.snapshot_dir = snap.path();
      if (auto it = refs.find(rev.commit); it != refs.end()) rev.refs = it->second;
      rev.check = check_snapshot(snap.path());
      repo.revisions.push_back(std::move(rev));
    }
    ec.clear();
    std::sort(repo.revisions.begin(), repo.revisions.end(),
              [](const auto& a, const auto& b) { return a.commit < b.commit; });
    repos.push_back(std::move(repo));
  }
  std::sort(repos.begin(), repos.end(),
            [](const auto& a, const auto& b) { return a.repo_id < b.repo_id; });
  return repos;
}

}  // namespace vllmctl
