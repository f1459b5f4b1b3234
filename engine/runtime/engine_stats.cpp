// EngineStats: the bucket sets each histogram starts with.
#include "engine/runtime/engine_stats.h"

namespace vllmctl {

EngineStats::EngineStats(int64_t max_model_len)
    : request_prompt_tokens(one_two_five_buckets(max_model_len)),
      request_generation_tokens(one_two_five_buckets(max_model_len)),
      request_max_num_generation_tokens(one_two_five_buckets(max_model_len)),
      request_params_n(params_n_buckets()),
      request_params_max_tokens(one_two_five_buckets(max_model_len)),
      request_prefill_kv_computed_tokens(one_two_five_buckets(max_model_len)),
      e2e_request_latency_seconds(request_latency_buckets()),
      request_queue_time_seconds(request_latency_buckets()),
      request_inference_time_seconds(request_latency_buckets()),
      request_prefill_time_seconds(request_latency_buckets()),
      request_decode_time_seconds(request_latency_buckets()),
      request_time_per_output_token_seconds(itl_buckets()),
      time_to_first_token_seconds(ttft_buckets()),
      inter_token_latency_seconds(itl_buckets()),
      iteration_tokens_total(iteration_tokens_buckets()) {}

}  // namespace vllmctl
