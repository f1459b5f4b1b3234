// The stack's templates and dashboards, compiled into the binary (templates/ and assets/
// of the source tree, by cmake/embed_files.cmake), so an installed vllmctl renders the
// stack without the source tree.
#pragma once

#include <optional>
#include <string_view>
#include <vector>

namespace vllmctl {

struct EmbeddedFile {
  std::string_view path;     // relative to the source tree: "templates/...", "assets/..."
  std::string_view content;
};

// Sorted by path.
const std::vector<EmbeddedFile>& embedded_files();

// The file at `path`, or nullopt.
inline std::optional<std::string_view> embedded_file(std::string_view path) {
  for (const EmbeddedFile& f : embedded_files()) {
    if (f.path == path) return f.content;
  }
  return std::nullopt;
}

// The files whose path starts with `dir` ("assets/dashboards/"), in path order.
inline std::vector<EmbeddedFile> embedded_files_under(std::string_view dir) {
  std::vector<EmbeddedFile> out;
  for (const EmbeddedFile& f : embedded_files()) {
    if (f.path.substr(0, dir.size()) == dir) out.push_back(f);
  }
  return out;
}

}  // namespace vllmctl
