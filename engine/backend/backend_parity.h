// compare_backends: runs one scripted workload on a reference backend (the CPU backend)
// and a candidate (the CUDA backend) and measures how far the candidate's logits are from
// the reference's. The script covers what a serving engine does: a chunked prefill that
// reads its own cached prefix, a step mixing prefills and decodes, a 300-token context
// (split-K decode attention), all-decode steps of 3, 2 and 1 sequences.
// Both backends are fed the reference's greedy tokens, so their inputs stay identical.
// A candidate that samples on its device also re-runs each step through forward_sampled,
// with rows whose token is determined by the logits (greedy, top-k 1, a tiny top-p): its
// tokens must be the argmax of its own logits, and the host row (a different one each
// step) must come back unchanged.
// Used by the CUDA start-up self-check and tests/gpu/backend_test.
#pragma once

#include "engine/backend/backend.h"

#include <cstdint>
#include <string>
#include <utility>
#include <vector>

namespace vllmctl {

struct ParityOptions {
  int blocks_per_seq = 32;  // REQUIRES: blocks_per_seq * block_size >= 320
  uint64_t seed = 3;        // of the random prompts
};

struct ParityReport {
  int steps = 0;
  int rows = 0;           // sampled rows compared
  int argmax_agree = 0;   // rows whose greedy token is the same on both
  bool finite = true;     // no NaN or Inf in the candidate's logits
  bool sizes_match = true;
  int device_sampled = 0;         // rows sampled through forward_sampled (0: not a device sampler)
  int device_sampled_wrong = 0;   // ... whose token was not the argmax of the candidate's logits
  int host_rows_wrong = 0;        // host rows whose logits differed from forward()'s
  float worst_relative_error = 0.0f;  // max over rows of max|cand - ref| / max|ref|
  std::string worst_where;            // "step 4, row 2"

  // True when every row is finite and within `tolerance`, and the greedy token agrees on
  // at least `min_agreement` of the rows.
  bool within(float tolerance, double min_agreement) const;
  std::string summary() const;  // one line for logs
};

// A sequence of a scripted workload: its tokens (prompt, then generated) and how many of
// them are in the KV cache.
struct ScriptSeq {
  std::vector<int32_t> tokens;
  int computed = 0;
};

// One step as the engine's ForwardBatch would be: sequence s gets its tokens
// [computed, computed + count) for each (s, count) of `step`, owns KV blocks
// [s * blocks_per_seq, (s + 1) * blocks_per_seq), and samples its last row.
ForwardBatch scripted_batch(std::vector<ScriptSeq>& seqs, const std::vector<std::pair<int, int>>& step,
                            int block_size, int blocks_per_seq);

// REQUIRES: both backends have the same vocabulary and block size, at least
// 3 * blocks_per_seq KV blocks, and accept steps of 302 tokens and 3 sequences.
// Writes KV blocks [0, 3 * blocks_per_seq) of both.
ParityReport compare_backends(Backend& reference, Backend& candidate, const ParityOptions& options = {});

}  // namespace vllmctl
