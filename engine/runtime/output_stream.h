// OutputStream: the channel from the engine thread to the thread that serves one request.
// Thread-safe: the engine pushes, the reader pops (blocking with a timeout).
#pragma once

#include "engine/runtime/engine_request.h"

#include <chrono>
#include <condition_variable>
#include <deque>
#include <mutex>
#include <optional>

namespace vllmctl {

class OutputStream {
 public:
  OutputStream(uint64_t request_id, int num_samples) : id_(request_id), open_samples_(num_samples) {}

  uint64_t request_id() const { return id_; }

  // REQUIRES: engine thread.
  void push(RequestOutput output);

  // The next update, waiting up to `timeout`; nullopt on timeout or when every sample
  // has finished and everything was read (then done() is true).
  std::optional<RequestOutput> next(std::chrono::milliseconds timeout);
  bool done() const;

 private:
  const uint64_t id_;
  mutable std::mutex mutex_;
  std::condition_variable cv_;
  std::deque<RequestOutput> queue_;  // guarded by mutex_
  int open_samples_;                 // guarded by mutex_: samples not finished yet
};

}  // namespace vllmctl
