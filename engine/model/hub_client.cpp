// HubClient: snapshot pulls with huggingface_hub's protocol and cache layout.
#include "engine/model/hub_client.h"

#include "engine/model/hub_blob_download.h"
#include "engine/model/hub_file_selection.h"
#include "engine/model/hub_names.h"
#include "engine/model/hub_snapshot_check.h"

#include <fmt/format.h>
#include <nlohmann/json.hpp>

#include <system_error>

namespace vllmctl {

namespace fs = std::filesystem;

namespace {

uint64_t parse_size(const std::string& text, bool* ok) {
  *ok = false;
  if (text.empty() || text.size() > 19) return 0;
  for (char c : text) {
    if (c < '0' || c > '9') return 0;
  }
  *ok = true;
  return std::stoull(text);
}

PullResult result_from_snapshot(const std::string& repo_id, const std::string& revision,
                                const std::string& commit, const fs::path& dir,
                                const SnapshotCheck& check, bool from_cache) {
  PullResult r;
  r.repo_id = repo_id;
  r.revision = revision;
  r.commit = commit;
  r.snapshot_dir = dir;
  r.from_cache = from_cache;
  r.files = check.files;
  r.size_bytes = check.size_bytes;
  return r;
}

}  // namespace

HubClient::HubClient(HubSettings settings)
    : requester_(std::move(settings)), cache_(requester_.settings().cache_dir) {}

HubErrorContext HubClient::error_context(const std::string& repo_id, const std::string& revision,
                                         const std::string& file) const {
  return HubErrorContext{settings().endpoint, repo_id, revision, file, !settings().token.empty()};
}

void HubClient::require_online(const std::string& repo_id, const std::string& revision) const {
  if (!settings().offline) return;
  throw std::runtime_error(fmt::format(
      "{} (revision {}) is not in the cache at {} and HF_HUB_OFFLINE is set: unset "
      "HF_HUB_OFFLINE to download it",
      repo_id, revision, cache_.root().string()));
}

RepoListing HubClient::list_repo(const std::string& repo_id, const std::string& revision) {
  validate_repo_id(repo_id);
  validate_revision(revision);
  require_online(repo_id, revision);
  const std::string url = fmt::format("{}/api/models/{}/revision/{}", settings().endpoint,
                                      repo_id, percent_encode(revision, false));
  HttpResponse response = requester_.fetch("GET", url);
  if (response.status >= 300) {
    if (response.status < 400) {
      throw std::runtime_error(fmt::format("{}: unexpected redirect to {}", url,
                                           response.header("location")));
    }
    throw std::runtime_error(hub_status_message(response, error_context(repo_id, revision, "")));
  }
  RepoListing listing;
  try {
    const auto info = nlohmann::json::parse(response.body);
    listing.commit = info.at("sha").get<std::string>();
    for (const auto& sibling : info.at("siblings")) {
      listing.files.push_back(sibling.at("rfilename").get<std::string>());
    }
  } catch (const std::exception& e) {
    throw std::runtime_error(fmt::format(
        "{}: not a hub model listing ({}); is HF_ENDPOINT a Hugging Face hub?", url, e.what()));
  }
  validate_cache_key(listing.commit, "commit");
  return listing;
}

RepoFileMetadata HubClient::file_metadata(const std::string& repo_id, const std::string& revision,
                                          const std::string& file) {
  validate_repo_id(repo_id);
  validate_revision(revision);
  validate_repo_path(file, "file name");
  require_online(repo_id, revision);
  const std::string url =
      fmt::format("{}/{}/resolve/{}/{}", settings().endpoint, repo_id,
                  percent_encode(revision, false), percent_encode(file, true));
  // identity: the size must be the file's, not that of a compressed body.
  HttpResponse response = requester_.fetch("HEAD", url, {"Accept-Encoding: identity"});
  if (response.status >= 400) {
    throw std::runtime_error(hub_status_message(response, error_context(repo_id, revision, file)));
  }
  const bool redirected = response.status >= 300 && response.status < 400;
  RepoFileMetadata meta;
  meta.commit = response.header("x-repo-commit");
  std::string etag = response.header("x-linked-etag");
  if (etag.empty()) etag = response.header("etag");
  meta.etag = normalize_etag(etag);
  meta.location = redirected ? response.redirect_url : response.url;
  std::string size = response.header("x-linked-size");
  if (size.empty() && !redirected) size = response.header("content-length");
  meta.size_bytes = parse_size(size, &meta.size_known);
  if (meta.commit.empty() || meta.etag.empty() || meta.location.empty()) {
    throw std::runtime_error(fmt::format(
        "{}: the answer lacks X-Repo-Commit, an ETag or a Location; is HF_ENDPOINT a Hugging "
        "Face hub?",
        url));
  }
  validate_cache_key(meta.commit, "commit");
  validate_cache_key(meta.etag, "etag");
  return meta;
}

PullResult HubClient::pull(const std::string& repo_id, const std::string& revision,
                           const PullProgressFn& progress) {
  validate_repo_id(repo_id);
  validate_revision(revision);

  if (auto commit = cache_.find_commit(repo_id, revision)) {
    const fs::path dir = cache_.snapshot_dir(repo_id, *commit);
    SnapshotCheck check = check_snapshot(dir);
    if (check.complete) return result_from_snapshot(repo_id, revision, *commit, dir, check, true);
    if (settings().offline && fs::exists(dir)) {
      throw std::runtime_error(fmt::format(
          "{} (revision {}) is only partly in the cache ({}) and HF_HUB_OFFLINE is set: unset "
          "HF_HUB_OFFLINE to finish the download",
          repo_id, revision, check.problem));
    }
  }
  require_online(repo_id, revision);

  PullProgress event;
  event.repo_id = repo_id;
  auto emit = [&](PullProgress::Event kind) {
    event.event = kind;
    if (progress) progress(event);
  };
  requester_.set_retry_notice([&](const std::string& why) {
    event.message = why;
    emit(PullProgress::Event::kRetry);
  });
  struct ClearNotice {
    HubRequester& r;
    ~ClearNotice() { r.set_retry_notice({}); }
  } clear_notice{requester_};

  const RepoListing listing = list_repo(repo_id, revision);
  const std::vector<std::string> files = select_model_files(listing.files);
  if (files.empty()) {
    throw std::runtime_error(fmt::format(
        "{} has no model files (config.json, tokenizer, *.safetensors) at revision {}", repo_id,
        revision));
  }
  std::vector<RepoFileMetadata> metas;
  for (const auto& file : files) {
    metas.push_back(file_metadata(repo_id, listing.commit, file));
    if (metas.back().commit != listing.commit) {
      throw std::runtime_error(fmt::format(
          "{} changed while pulling (commit {} then {}): run the pull again", repo_id,
          listing.commit, metas.back().commit));
    }
    event.total_bytes += metas.back().size_bytes;
  }
  event.commit = listing.commit;
  event.num_files = files.size();
  emit(PullProgress::Event::kResolved);

  uint64_t downloaded_bytes = 0;
  for (size_t i = 0; i < files.size(); ++i) {
    const RepoFileMetadata& meta = metas[i];
    event.file = files[i];
    event.file_index = i;
    event.file_total_bytes = meta.size_bytes;
    event.file_done_bytes = 0;
    event.message.clear();
    const uint64_t done_before = event.done_bytes;
    BlobDownload job;
    job.file = files[i];
    job.url = meta.location;
    job.etag = meta.etag;
    job.size_bytes = meta.size_bytes;
    job.size_known = meta.size_known;
    job.blob_path = cache_.blob_path(repo_id, meta.etag);
    job.incomplete_path = cache_.incomplete_path(repo_id, meta.etag);
    job.lock_path = cache_.lock_path(repo_id, meta.etag);
    std::error_code ec;
    event.cached = fs::exists(job.blob_path, ec);
    emit(PullProgress::Event::kFileStart);
    if (!event.cached) {
      downloaded_bytes += download_blob(
          requester_, job,
          [&](uint64_t file_done) {
            event.file_done_bytes = file_done;
            event.done_bytes = done_before + file_done;
            emit(PullProgress::Event::kFileBytes);
          },
          error_context(repo_id, listing.commit, files[i]));
    }
    cache_.link_snapshot_file(repo_id, listing.commit, files[i], meta.etag);
    event.file_done_bytes = meta.size_bytes;
    event.done_bytes = done_before + meta.size_bytes;
    emit(PullProgress::Event::kFileDone);
  }
  if (revision != listing.commit) cache_.write_ref(repo_id, revision, listing.commit);

  const fs::path dir = cache_.snapshot_dir(repo_id, listing.commit);
  PullResult result =
      result_from_snapshot(repo_id, revision, listing.commit, dir, check_snapshot(dir), false);
  result.downloaded_bytes = downloaded_bytes;
  return result;
}

}  // namespace vllmctl
