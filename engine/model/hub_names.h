// Names on the hub and in its cache: repo ids, revisions, file paths, etags, and the
// URL encodings huggingface_hub uses for them. Every name from a user or a server is
// validated here before it becomes part of a path or URL.
#pragma once

#include <string>
#include <string_view>

namespace vllmctl {

// Throws std::runtime_error unless `repo_id` is "NAME" or "ORG/NAME" with parts made of
// [A-Za-z0-9_.-], no "--" or "..", not starting or ending with '-' or '.', <= 96 chars.
void validate_repo_id(std::string_view repo_id);

// Throws unless `revision` is a usable branch/tag/commit name: non-empty, no
// backslash, control character, leading '/', empty, "." or ".." component.
void validate_revision(std::string_view revision);

// Throws unless `path` is a relative file path inside a repo (same rules as a revision);
// `what` names it in the message ("file name from the server").
void validate_repo_path(std::string_view path, std::string_view what);

// Throws unless `name` is usable as one file name (etags, commits): [A-Za-z0-9._-]+,
// not "." or "..", at most 128 characters.
void validate_cache_key(std::string_view name, std::string_view what);

// True for a full 40-hex commit hash (lower case, as the hub writes them).
bool is_commit_hash(std::string_view revision);

// True for a 64-hex sha256 (an LFS file's etag).
bool is_sha256_hex(std::string_view etag);

// "models--org--name": the repo's folder in the hub cache.
std::string repo_folder_name(std::string_view repo_id);

// The inverse for "models--*" folders; empty when `folder` is not a model folder.
std::string repo_id_from_folder(std::string_view folder);

// Percent-encodes everything except [A-Za-z0-9_.~-] (and '/' when keep_slash), like
// Python's urllib.parse.quote(s, safe="" or "/").
std::string percent_encode(std::string_view text, bool keep_slash);

// Drops a W/ prefix and surrounding quotes from an ETag header value.
std::string normalize_etag(std::string_view etag);

}  // namespace vllmctl
