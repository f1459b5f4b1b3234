// DecodeGraphs: the CUDA graphs of decode steps, one per batch-size bucket, captured once at
// start-up from a caller-supplied recording of the forward pass (vLLM's CUDA graphs: the
// per-step launch cost of a few hundred small kernels becomes one cudaGraphLaunch).
// A failed capture is not fatal: the graphs are dropped, failure() says why, steps run eagerly.
// REQUIRES: engine thread (capture, launch and clear use the caller's stream).
#pragma once

#include <cuda_runtime.h>

#include <functional>
#include <string>
#include <vector>

namespace vllmctl::cuda {

class DecodeGraphs {
 public:
  // Enqueues the forward pass of a decode step padded to `bucket` rows on the capture
  // stream, reading the step from fixed device addresses: no synchronisation, allocation or
  // host copy (anything that cannot be captured). Throws on a bad launch.
  using Record = std::function<void(int bucket)>;
  // Before each bucket's recording: makes the fixed addresses hold a harmless step of that
  // bucket (all padding) and may synchronise; runs outside capture.
  using Prepare = std::function<void(int bucket)>;

  DecodeGraphs() = default;
  ~DecodeGraphs() { clear(); }
  DecodeGraphs(const DecodeGraphs&) = delete;
  DecodeGraphs& operator=(const DecodeGraphs&) = delete;

  // For each bucket, largest first: prepare(bucket), record(bucket) once eagerly (the warm-up:
  // kernel modules load, cuBLASLt plans are made, so the capture does neither), synchronise,
  // then record(bucket) again under cudaStreamBeginCapture(stream, ThreadLocal) and
  // instantiate. Returns true when every bucket has a graph; on the first failure destroys
  // what it made, leaves the stream out of capture, and returns false with failure() set.
  bool capture(cudaStream_t stream, const std::vector<int>& buckets, const Prepare& prepare,
               const Record& record);

  // True when `bucket` has a graph.
  bool has(int bucket) const;
  // Enqueues bucket's graph on `stream`. Throws std::runtime_error on a launch error.
  // REQUIRES: has(bucket); the fixed addresses hold the step (uploaded earlier on `stream`).
  void launch(int bucket, cudaStream_t stream) const;

  int num_graphs() const { return static_cast<int>(graphs_.size()); }
  double capture_seconds() const { return capture_seconds_; }
  const std::string& failure() const { return failure_; }

  // Destroys every graph; safe to call twice.
  void clear();

 private:
  struct Graph {
    int bucket;
    cudaGraphExec_t exec;
  };
  std::vector<Graph> graphs_;  // ascending bucket
  double capture_seconds_ = 0.0;
  std::string failure_;
};

}  // namespace vllmctl::cuda
