// make_cuda_backend: the CUDA backend when this build has one (engine/backend/cuda/), else
// a clear error (engine/backend/nocuda/). Plain C++ so the engine loader needs no CUDA.
#pragma once

#include "engine/backend/backend.h"
#include "engine/model/model_dir.h"

#include <functional>
#include <memory>
#include <string>

namespace vllmctl {

struct CudaBackendOptions {
  int device = 0;
  int block_size = 16;
  int max_num_batched_tokens = 2048;  // the largest step forward() accepts
  int max_num_seqs = 256;
  int max_model_len = 4096;
  double gpu_memory_utilization = 0.9;  // of total device memory, weights + activations + KV
  int num_kv_blocks = 0;                // > 0: exactly this many (tests), else from the line above
  bool enforce_eager = false;           // true: no CUDA graphs, every step launched kernel by kernel
  // Start-up lines (graph capture, or why it failed) for the server's log; null: silent
  // (the self-check's throw-away backend).
  std::function<void(const std::string&)> log;
};

// True when the CUDA backend is compiled into this binary.
bool cuda_backend_built();

// Empty when the CUDA backend can run a model of this shape, else why not (a sentence).
std::string cuda_model_unsupported(const ModelConfig& config);

// Uploads the weights (bf16) and allocates the KV cache. Throws std::runtime_error on an
// unsupported model, when the model does not fit, or when the build has no CUDA backend.
std::unique_ptr<Backend> make_cuda_backend(const ModelDir& model, const CudaBackendOptions& options);

}  // namespace vllmctl
