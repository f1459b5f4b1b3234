// FakeHub: the local test hub (see fake_hub.h).
#include "tests/unit/hub/fake_hub.h"

#include <fmt/format.h>
#include <nlohmann/json.hpp>
#include <openssl/evp.h>

#include <chrono>
#include <memory>
#include <random>
#include <stdexcept>

namespace vllmctl::test {

namespace {

std::string digest_hex(const EVP_MD* md, const std::string& bytes) {
  unsigned char out[EVP_MAX_MD_SIZE];
  unsigned int len = 0;
  EVP_Digest(bytes.data(), bytes.size(), out, &len, md, nullptr);
  std::string hex;
  for (unsigned int i = 0; i < len; ++i) hex += fmt::format("{:02x}", out[i]);
  return hex;
}

std::string percent_decode(const std::string& s) {
  std::string out;
  for (size_t i = 0; i < s.size(); ++i) {
    if (s[i] == '%' && i + 2 < s.size()) {
      out += static_cast<char>(std::stoi(s.substr(i + 1, 2), nullptr, 16));
      i += 2;
    } else {
      out += s[i];
    }
  }
  return out;
}

void error(httplib::Response& res, int status, const std::string& code, const std::string& text) {
  res.status = status;
  if (!code.empty()) res.set_header("X-Error-Code", code);
  res.set_content(nlohmann::json{{"error", text}}.dump(), "application/json");
}

}  // namespace

std::string fake_commit(const std::string& seed) {
  return FakeHub::git_blob_sha1_hex("commit " + seed);
}

std::string fake_bytes(size_t n, unsigned seed) {
  std::mt19937 rng(seed);
  std::string out(n, '\0');
  for (auto& c : out) c = static_cast<char>(rng() & 0xff);
  return out;
}

std::string FakeHub::sha256_hex(const std::string& bytes) { return digest_hex(EVP_sha256(), bytes); }

std::string FakeHub::git_blob_sha1_hex(const std::string& bytes) {
  return digest_hex(EVP_sha1(), fmt::format("blob {}", bytes.size()) + '\0' + bytes);
}

FakeHub::FakeHub() {
  server_.set_tcp_nodelay(true);
  server_.set_read_timeout(5, 0);
  server_.set_write_timeout(5, 0);
  server_.Get(".*", [this](const httplib::Request& req, httplib::Response& res) { handle(req, res); });
  port_ = server_.bind_to_any_port("127.0.0.1");
  if (port_ <= 0) throw std::runtime_error("FakeHub: cannot bind 127.0.0.1");
  thread_ = std::thread([this] { server_.listen_after_bind(); });
  // stop() before the loop runs would be lost and join() would wait forever.
  for (int i = 0; i < 500 && !server_.is_running(); ++i) {
    std::this_thread::sleep_for(std::chrono::milliseconds(10));
  }
  if (!server_.is_running()) throw std::runtime_error("FakeHub: the server did not start");
}

FakeHub::~FakeHub() {
  server_.stop();
  thread_.join();
}

std::string FakeHub::endpoint() const { return fmt::format("http://127.0.0.1:{}", port_); }

void FakeHub::add_repo(const std::string& repo_id, FakeRepo repo) {
  std::lock_guard lock(mu_);
  for (const auto& [commit, c] : repo.commits) {
    for (const auto& [name, file] : c.files) {
      if (file.lfs) blobs_[sha256_hex(file.content)] = file.content;
    }
  }
  repos_[repo_id] = std::move(repo);
}

void FakeHub::add_rename(const std::string& old_id, const std::string& new_id) {
  std::lock_guard lock(mu_);
  renames_[old_id] = new_id;
}

void FakeHub::set_token(const std::string& token) {
  std::lock_guard lock(mu_);
  token_ = token;
}

void FakeHub::set_cdn_host(const std::string& host) {
  std::lock_guard lock(mu_);
  cdn_host_ = host;
}

void FakeHub::drop_after(const std::string& sha, size_t bytes, int times) {
  std::lock_guard lock(mu_);
  drops_[sha] = {bytes, times};
}

void FakeHub::corrupt(const std::string& sha) {
  std::lock_guard lock(mu_);
  corrupt_.insert(sha);
}

void FakeHub::ignore_range(const std::string& sha) {
  std::lock_guard lock(mu_);
  ignore_range_.insert(sha);
}

void FakeHub::fail_api(int times) {
  std::lock_guard lock(mu_);
  api_failures_ = times;
}

std::vector<SeenRequest> FakeHub::requests() const {
  std::lock_guard lock(mu_);
  return seen_;
}

size_t FakeHub::num_requests() const {
  std::lock_guard lock(mu_);
  return seen_.size();
}

void FakeHub::clear_requests() {
  std::lock_guard lock(mu_);
  seen_.clear();
}

std::vector<SeenRequest> FakeHub::requests_to(const std::string& prefix) const {
  std::vector<SeenRequest> out;
  for (auto& r : requests()) {
    if (r.target.rfind(prefix, 0) == 0) out.push_back(r);
  }
  return out;
}

void FakeHub::handle(const httplib::Request& req, httplib::Response& res) {
  const std::string path = req.target.substr(0, req.target.find('?'));
  {
    std::lock_guard lock(mu_);
    seen_.push_back({req.method, req.target, req.get_header_value("Authorization"),
                     req.get_header_value("Range"), req.get_header_value("Host")});
  }
  if (path.rfind("/api/models/", 0) == 0) {
    handle_api(path.substr(12), res);
  } else if (path.rfind("/cdn/", 0) == 0) {
    handle_cdn(path.substr(5), res, req.has_header("Range"));
  } else if (path.find("/resolve/") != std::string::npos) {
    handle_resolve(req, path, res);
  } else {
    error(res, 404, "", "no such route");
  }
}

void FakeHub::handle_api(const std::string& rest, httplib::Response& res) {
  std::lock_guard lock(mu_);
  if (api_failures_ > 0) {
    --api_failures_;
    error(res, 503, "", "try again later");
    return;
  }
  const size_t pos = rest.find("/revision/");
  const std::string repo_id = rest.substr(0, pos);
  const std::string revision = pos == std::string::npos ? "main" : percent_decode(rest.substr(pos + 10));
  auto repo = repos_.find(repo_id);
  if (repo == repos_.end()) return error(res, 404, "RepoNotFound", "Repository not found");
  std::string commit = revision;
  if (auto ref = repo->second.refs.find(revision); ref != repo->second.refs.end()) commit = ref->second;
  auto c = repo->second.commits.find(commit);
  if (c == repo->second.commits.end()) {
    return error(res, 404, "RevisionNotFound", "Invalid rev id: " + revision);
  }
  nlohmann::json siblings = nlohmann::json::array();
  for (const auto& [name, file] : c->second.files) siblings.push_back({{"rfilename", name}});
  res.set_content(nlohmann::json{{"id", repo_id}, {"sha", commit}, {"siblings", siblings}}.dump(),
                  "application/json");
}

void FakeHub::handle_resolve(const httplib::Request& req, const std::string& path,
                             httplib::Response& res) {
  std::lock_guard lock(mu_);
  const size_t pos = path.find("/resolve/");
  const std::string repo_id = path.substr(1, pos - 1);
  const std::string rest = path.substr(pos + 9);
  if (auto renamed = renames_.find(repo_id); renamed != renames_.end()) {
    res.status = 307;
    res.set_header("Location", "/" + renamed->second + "/resolve/" + rest);
    return;
  }
  const size_t slash = rest.find('/');
  const std::string revision = percent_decode(rest.substr(0, slash));
  const std::string file = slash == std::string::npos ? "" : percent_decode(rest.substr(slash + 1));
  auto repo = repos_.find(repo_id);
  if (repo == repos_.end()) return error(res, 404, "RepoNotFound", "Repository not found");
  if (repo->second.gated) {
    const std::string auth = req.get_header_value("Authorization");
    if (auth.empty()) return error(res, 401, "GatedRepo", "Access to model is restricted");
    if (auth != "Bearer " + token_) return error(res, 403, "GatedRepo", "Not in the authorized list");
  }
  std::string commit = revision;
  if (auto ref = repo->second.refs.find(revision); ref != repo->second.refs.end()) commit = ref->second;
  auto c = repo->second.commits.find(commit);
  if (c == repo->second.commits.end()) {
    return error(res, 404, "RevisionNotFound", "Invalid rev id: " + revision);
  }
  res.set_header("X-Repo-Commit", commit);
  auto f = c->second.files.find(file);
  if (f == c->second.files.end()) return error(res, 404, "EntryNotFound", "Entry not found");
  if (f->second.lfs) {
    const std::string sha = sha256_hex(f->second.content);
    res.status = 302;
    res.set_header("Location", fmt::format("http://{}:{}/cdn/{}", cdn_host_, port_, sha));
    res.set_header("X-Linked-Etag", "\"" + sha + "\"");
    res.set_header("X-Linked-Size", std::to_string(f->second.content.size()));
    res.set_header("ETag", "\"" + git_blob_sha1_hex("pointer " + sha) + "\"");  // the pointer's
    return;
  }
  res.set_header("ETag", "\"" + git_blob_sha1_hex(f->second.content) + "\"");
  res.set_content(f->second.content, "application/octet-stream");
}

void FakeHub::handle_cdn(const std::string& sha, httplib::Response& res, bool has_range) {
  std::lock_guard lock(mu_);
  auto blob = blobs_.find(sha);
  if (blob == blobs_.end()) return error(res, 404, "", "no such blob");
  auto content = std::make_shared<std::string>(blob->second);
  if (corrupt_.count(sha) && !content->empty()) (*content)[content->size() / 2] ^= 0x5a;
  res.set_header("Accept-Ranges", "bytes");
  if (has_range && ignore_range_.count(sha)) {
    res.status = 200;  // a chunked body: httplib cannot cut a Range out of it
    res.set_chunked_content_provider("application/octet-stream",
                                     [content](size_t offset, httplib::DataSink& sink) {
                                       if (offset < content->size()) {
                                         sink.write(content->data() + offset, content->size() - offset);
                                       } else {
                                         sink.done();
                                       }
                                       return true;
                                     });
    return;
  }
  size_t stop_at = content->size();
  if (auto d = drops_.find(sha); d != drops_.end() && d->second.second > 0) {
    --d->second.second;
    stop_at = d->second.first;
  }
  // httplib applies a Range header to this provider (206 + Content-Range) by itself.
  res.set_content_provider(content->size(), "application/octet-stream",
                           [content, stop_at](size_t offset, size_t length, httplib::DataSink& sink) {
                             if (offset >= stop_at) return false;  // drop the connection
                             const size_t n = std::min(length, stop_at - offset);
                             sink.write(content->data() + offset, n);
                             return true;
                           });
}

}  // namespace vllmctl::test
