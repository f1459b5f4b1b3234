// An exclusive advisory lock on a file (flock), held for the object's lifetime, so two
// processes never download the same blob into the same .incomplete file at once.
#pragma once

#include <filesystem>

namespace vllmctl {

class HubFileLock {
 public:
  // Creates the file (and its folders) if needed and blocks until the lock is ours.
  // Throws std::runtime_error when the file cannot be created or locked.
  explicit HubFileLock(const std::filesystem::path& path);
  ~HubFileLock();
  HubFileLock(const HubFileLock&) = delete;
  HubFileLock& operator=(const HubFileLock&) = delete;

 private:
  int fd_ = -1;
};

}  // namespace vllmctl
