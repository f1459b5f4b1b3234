// DecodeGraphs: warm-up, capture, instantiation and replay of the decode steps' CUDA graphs.
#include "engine/backend/cuda/decode_graphs.h"

#include <fmt/format.h>

#include <algorithm>
#include <chrono>
#include <functional>
#include <stdexcept>

namespace vllmctl::cuda {

namespace {

void graph_ok(cudaError_t err, const std::string& what) {
  if (err != cudaSuccess) {
    throw std::runtime_error(
        fmt::format("{}: {} ({})", what, cudaGetErrorString(err), cudaGetErrorName(err)));
  }
}

// Ends a capture that an error interrupted so that the stream takes eager launches again;
// the partial graph is dropped, and the (non-sticky) error with it.
void abandon_capture(cudaStream_t stream) {
  cudaStreamCaptureStatus status = cudaStreamCaptureStatusNone;
  if (cudaStreamIsCapturing(stream, &status) == cudaSuccess &&
      status != cudaStreamCaptureStatusNone) {
    cudaGraph_t partial = nullptr;
    cudaStreamEndCapture(stream, &partial);
    if (partial) cudaGraphDestroy(partial);
  }
  cudaGetLastError();
}

}  // namespace

bool DecodeGraphs::capture(cudaStream_t stream, const std::vector<int>& buckets,
                           const Prepare& prepare, const Record& record) {
  clear();
  failure_.clear();
  capture_seconds_ = 0.0;
  const auto start = std::chrono::steady_clock::now();
  std::vector<int> order(buckets);
  std::sort(order.begin(), order.end(), std::greater<>());  // vLLM's order: largest first
  int bucket = 0;
  try {
    for (int b : order) {
      bucket = b;
      prepare(bucket);
      record(bucket);  // the warm-up, eager
      graph_ok(cudaGetLastError(), "warm-up launch");
      graph_ok(cudaStreamSynchronize(stream), "warm-up");
      graph_ok(cudaStreamBeginCapture(stream, cudaStreamCaptureModeThreadLocal),
               "cudaStreamBeginCapture");
      try {
        record(bucket);
      } catch (...) {
        abandon_capture(stream);
        throw;
      }
      cudaGraph_t graph = nullptr;
      const cudaError_t ended = cudaStreamEndCapture(stream, &graph);
      if (ended != cudaSuccess && graph) cudaGraphDestroy(graph);
      graph_ok(ended, "cudaStreamEndCapture");
      cudaGraphExec_t exec = nullptr;
      const cudaError_t made = cudaGraphInstantiate(&exec, graph, 0);
      cudaGraphDestroy(graph);
      graph_ok(made, "cudaGraphInstantiate");
      graphs_.push_back({bucket, exec});
      graph_ok(cudaGetLastError(), "capture");
      // One replay over the all-padding step prepare() left: the graph runs (and is uploaded
      // to the device) before a request depends on it.
      graph_ok(cudaGraphLaunch(exec, stream), "cudaGraphLaunch");
      graph_ok(cudaStreamSynchronize(stream), "first replay");
    }
  } catch (const std::exception& e) {
    failure_ = fmt::format("batch size {}: {}", bucket, e.what());
    abandon_capture(stream);
    clear();
    return false;
  }
  std::sort(graphs_.begin(), graphs_.end(),
            [](const Graph& a, const Graph& b) { return a.bucket < b.bucket; });
  capture_seconds_ =
      std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  return true;
}

bool DecodeGraphs::has(int bucket) const {
  return std::any_of(graphs_.begin(), graphs_.end(),
                     [bucket](const Graph& g) { return g.bucket == bucket; });
}

void DecodeGraphs::launch(int bucket, cudaStream_t stream) const {
  const auto it = std::find_if(graphs_.begin(), graphs_.end(),
                               [bucket](const Graph& g) { return g.bucket == bucket; });
  if (it == graphs_.end())
    throw std::logic_error(fmt::format("no decode graph for batch size {}", bucket));
  graph_ok(cudaGraphLaunch(it->exec, stream),
           fmt::format("cudaGraphLaunch (decode batch size {})", bucket));
}

void DecodeGraphs::clear() {
  for (const Graph& g : graphs_) cudaGraphExecDestroy(g.exec);
  graphs_.clear();
}

}  // namespace vllmctl::cuda
