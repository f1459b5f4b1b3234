// A local Hugging Face hub for tests (cpp-httplib on 127.0.0.1, a free port) that
// speaks the real protocol: the api/models listing, HEAD/GET on resolve/ with
// X-Repo-Commit, X-Linked-Etag and X-Linked-Size, a 302 to a "CDN" route for LFS
// files, Range requests, and error answers with X-Error-Code. It records every
// request and can inject faults (dropped connections, corruption, ignored Range, 503s).
#pragma once

#include <httplib.h>

#include <cstddef>
#include <map>
#include <mutex>
#include <set>
#include <string>
#include <thread>
#include <vector>

namespace vllmctl::test {

struct FakeFile {
  std::string content;
  bool lfs = false;  // served through the CDN redirect, etag = sha256
};

struct FakeCommit {
  std::map<std::string, FakeFile> files;
};

struct FakeRepo {
  std::map<std::string, FakeCommit> commits;      // commit hash -> files
  std::map<std::string, std::string> refs;        // revision name -> commit
  bool gated = false;                              // needs "Bearer <token>" to resolve
};

struct SeenRequest {
  std::string method;
  std::string target;         // raw, still percent-encoded
  std::string authorization;  // "" when absent
  std::string range;
  std::string host;
};

class FakeHub {
 public:
  FakeHub();
  ~FakeHub();
  FakeHub(const FakeHub&) = delete;
  FakeHub& operator=(const FakeHub&) = delete;

  std::string endpoint() const;  // "http://127.0.0.1:PORT"
  int port() const { return port_; }

  void add_repo(const std::string& repo_id, FakeRepo repo);
  // resolve/ requests for `old_id` get a relative 307 to the same path under `new_id`.
  void add_rename(const std::string& old_id, const std::string& new_id);
  void set_token(const std::string& token);      // the one token gated repos accept
  void set_cdn_host(const std::string& host);    // "127.0.0.1" (default) or "localhost"

  // Faults for /cdn/<sha256>:
  void drop_after(const std::string& sha, size_t bytes, int times);  // close mid-body
  void corrupt(const std::string& sha);           // flip a byte, same size
  void ignore_range(const std::string& sha);      // answer 200 + whole body to a Range
  // The next `times` api/models requests answer 503.
  void fail_api(int times);

  std::vector<SeenRequest> requests() const;
  size_t num_requests() const;
  void clear_requests();
  // Requests whose target starts with `prefix`.
  std::vector<SeenRequest> requests_to(const std::string& prefix) const;

  static std::string sha256_hex(const std::string& bytes);
  static std::string git_blob_sha1_hex(const std::string& bytes);

 private:
  void handle(const httplib::Request& req, httplib::Response& res);
  void handle_api(const std::string& path, httplib::Response& res);
  void handle_resolve(const httplib::Request& req, const std::string& path,
                      httplib::Response& res);
  void handle_cdn(const std::string& sha, httplib::Response& res, bool has_range);

  httplib::Server server_;
  std::thread thread_;
  int port_ = 0;

  mutable std::mutex mu_;  // guards everything below
  std::map<std::string, FakeRepo> repos_;
  std::map<std::string, std::string> renames_;
  std::map<std::string, std::string> blobs_;  // sha256 -> content
  std::string token_;
  std::string cdn_host_ = "127.0.0.1";
  std::map<std::string, std::pair<size_t, int>> drops_;
  std::set<std::string> corrupt_;
  std::set<std::string> ignore_range_;
  int api_failures_ = 0;
  std::vector<SeenRequest> seen_;
};

// A 40-hex commit hash made from a seed.
std::string fake_commit(const std::string& seed);

// Deterministic pseudo-random bytes.
std::string fake_bytes(size_t n, unsigned seed);

}  // namespace vllmctl::test
