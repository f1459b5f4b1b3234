// Downloads one file into the cache's blobs/ folder the way huggingface_hub does:
// GET into blobs/<etag>.incomplete (resuming with Range), retries, size and sha256
// checks, then an atomic rename to blobs/<etag>. Only complete, verified files ever
// appear under their etag.
#pragma once

#include "engine/model/hub_errors.h"
#include "engine/model/hub_requester.h"

#include <cstdint>
#include <filesystem>
#include <functional>
#include <string>

namespace vllmctl {

struct BlobDownload {
  std::string file;                  // the repo path, for messages
  std::string url;                   // where to GET (the HEAD's Location or resolve URL)
  std::string etag;                  // normalized; a 64-hex etag is checked as sha256
  uint64_t size_bytes = 0;           // expected size when size_known
  bool size_known = false;
  std::filesystem::path blob_path;   // blobs/<etag>
  std::filesystem::path incomplete_path;
  std::filesystem::path lock_path;
};

// Bytes of this file on disk so far (resumed bytes included).
using BlobProgressFn = std::function<void(uint64_t done_bytes)>;

// Makes `job.blob_path` exist with verified contents, unless it already does.
// Redirects are followed (Authorization only to the hub's host). A partial
// .incomplete from an earlier run is resumed with `Range: bytes=N-`; a 200 answer to
// that restarts from zero. Retries 408/429/5xx and transient failures up to
// max_attempts, resuming each time. On a size or sha256 mismatch the partial file is
// deleted and a std::runtime_error says so; other errors keep it for the next run.
// Returns the number of bytes fetched over the network.
uint64_t download_blob(HubRequester& requester, const BlobDownload& job,
                       const BlobProgressFn& progress, const HubErrorContext& context);

}  // namespace vllmctl
