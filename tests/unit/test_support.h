// Helpers shared by the unit tests: where the shared fixtures are, the built binary,
// scratch directories that clean up after themselves.
#pragma once

#include <filesystem>
#include <optional>
#include <string>

namespace vllmctl::test {

// ../shared/fixtures (or $VLLMCTL_FIXTURES), or nullopt when the folder is absent.
std::optional<std::filesystem::path> fixtures_dir();

// The fixture sub-folder, or nullopt after printing a clear "skipped" message.
// Usage: auto dir = fixture_or_skip("qwen2.5-tokenizer"); if (!dir) return;
std::optional<std::filesystem::path> fixture_or_skip(const std::string& sub);

std::filesystem::path source_dir();
std::filesystem::path vllmctl_binary();

// A fresh empty directory under the system temp dir, removed when this goes away.
class TempDir {
 public:
  TempDir();
  ~TempDir();
  TempDir(const TempDir&) = delete;
  TempDir& operator=(const TempDir&) = delete;
  const std::filesystem::path& path() const { return path_; }
  std::filesystem::path operator/(const std::string& name) const { return path_ / name; }

 private:
  std::filesystem::path path_;
};

std::string read_file(const std::filesystem::path& path);
void write_file(const std::filesystem::path& path, const std::string& bytes);

}  // namespace vllmctl::test
