// download_blob: resumable, verified download of one file into blobs/ (see the header).
#include "engine/model/hub_blob_download.h"

#include "engine/model/hub_file_lock.h"
#include "engine/model/hub_names.h"
#include "engine/model/hub_sha256.h"

#include <fmt/format.h>

#include <cerrno>
#include <cinttypes>
#include <cstdio>
#include <cstring>
#include <optional>
#include <system_error>

namespace vllmctl {

namespace fs = std::filesystem;

namespace {

uint64_t size_or_zero(const fs::path& path) {
  std::error_code ec;
  const auto size = fs::file_size(path, ec);
  return ec ? 0 : size;
}

// "bytes START-END/TOTAL" -> START.
std::optional<uint64_t> content_range_start(const std::string& value) {
  uint64_t start = 0;
  if (std::sscanf(value.c_str(), "bytes %" SCNu64 "-", &start) == 1) return start;
  return std::nullopt;
}

// Writes a 2xx body into the .incomplete file: appended after `have_bytes` for a 206
// that starts there, from zero for a 200 (the server ignored the Range).
class IncompleteFileSink : public HttpBodyHandler {
 public:
  IncompleteFileSink(fs::path path, uint64_t have_bytes, const BlobProgressFn& progress)
      : path_(std::move(path)), have_bytes_(have_bytes), progress_(progress) {}
  ~IncompleteFileSink() override { close(); }

  bool begin(const HttpResponse& head) override {
    uint64_t offset = 0;
    if (head.status == 206) {
      auto start = content_range_start(head.header("content-range"));
      if (!start || *start != have_bytes_) {
        range_mismatch_ = true;
        return false;
      }
      offset = have_bytes_;
    }
    return open_at(offset);
  }

  bool write(const char* data, size_t num_bytes) override {
    if (std::fwrite(data, 1, num_bytes, file_) != num_bytes) {
      write_error_ = std::strerror(errno);
      return false;
    }
    written_bytes_ += num_bytes;
    return true;
  }

  void progress(uint64_t received_bytes) override {
    if (progress_) progress_(base_bytes_ + received_bytes);
  }

  // For a 2xx with an empty body, where begin() never ran.
  bool ensure_open(long status) { return file_ != nullptr || open_at(status == 206 ? have_bytes_ : 0); }

  // Flushes and closes; returns false (with write_error()) when the data did not land.
  bool close() {
    if (file_ == nullptr) return write_error_.empty();
    bool ok = std::fflush(file_) == 0;
    if (!ok && write_error_.empty()) write_error_ = std::strerror(errno);
    ok = (std::fclose(file_) == 0) && ok;
    file_ = nullptr;
    return ok && write_error_.empty();
  }

  bool range_mismatch() const { return range_mismatch_; }
  uint64_t written_bytes() const { return written_bytes_; }
  const std::string& write_error() const { return write_error_; }

 private:
  bool open_at(uint64_t offset) {
    file_ = std::fopen(path_.c_str(), offset > 0 ? "ab" : "wb");
    if (file_ == nullptr) {
      write_error_ = std::strerror(errno);
      return false;
    }
    base_bytes_ = offset;
    return true;
  }

  fs::path path_;
  uint64_t have_bytes_;
  const BlobProgressFn& progress_;
  std::FILE* file_ = nullptr;
  uint64_t base_bytes_ = 0;
  uint64_t written_bytes_ = 0;
  bool range_mismatch_ = false;
  std::string write_error_;
};

void remove_quietly(const fs::path& path) {
  std::error_code ignored;
  fs::remove(path, ignored);
}

}  // namespace

uint64_t download_blob(HubRequester& requester, const BlobDownload& job,
                       const BlobProgressFn& progress, const HubErrorContext& context) {
  HubFileLock lock(job.lock_path);
  std::error_code ec;
  if (fs::exists(job.blob_path, ec)) return 0;  // another process finished it meanwhile
  fs::create_directories(job.blob_path.parent_path());

  const HubSettings& settings = requester.settings();
  const int max_attempts = std::max(1, settings.max_attempts);
  uint64_t fetched_bytes = 0;
  bool done = false;
  std::string last_error;

  for (int attempt = 1; attempt <= max_attempts && !done; ++attempt) {
    uint64_t have = size_or_zero(job.incomplete_path);
    if (job.size_known && have > job.size_bytes) {
      remove_quietly(job.incomplete_path);
      have = 0;
    }
    if (job.size_known && have == job.size_bytes && have > 0) {
      done = true;  // finished by an earlier run that stopped before the rename
      break;
    }
    if (progress) progress(have);

    IncompleteFileSink sink(job.incomplete_path, have, progress);
    HttpResponse response;
    std::string url = job.url;
    bool retry = false;
    const HttpResponse* retry_response = nullptr;
    try {
      for (int hops = 0;; ++hops) {
        HttpRequest request;
        request.url = url;
        request.headers = requester.auth_headers(url);
        if (have > 0) request.headers.push_back(fmt::format("Range: bytes={}-", have));
        request.connect_timeout_ms = settings.etag_timeout_ms;
        request.stall_timeout_ms = settings.download_timeout_ms;
        response = requester.session().perform(request, &sink);
        if (response.status < 300 || response.status >= 400) break;
        if (response.redirect_url.empty() || hops >= 10) {
          throw std::runtime_error(
              fmt::format("download of {} failed: bad or endless redirect at {}", job.file, url));
        }
        url = response.redirect_url;
      }
    } catch (const HttpTransportError& e) {
      fetched_bytes += sink.written_bytes();
      if (!sink.close()) {
        throw std::runtime_error(fmt::format("cannot write {}: {}", job.incomplete_path.string(),
                                             sink.write_error()));
      }
      if (sink.range_mismatch()) {
        remove_quietly(job.incomplete_path);  // the server resumed elsewhere: start over
        last_error = fmt::format("{} resumed at the wrong offset", url);
        retry = true;
      } else if (e.transient()) {
        last_error = fmt::format("{}: {}", url, e.what());
        retry = true;
      } else {
        throw std::runtime_error(hub_network_message(url, e.what()));
      }
    }

    if (!retry) {
      if (response.status == 416) {
        remove_quietly(job.incomplete_path);  // our partial file does not fit: start over
        last_error = fmt::format("{} answered HTTP 416 to a resume", url);
        retry = true;
      } else if (is_retryable_status(response.status)) {
        last_error = fmt::format("{} answered HTTP {}", url, response.status);
        retry_response = &response;
        retry = true;
      } else if (response.status >= 400) {
        response.url = url;
        throw std::runtime_error(hub_status_message(response, context));
      } else {
        if (!sink.ensure_open(response.status) || !sink.close()) {
          throw std::runtime_error(fmt::format("cannot write {}: {}",
                                               job.incomplete_path.string(), sink.write_error()));
        }
        const uint64_t now = size_or_zero(job.incomplete_path);
        fetched_bytes += sink.written_bytes();
        if (job.size_known && now < job.size_bytes) {
          last_error = fmt::format("{} ended after {} of {} bytes", url, now, job.size_bytes);
          retry = true;
        } else {
          done = true;
        }
      }
    }
    if (retry && attempt < max_attempts) {
      requester.wait_before_retry(attempt, last_error, retry_response);
    }
  }
  if (!done) {
    throw std::runtime_error(fmt::format(
        "download of {} failed after {} attempts: {} (check the connection, proxy settings or "
        "HF_ENDPOINT; the next pull resumes)",
        job.file, max_attempts, last_error));
  }

  const uint64_t got = size_or_zero(job.incomplete_path);
  if (job.size_known && got != job.size_bytes) {
    remove_quietly(job.incomplete_path);
    throw std::runtime_error(fmt::format(
        "download of {} is {} bytes, expected {}: the partial file was deleted, run the pull again",
        job.file, got, job.size_bytes));
  }
  if (is_sha256_hex(job.etag)) {
    const std::string actual = sha256_file_hex(job.incomplete_path);
    if (actual != job.etag) {
      remove_quietly(job.incomplete_path);
      throw std::runtime_error(fmt::format(
          "checksum mismatch for {}: sha256 {} but the hub says {} (corrupted download deleted; "
          "run the pull again)",
          job.file, actual, job.etag));
    }
  }
  fs::rename(job.incomplete_path, job.blob_path, ec);
  if (ec) {
    throw std::runtime_error(fmt::format("cannot move {} into place: {}",
                                         job.incomplete_path.string(), ec.message()));
  }
  return fetched_bytes;
}

}  // namespace vllmctl
