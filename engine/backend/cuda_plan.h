// The CUDA backend's host-side arithmetic, in plain C++ so it builds and is tested on every
// machine: device-memory sizing (weights arena, activation estimate, KV blocks), the layout
// of one step's metadata in the pinned staging buffer, and weights converted to BF16.
#pragma once

#include "engine/backend/cpu/matrix.h"
#include "engine/core/forward_batch.h"
#include "engine/model/model_config.h"

#include <cstddef>
#include <cstdint>
#include <vector>

namespace vllmctl::cuda_plan {

// Bytes of one KV block across all layers: K and V, `elem_bytes` per element (2: bf16).
uint64_t kv_block_bytes(const ModelConfig& config, int block_size, int elem_bytes = 2);

// Sub-allocations of one device allocation, each aligned to `kAlign` bytes (cuBLASLt's
// heuristics assume 256-byte aligned operands; the attention kernels need 16).
class ArenaPlan {
 public:
  static constexpr size_t kAlign = 256;
  // Returns the offset of a new `bytes`-long piece.
  size_t add(size_t bytes);
  size_t total_bytes() const { return total_; }

 private:
  size_t total_ = 0;
};

// What the forward pass allocates besides weights and the KV cache, sized once at start-up
// for the largest step the scheduler can build. A plain estimate (not a profiled peak):
// every scratch activation at max_num_batched_tokens rows, the LM-head rows and F32 logits
// at max_num_seqs rows, the split-K decode workspace at max_model_len, the metadata
// buffers, the cuBLASLt workspace, and a fixed reserve for what the CUDA libraries take
// for themselves (kernel modules, cuBLASLt handles).
struct ActivationShape {
  int max_num_batched_tokens = 2048;
  int max_num_seqs = 256;
  int max_model_len = 4096;
  int block_size = 16;
};
struct ActivationBytes {
  uint64_t scratch = 0;           // device activations (bf16) + logits (f32)
  uint64_t decode_workspace = 0;  // attention_decode split-K partials
  uint64_t metadata = 0;          // step metadata (int32), device side
  uint64_t gemm_workspace = 0;
  uint64_t library_reserve = 0;
  uint64_t total() const { return scratch + decode_workspace + metadata + gemm_workspace + library_reserve; }
};
inline constexpr uint64_t kGemmWorkspaceBytes = 32ull << 20;
inline constexpr uint64_t kLibraryReserveBytes = 512ull << 20;
ActivationBytes activation_bytes(const ModelConfig& config, const ActivationShape& shape);

// Int32 slots of the largest step's metadata (the staging buffer's size).
size_t max_metadata_ints(const ActivationShape& shape);

// The KV cache gets what is left of `utilization` * total after weights and activations.
struct KvCachePlan {
  uint64_t budget_bytes = 0;  // utilization * total
  uint64_t kv_bytes = 0;      // num_blocks * block_bytes
  int num_blocks = 0;
};
// Throws std::runtime_error, naming every number, when utilization is outside (0, 1], when
// free memory is below the budget (another process holds the GPU), or when weights and
// activations leave no room for one block (the model does not fit).
KvCachePlan plan_kv_cache(uint64_t total_bytes, uint64_t free_bytes, double utilization,
                          uint64_t weight_bytes, uint64_t activation_bytes, uint64_t block_bytes);

// One step's metadata as int32 in one buffer (one host->device copy). Offsets in ints.
struct StepLayout {
  size_t token_ids = 0, positions = 0, slot_mapping = 0, query_start = 0, context_lens = 0,
         sample_rows = 0, block_tables = 0;
  size_t num_ints = 0;
  int num_seqs = 0;
  int max_blocks_per_seq = 0;
  int max_query_len = 0;
  int max_context_len = 0;
  bool all_decode = false;  // every sequence has exactly one query row (the decode kernel)
};
// Writes `batch` into `staging` (at least num_ints() slots; the caller sized it with
// max_metadata_ints) and returns where each array landed. Throws std::invalid_argument on
// an inconsistent batch (array sizes) or one bigger than `shape`.
StepLayout pack_step(const ForwardBatch& batch, const ActivationShape& shape, int32_t* staging,
                     size_t staging_ints);

// ---- CUDA graphs for decode steps ----
// A decode step (one query token per sequence) of b sequences replays the graph captured at
// start-up for the smallest bucket >= b; its rows b..bucket-1 are padding. The graph's
// kernels read the step at fixed offsets of the metadata buffer and were launched with
// shapes fixed per bucket (rows, GEMM m, block-table stride, a decode grid over the graph
// context length), so every replayed step of a bucket must be packed at the same layout.

// vLLM's capture sizes: 1, 2, 4, then multiples of 8, up to cap = min(max_num_seqs,
// max_num_batched_tokens, kMaxGraphBatchSize); cap is the last bucket even when it is none
// of those (so every decode step of up to cap sequences replays a graph). Ascending.
inline constexpr int kMaxGraphBatchSize = 512;
std::vector<int> decode_graph_buckets(const ActivationShape& shape);

// The longest context a replayed step may have: min(max_model_len, kMaxGraphContextLen)
// (vLLM's max_seq_len_to_capture). The captured decode grid has a block per 256 tokens of
// it, most exiting at once for short contexts; longer steps are attention-bound and run
// eagerly, so the cap bounds that waste and the block tables uploaded per step.
inline constexpr int kMaxGraphContextLen = 8192;
int decode_graph_context_len(const ActivationShape& shape);

// The bucket `batch` replays: the smallest one >= its number of sequences when every
// sequence has exactly one query token and a context of 1..decode_graph_context_len
// tokens (what the captured decode grid covers); 0 otherwise (prefill tokens, an empty step,
// more sequences than the largest bucket, inconsistent arrays): the step runs eagerly.
int decode_graph_bucket(const ForwardBatch& batch, const ActivationShape& shape, const std::vector<int>& buckets);

// The layout of every decode step padded to `bucket` rows: pack_step's order, each array at
// its full bucket size (sample_rows too), block tables decode_graph_context_len's blocks
// wide, num_seqs = bucket, max_query_len 1, max_context_len = decode_graph_context_len. The graph is
// captured with it; pack_decode_step fills it. Throws std::invalid_argument when bucket is
// outside 1..min(max_num_seqs, max_num_batched_tokens).
StepLayout decode_graph_layout(const ActivationShape& shape, int bucket);

// Packs an all-decode `batch` of b <= bucket sequences at decode_graph_layout(shape, bucket).
// Rows 0..b-1 are the batch's (block-table rows cut or widened with 0 to the layout's
// width, which covers every context it accepts); rows b..bucket-1 are
// padding that writes no KV and reads none: token 0, position 0, slot -1 (write_kv skips
// it), its own query row, context_len 0 (decode attention gives it a zero row), a block-table
// row of 0. sample_rows are the batch's, unchanged (real rows only), the rest of their
// region 0. Throws std::invalid_argument as pack_step does, and for a batch that is not
// all decode, has more than `bucket` sequences, or a context outside
// 1..decode_graph_context_len.
StepLayout pack_decode_step(const ForwardBatch& batch, const ActivationShape& shape, int bucket, int32_t* staging,
                            size_t staging_ints);

// Host BF16 copies of the CPU backend's loaded (and already fused) weights.
std::vector<uint16_t> to_bf16(const cpu::Matrix& m);
std::vector<uint16_t> to_bf16(const std::vector<float>& v);

}  // namespace vllmctl::cuda_plan
