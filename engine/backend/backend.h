// Backend: runs the model over one ForwardBatch and returns the logits the step samples
// from. The CPU backend is the reference; the CUDA backend implements the same calls.
// REQUIRES: engine thread (one call at a time).
#pragma once

#include "engine/core/forward_batch.h"

#include <span>
#include <string>

namespace vllmctl {

class Backend {
 public:
  virtual ~Backend() = default;

  // Writes the KV of every batch token into the cache and returns logits for
  // batch.sample_rows, row-major [sample_rows.size(), vocab_size()]; the span stays
  // valid until the next call.
  virtual std::span<float> forward(const ForwardBatch& batch) = 0;

  virtual int vocab_size() const = 0;
  virtual int num_kv_blocks() const = 0;
  virtual int block_size() const = 0;
  // "cpu (OpenBLAS, 2 threads)" / "cuda (NVIDIA H200, bf16)": for logs and /version.
  virtual std::string describe() const = 0;
};

}  // namespace vllmctl
