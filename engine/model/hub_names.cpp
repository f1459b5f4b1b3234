// Validation and encoding of hub names (see hub_names.h for the rules).
#include "engine/model/hub_names.h"

#include <fmt/format.h>

#include <stdexcept>

namespace vllmctl {

namespace {

bool is_name_char(char c) {
  return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
         c == '_' || c == '-' || c == '.';
}

bool is_hex_lower(std::string_view s) {
  for (char c : s) {
    if (!((c >= '0' && c <= '9') || (c >= 'a' && c <= 'f'))) return false;
  }
  return true;
}

void validate_relative_path(std::string_view path, std::string_view what) {
  auto fail = [&](std::string_view why) {
    throw std::runtime_error(fmt::format("invalid {} '{}': {}", what, path, why));
  };
  if (path.empty()) fail("it is empty");
  if (path.front() == '/') fail("it starts with '/'");
  for (char c : path) {
    if (c == '\\') fail("it contains a backslash");
    if (static_cast<unsigned char>(c) < 0x20 || c == 0x7f) fail("it contains a control character");
  }
  size_t start = 0;
  while (start <= path.size()) {
    size_t end = path.find('/', start);
    if (end == std::string_view::npos) end = path.size();
    std::string_view part = path.substr(start, end - start);
    if (part.empty() || part == "." || part == "..") fail("it has an empty, '.' or '..' part");
    start = end + 1;
  }
}

}  // namespace

void validate_repo_id(std::string_view repo_id) {
  auto fail = [&](std::string_view why) {
    throw std::runtime_error(
        fmt::format("invalid model id '{}': {} (expected ORG/NAME, e.g. Qwen/Qwen2.5-0.5B-Instruct)",
                    repo_id, why));
  };
  if (repo_id.empty()) fail("it is empty");
  if (repo_id.size() > 96) fail("it is longer than 96 characters");
  size_t slash = repo_id.find('/');
  if (slash != std::string_view::npos && repo_id.find('/', slash + 1) != std::string_view::npos) {
    fail("it has more than one '/'");
  }
  if (repo_id.find("--") != std::string_view::npos || repo_id.find("..") != std::string_view::npos) {
    fail("it contains '--' or '..'");
  }
  for (std::string_view part : {repo_id.substr(0, slash),
                                slash == std::string_view::npos ? std::string_view("x")
                                                                : repo_id.substr(slash + 1)}) {
    if (part.empty()) fail("a part is empty");
    for (char c : part) {
      if (!is_name_char(c)) fail("only letters, digits, '_', '-' and '.' are allowed");
    }
    if (part.front() == '-' || part.front() == '.' || part.back() == '-' || part.back() == '.') {
      fail("a part starts or ends with '-' or '.'");
    }
  }
}

void validate_revision(std::string_view revision) { validate_relative_path(revision, "revision"); }

void validate_repo_path(std::string_view path, std::string_view what) {
  validate_relative_path(path, what);
}

void validate_cache_key(std::string_view name, std::string_view what) {
  bool ok = !name.empty() && name.size() <= 128 && name != "." && name != "..";
  for (char c : name) ok = ok && is_name_char(c);
  if (!ok) throw std::runtime_error(fmt::format("invalid {} '{}' from the server", what, name));
}

bool is_commit_hash(std::string_view revision) {
  return revision.size() == 40 && is_hex_lower(revision);
}

bool is_sha256_hex(std::string_view etag) { return etag.size() == 64 && is_hex_lower(etag); }

std::string repo_folder_name(std::string_view repo_id) {
  std::string out = "models";
  size_t start = 0;
  while (true) {
    size_t slash = repo_id.find('/', start);
    out += "--";
    out += repo_id.substr(start, slash == std::string_view::npos ? slash : slash - start);
    if (slash == std::string_view::npos) break;
    start = slash + 1;
  }
  return out;
}

std::string repo_id_from_folder(std::string_view folder) {
  constexpr std::string_view kPrefix = "models--";
  if (folder.substr(0, kPrefix.size()) != kPrefix || folder.size() == kPrefix.size()) return {};
  std::string rest(folder.substr(kPrefix.size()));
  std::string out;
  for (size_t i = 0; i < rest.size(); ++i) {
    if (rest.compare(i, 2, "--") == 0) {
      out += '/';
      ++i;
    } else {
      out += rest[i];
    }
  }
  return out;
}

std::string percent_encode(std::string_view text, bool keep_slash) {
  std::string out;
  out.reserve(text.size());
  for (char c : text) {
    if (is_name_char(c) || c == '~' || (keep_slash && c == '/')) {
      out += c;
    } else {
      out += fmt::format("%{:02X}", static_cast<unsigned char>(c));
    }
  }
  return out;
}

std::string normalize_etag(std::string_view etag) {
  while (!etag.empty() && (etag.front() == ' ' || etag.front() == '\t')) etag.remove_prefix(1);
  while (!etag.empty() && (etag.back() == ' ' || etag.back() == '\t')) etag.remove_suffix(1);
  if (etag.substr(0, 2) == "W/") etag.remove_prefix(2);
  if (etag.size() >= 2 && etag.front() == '"' && etag.back() == '"') {
    etag = etag.substr(1, etag.size() - 2);
  }
  return std::string(etag);
}

}  // namespace vllmctl
