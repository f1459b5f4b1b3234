// Backend: runs the model over one ForwardBatch and returns the logits the step samples
// from. The CPU backend is the reference; the CUDA backend implements the same calls.
// REQUIRES: engine thread (one call at a time).
#pragma once

#include "engine/core/forward_batch.h"
#include "engine/core/sampler.h"
#include "engine/core/sampling_params.h"

#include <span>
#include <stdexcept>
#include <string>
#include <vector>

namespace vllmctl {

// One sampled row of a step that the backend samples where its logits are (the GPU).
struct BackendSampleRow {
  int row = 0;                              // index into the step's sample_rows
  const SamplingParams* params = nullptr;
  SequenceTokens tokens;                    // prompt and output so far (penalties, min_tokens)
  double uniform = 0.0;                     // the draw in [0, 1), from the request's generator; unused when greedy
};

struct DeviceSampling {
  std::vector<BackendSampleRow> rows;       // sampled by the backend
  std::vector<int32_t> host_rows;           // rows whose logits come back to the host, ascending
  std::span<const TokenId> eos_token_ids;   // masked under min_tokens, as sample_token does
};

struct SampledStep {
  std::vector<TokenId> tokens;              // [rows.size()]: as sample_token would pick; -1 if nothing could be
  std::span<float> host_logits;             // [host_rows.size(), vocab]; valid until the next call
};

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

  // Backends whose logits live on an accelerator sample there, so that a step copies to
  // the host only the rows the host sampler must see (structured output, logprobs)
  // instead of [rows, vocab] floats. forward_sampled() runs the step like forward() and
  // then samples sampling.rows with the semantics of sample_token (logit bias, min_tokens,
  // penalties, temperature, min-p, top-k, top-p, the draw from `uniform`).
  virtual bool samples_on_device() const { return false; }
  virtual SampledStep forward_sampled(const ForwardBatch& batch, const DeviceSampling& sampling) {
    (void)batch, (void)sampling;
    throw std::logic_error(describe() + " does not sample on its device");
  }
};

}  // namespace vllmctl
