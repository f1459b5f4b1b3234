// cache_config_labels: vLLM's defaults for what we do not have (no KV offloading, no
// mamba layers, no swap), our values for the rest.
#include "cli/serve/cache_config_labels.h"

#include "cli/serve/prom_text.h"

#include <algorithm>

namespace vllmctl {

namespace {

template <typename T>
std::string or_none(const std::optional<T>& v) {
  return v ? std::to_string(*v) : "None";
}

}  // namespace

std::vector<std::pair<std::string, std::string>> cache_config_labels(const CacheConfigFacts& f) {
  std::vector<std::pair<std::string, std::string>> labels = {
      {"block_size", std::to_string(f.block_size)},
      {"cache_dtype", "auto"},
      {"calculate_kv_scales", "False"},
      {"cpu_kvcache_space_bytes", or_none(f.cpu_kvcache_space_bytes)},
      {"cpu_offload_gb", "0"},
      {"enable_prefix_caching", f.enable_prefix_caching ? "True" : "False"},
      {"gpu_memory_utilization", float_to_go_string(f.gpu_memory_utilization)},
      {"is_attention_free", "False"},
      {"kv_cache_memory_bytes", or_none(f.kv_cache_memory_bytes)},
      {"kv_offloading_backend", "None"},
      {"kv_offloading_size", "None"},
      {"kv_sharing_fast_prefill", "False"},
      {"mamba_block_size", "None"},
      {"mamba_cache_dtype", "auto"},
      {"mamba_page_size_padded", "None"},
      {"mamba_ssm_cache_dtype", "auto"},
      {"num_cpu_blocks", "None"},
      {"num_gpu_blocks", std::to_string(f.num_blocks)},
      {"num_gpu_blocks_override", "None"},
      {"prefix_caching_hash_algo", "builtin"},
      {"sliding_window", or_none(f.sliding_window)},
      {"swap_space", "0"},
  };
  std::sort(labels.begin(), labels.end());
  return labels;
}

}  // namespace vllmctl
