// The labels of vllm:cache_config_info: every field of vLLM v0.14's CacheConfig, with the
// value Python's str() gives it in vLLM ("16", "True", "None", "0.9"), filled from what
// this server actually runs with. Routers read block_size and num_gpu_blocks; the rest
// is there so queries written against vLLM find the same label set.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <utility>
#include <vector>

namespace vllmctl {

struct CacheConfigFacts {
  int block_size = 16;
  int num_blocks = 0;                          // KV cache blocks (vLLM names them num_gpu_blocks on every device)
  bool enable_prefix_caching = true;
  double gpu_memory_utilization = 0.9;
  std::optional<uint64_t> kv_cache_memory_bytes;   // the user's explicit KV budget, if any
  std::optional<uint64_t> cpu_kvcache_space_bytes;  // the CPU backend's KV cache size
  std::optional<int64_t> sliding_window;
};

// The 22 (name, value) pairs, sorted by name; the caller adds engine (23 in all, as vLLM).
std::vector<std::pair<std::string, std::string>> cache_config_labels(const CacheConfigFacts& facts);

}  // namespace vllmctl
