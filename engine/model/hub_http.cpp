// HttpSession over libcurl's easy interface (see hub_http.h for the contract).
#include "engine/model/hub_http.h"

#include <curl/curl.h>
#include <fmt/format.h>

#include <algorithm>
#include <cctype>
#include <mutex>

namespace vllmctl {

namespace {

constexpr size_t kMaxErrorBodyBytes = 64u << 10;

void global_init_once() {
  static std::once_flag once;
  std::call_once(once, [] { curl_global_init(CURL_GLOBAL_DEFAULT); });
}

std::string lower(std::string s) {
  std::transform(s.begin(), s.end(), s.begin(), [](unsigned char c) { return std::tolower(c); });
  return s;
}

std::string trim(std::string_view s) {
  while (!s.empty() && std::isspace(static_cast<unsigned char>(s.front()))) s.remove_prefix(1);
  while (!s.empty() && std::isspace(static_cast<unsigned char>(s.back()))) s.remove_suffix(1);
  return std::string(s);
}

bool is_transient(CURLcode code) {
  switch (code) {
    case CURLE_COULDNT_RESOLVE_HOST:
    case CURLE_COULDNT_RESOLVE_PROXY:
    case CURLE_COULDNT_CONNECT:
    case CURLE_OPERATION_TIMEDOUT:
    case CURLE_PARTIAL_FILE:
    case CURLE_RECV_ERROR:
    case CURLE_SEND_ERROR:
    case CURLE_GOT_NOTHING:
    case CURLE_SSL_CONNECT_ERROR:
    case CURLE_HTTP2:
    case CURLE_HTTP2_STREAM:
      return true;
    default:
      return false;
  }
}

// State shared with curl's callbacks during one perform().
struct Transfer {
  CURL* curl = nullptr;
  HttpResponse* response = nullptr;
  HttpBodyHandler* handler = nullptr;
  size_t max_body_bytes = 0;
  bool began = false;
  bool aborted_by_handler = false;
  bool body_too_large = false;
};

size_t on_header(char* data, size_t size, size_t count, void* user) {
  auto* t = static_cast<Transfer*>(user);
  std::string_view line(data, size * count);
  if (line.substr(0, 5) == "HTTP/") {
    t->response->headers.clear();  // a new response (after 100 Continue, a proxy, ...)
    return line.size();
  }
  size_t colon = line.find(':');
  if (colon != std::string_view::npos) {
    t->response->headers[lower(trim(line.substr(0, colon)))] = trim(line.substr(colon + 1));
  }
  return line.size();
}

size_t on_body(char* data, size_t size, size_t count, void* user) {
  auto* t = static_cast<Transfer*>(user);
  const size_t n = size * count;
  long status = 0;
  curl_easy_getinfo(t->curl, CURLINFO_RESPONSE_CODE, &status);
  const bool success = status >= 200 && status < 300;
  if (success && t->handler != nullptr) {
    if (!t->began) {
      t->began = true;
      t->response->status = status;
      if (!t->handler->begin(*t->response)) {
        t->aborted_by_handler = true;
        return 0;
      }
    }
    if (!t->handler->write(data, n)) {
      t->aborted_by_handler = true;
      return 0;
    }
    return n;
  }
  const size_t cap = success ? t->max_body_bytes : kMaxErrorBodyBytes;
  std::string& body = t->response->body;
  if (body.size() + n > cap) {
    if (success) {
      t->body_too_large = true;
      return 0;
    }
    body.append(data, cap - body.size());  // keep the start of a long error page
    return n;
  }
  body.append(data, n);
  return n;
}

int on_progress(void* user, curl_off_t, curl_off_t dlnow, curl_off_t, curl_off_t) {
  auto* t = static_cast<Transfer*>(user);
  if (t->handler != nullptr && t->began) t->handler->progress(static_cast<uint64_t>(dlnow));
  return 0;
}

}  // namespace

std::string HttpResponse::header(std::string_view name) const {
  auto it = headers.find(std::string(name));
  return it == headers.end() ? std::string() : it->second;
}

HttpSession::HttpSession(std::string user_agent) : user_agent_(std::move(user_agent)) {
  global_init_once();
  curl_ = curl_easy_init();
  if (curl_ == nullptr) throw std::runtime_error("libcurl: cannot create a session");
}

HttpSession::~HttpSession() { curl_easy_cleanup(static_cast<CURL*>(curl_)); }

HttpResponse HttpSession::perform(const HttpRequest& request, HttpBodyHandler* handler,
                                  size_t max_body_bytes) {
  CURL* curl = static_cast<CURL*>(curl_);
  curl_easy_reset(curl);  // keeps the connection cache

  HttpResponse response;
  response.url = request.url;
  Transfer t;
  t.curl = curl;
  t.response = &response;
  t.handler = handler;
  t.max_body_bytes = max_body_bytes;

  curl_slist* headers = nullptr;
  for (const auto& h : request.headers) headers = curl_slist_append(headers, h.c_str());
  char error_text[CURL_ERROR_SIZE] = {0};

  curl_easy_setopt(curl, CURLOPT_URL, request.url.c_str());
#if LIBCURL_VERSION_NUM >= 0x075500
  curl_easy_setopt(curl, CURLOPT_PROTOCOLS_STR, "http,https");
#else
  curl_easy_setopt(curl, CURLOPT_PROTOCOLS, CURLPROTO_HTTP | CURLPROTO_HTTPS);
#endif
  curl_easy_setopt(curl, CURLOPT_NOSIGNAL, 1L);
  curl_easy_setopt(curl, CURLOPT_FOLLOWLOCATION, 0L);
  curl_easy_setopt(curl, CURLOPT_USERAGENT, user_agent_.c_str());
  curl_easy_setopt(curl, CURLOPT_HTTPHEADER, headers);
  curl_easy_setopt(curl, CURLOPT_ERRORBUFFER, error_text);
  curl_easy_setopt(curl, CURLOPT_CONNECTTIMEOUT_MS, static_cast<long>(request.connect_timeout_ms));
  if (request.total_timeout_ms > 0) {
    curl_easy_setopt(curl, CURLOPT_TIMEOUT_MS, static_cast<long>(request.total_timeout_ms));
  }
  if (request.stall_timeout_ms > 0) {
    curl_easy_setopt(curl, CURLOPT_LOW_SPEED_LIMIT, 1L);
    curl_easy_setopt(curl, CURLOPT_LOW_SPEED_TIME,
                     std::max(1L, static_cast<long>((request.stall_timeout_ms + 999) / 1000)));
  }
  if (request.method == "HEAD") {
    curl_easy_setopt(curl, CURLOPT_NOBODY, 1L);
  } else if (request.method == "POST") {
    curl_easy_setopt(curl, CURLOPT_POSTFIELDS, request.body.data());
    curl_easy_setopt(curl, CURLOPT_POSTFIELDSIZE_LARGE, static_cast<curl_off_t>(request.body.size()));
  } else if (request.method != "GET") {
    curl_slist_free_all(headers);
    throw std::invalid_argument("HttpSession: only GET, HEAD and POST are supported");
  }
  curl_easy_setopt(curl, CURLOPT_HEADERFUNCTION, on_header);
  curl_easy_setopt(curl, CURLOPT_HEADERDATA, &t);
  curl_easy_setopt(curl, CURLOPT_WRITEFUNCTION, on_body);
  curl_easy_setopt(curl, CURLOPT_WRITEDATA, &t);
  curl_easy_setopt(curl, CURLOPT_NOPROGRESS, 0L);
  curl_easy_setopt(curl, CURLOPT_XFERINFOFUNCTION, on_progress);
  curl_easy_setopt(curl, CURLOPT_XFERINFODATA, &t);

  const CURLcode code = curl_easy_perform(curl);
  curl_slist_free_all(headers);
  curl_easy_getinfo(curl, CURLINFO_RESPONSE_CODE, &response.status);

  if (code != CURLE_OK) {
    if (t.aborted_by_handler) {
      throw HttpTransportError(fmt::format("download from {} was stopped", request.url), code,
                               false);
    }
    if (t.body_too_large) {
      throw HttpTransportError(
          fmt::format("response from {} is larger than {} bytes", request.url, max_body_bytes),
          code, false);
    }
    std::string detail = error_text[0] != '\0' ? error_text : curl_easy_strerror(code);
    throw HttpTransportError(detail, code, is_transient(code));
  }
  if (response.status >= 300 && response.status < 400) {
    char* target = nullptr;
    if (curl_easy_getinfo(curl, CURLINFO_REDIRECT_URL, &target) == CURLE_OK && target) {
      response.redirect_url = target;
    }
  }
  return response;
}

std::string url_origin(const std::string& url) {
  CURLU* u = curl_url();
  if (u == nullptr) throw std::runtime_error("libcurl: out of memory");
  std::string out;
  char* scheme = nullptr;
  char* host = nullptr;
  char* port = nullptr;
  bool ok = curl_url_set(u, CURLUPART_URL, url.c_str(), 0) == CURLUE_OK &&
            curl_url_get(u, CURLUPART_SCHEME, &scheme, 0) == CURLUE_OK &&
            curl_url_get(u, CURLUPART_HOST, &host, 0) == CURLUE_OK &&
            curl_url_get(u, CURLUPART_PORT, &port, CURLU_DEFAULT_PORT) == CURLUE_OK;
  if (ok) out = lower(fmt::format("{}://{}:{}", scheme, host, port));
  curl_free(scheme);
  curl_free(host);
  curl_free(port);
  curl_url_cleanup(u);
  if (!ok) throw std::runtime_error(fmt::format("invalid URL '{}'", url));
  return out;
}

bool is_relative_location(std::string_view location) {
  if (location.substr(0, 2) == "//") return false;
  for (size_t i = 0; i < location.size(); ++i) {
    char c = location[i];
    if (c == ':') return i == 0;  // "scheme:" makes it absolute
    if (!(std::isalnum(static_cast<unsigned char>(c)) || c == '+' || c == '-' || c == '.')) {
      return true;
    }
  }
  return true;
}

}  // namespace vllmctl
