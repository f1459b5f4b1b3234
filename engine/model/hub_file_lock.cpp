// HubFileLock over flock(2); the lock goes away with the descriptor, even on a crash.
#include "engine/model/hub_file_lock.h"

#include <fcntl.h>
#include <fmt/format.h>
#include <sys/file.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <stdexcept>

namespace vllmctl {

HubFileLock::HubFileLock(const std::filesystem::path& path) {
  std::filesystem::create_directories(path.parent_path());
  fd_ = ::open(path.c_str(), O_RDWR | O_CREAT | O_CLOEXEC, 0644);
  if (fd_ < 0) {
    throw std::runtime_error(
        fmt::format("cannot create lock file {}: {}", path.string(), std::strerror(errno)));
  }
  int rc;
  do {
    rc = ::flock(fd_, LOCK_EX);
  } while (rc != 0 && errno == EINTR);
  if (rc != 0) {
    const int err = errno;
    ::close(fd_);
    throw std::runtime_error(
        fmt::format("cannot lock {}: {}", path.string(), std::strerror(err)));
  }
}

HubFileLock::~HubFileLock() {
  if (fd_ >= 0) ::close(fd_);
}

}  // namespace vllmctl
