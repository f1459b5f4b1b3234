// OutputStream: a mutex, a condition variable and a queue.
#include "engine/runtime/output_stream.h"

namespace vllmctl {

void OutputStream::push(RequestOutput output) {
  {
    std::lock_guard lock(mutex_);
    if (output.finished) --open_samples_;
    queue_.push_back(std::move(output));
  }
  cv_.notify_all();
}

std::optional<RequestOutput> OutputStream::next(std::chrono::milliseconds timeout) {
  std::unique_lock lock(mutex_);
  cv_.wait_for(lock, timeout, [&] { return !queue_.empty() || open_samples_ <= 0; });
  if (queue_.empty()) return std::nullopt;
  RequestOutput out = std::move(queue_.front());
  queue_.pop_front();
  return out;
}

bool OutputStream::done() const {
  std::lock_guard lock(mutex_);
  return queue_.empty() && open_samples_ <= 0;
}

}  // namespace vllmctl
