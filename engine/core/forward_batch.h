// ForwardBatch: one engine step as flat integer arrays (a ragged batch, no padding),
// built from the scheduler's output. The backends read only this.
#pragma once

#include "engine/core/scheduler.h"

#include <cstdint>
#include <vector>

namespace vllmctl {

struct ForwardBatch {
  std::vector<int32_t> token_ids;     // [num_tokens]: each sequence's new tokens, in order
  std::vector<int32_t> positions;     // [num_tokens]
  std::vector<int32_t> slot_mapping;  // [num_tokens]: block * block_size + offset
  std::vector<int32_t> query_start;   // [num_seqs + 1]: sequence s owns rows [qs[s], qs[s+1])
  std::vector<int32_t> context_lens;  // [num_seqs]: tokens in the cache after this step
  std::vector<int32_t> block_tables;  // [num_seqs, max_blocks_per_seq], padded with 0
  int max_blocks_per_seq = 0;
  // Rows whose logits the step needs: the last row of each sequence that samples,
  // in scheduled order (sample_seqs[i] is that row's sequence index).
  std::vector<int32_t> sample_rows;
  std::vector<int32_t> sample_seqs;

  int num_tokens() const { return static_cast<int>(token_ids.size()); }
  int num_seqs() const { return static_cast<int>(context_lens.size()); }
};

// REQUIRES: every scheduled request has blocks for num_computed + num_new_tokens tokens.
ForwardBatch build_forward_batch(const SchedulerOutput& output, int block_size);

}  // namespace vllmctl
