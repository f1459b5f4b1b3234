// build_forward_batch: scheduler output -> flat arrays.
#include "engine/core/forward_batch.h"

#include <algorithm>

namespace vllmctl {

ForwardBatch build_forward_batch(const SchedulerOutput& output, int block_size) {
  ForwardBatch b;
  b.query_start.push_back(0);
  for (const auto& s : output.scheduled) {
    b.max_blocks_per_seq =
        std::max(b.max_blocks_per_seq, static_cast<int>(s.request->block_table.blocks.size()));
  }
  b.block_tables.assign(output.scheduled.size() * static_cast<size_t>(b.max_blocks_per_seq), 0);
  b.token_ids.reserve(static_cast<size_t>(output.num_batched_tokens));

  for (size_t i = 0; i < output.scheduled.size(); ++i) {
    const Request& req = *output.scheduled[i].request;
    const int begin = req.num_computed_tokens;
    const int end = begin + output.scheduled[i].num_new_tokens;
    const auto& blocks = req.block_table.blocks;
    for (int pos = begin; pos < end; ++pos) {
      b.token_ids.push_back(req.token_ids[static_cast<size_t>(pos)]);
      b.positions.push_back(pos);
      b.slot_mapping.push_back(blocks[static_cast<size_t>(pos / block_size)] * block_size + pos % block_size);
    }
    b.query_start.push_back(static_cast<int32_t>(b.token_ids.size()));
    b.context_lens.push_back(end);
    std::copy(blocks.begin(), blocks.end(),
              b.block_tables.begin() + static_cast<ptrdiff_t>(i) * b.max_blocks_per_seq);
    if (output.scheduled[i].samples) {
      b.sample_rows.push_back(b.query_start.back() - 1);
      b.sample_seqs.push_back(static_cast<int32_t>(i));
    }
  }
  return b;
}

}  // namespace vllmctl
