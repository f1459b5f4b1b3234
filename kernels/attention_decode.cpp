// CPU twin of cuda::attention_decode. Decode is prefill restricted to query_len <= 1, so
// after checking the decode contract this is the prefill twin: one definition of the
// function, F32 math, the output rounded once. The split-K workspace is a CUDA detail.
#include "kernels/attention_decode.h"

#include "kernels/attention_prefill.h"

namespace vllmctl::kernels::cpu {

void attention_decode(void* out, const void* q, const PagedKv& kv, const AttentionBatch& batch,
                      int num_heads, float scale, void* workspace, size_t workspace_bytes) {
  check_attention_decode_args(kv, batch, num_heads, workspace, workspace_bytes);
  if (batch.num_seqs == 0) return;
  check_attention_batch_arrays("attention_decode", batch);
  attention_prefill(out, q, kv, batch, num_heads, scale);
}

}  // namespace vllmctl::kernels::cpu
