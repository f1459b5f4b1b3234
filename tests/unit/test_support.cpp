// Implementation of the shared unit-test helpers.
#include "tests/unit/test_support.h"

#include <cstdio>
#include <cstdlib>
#include <fstream>
#include <random>
#include <sstream>
#include <stdexcept>
#include <unistd.h>

namespace vllmctl::test {

namespace fs = std::filesystem;

std::optional<fs::path> fixtures_dir() {
  const char* env = std::getenv("VLLMCTL_FIXTURES");
  fs::path dir = env && *env ? fs::path(env) : fs::path(VLLMCTL_FIXTURES_DIR);
  if (fs::is_directory(dir)) return dir;
  return std::nullopt;
}

std::optional<fs::path> fixture_or_skip(const std::string& sub) {
  auto dir = fixtures_dir();
  if (!dir || !fs::is_directory(*dir / sub)) {
    std::fprintf(stderr,
                 "SKIPPED: fixture folder '%s' not found (expected ../shared/fixtures/%s "
                 "beside the checkout, or set VLLMCTL_FIXTURES)\n",
                 sub.c_str(), sub.c_str());
    return std::nullopt;
  }
  return *dir / sub;
}

fs::path source_dir() { return VLLMCTL_SOURCE_DIR; }
fs::path vllmctl_binary() { return VLLMCTL_BINARY; }

TempDir::TempDir() {
  std::random_device rd;
  for (int attempt = 0; attempt < 16; ++attempt) {
    fs::path candidate = fs::temp_directory_path() /
                         ("vllmctl-test-" + std::to_string(::getpid()) + "-" + std::to_string(rd()));
    if (fs::create_directory(candidate)) {
      path_ = candidate;
      return;
    }
  }
  throw std::runtime_error("could not create a temporary directory");
}

TempDir::~TempDir() {
  std::error_code ec;
  fs::remove_all(path_, ec);
}

std::string read_file(const fs::path& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) throw std::runtime_error("cannot read " + path.string());
  std::ostringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

void write_file(const fs::path& path, const std::string& bytes) {
  if (path.has_parent_path()) fs::create_directories(path.parent_path());
  std::ofstream out(path, std::ios::binary | std::ios::trunc);
  if (!out) throw std::runtime_error("cannot write " + path.string());
  out << bytes;
}

}  // namespace vllmctl::test
