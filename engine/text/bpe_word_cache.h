// A thread-safe cache from a pre-token to its BPE ids: sharded, each shard behind its own
// mutex and cleared when full, so a long-running server never grows it without bound.
#pragma once

#include <array>
#include <cstdint>
#include <functional>
#include <mutex>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

namespace vllmctl {

class BpeWordCache {
 public:
  static constexpr std::size_t kMaxWordBytes = 256;  // longer words are not cached

  // Appends the cached ids for `word` to `out`; false on a miss.
  bool lookup(std::string_view word, std::vector<std::int32_t>& out) const {
    if (word.size() > kMaxWordBytes) return false;
    const std::size_t h = std::hash<std::string_view>{}(word);
    Shard& shard = shards_[h % kNumShards];
    std::lock_guard<std::mutex> lock(shard.mutex);
    const auto it = shard.map.find(word);
    if (it == shard.map.end()) return false;
    out.insert(out.end(), it->second.begin(), it->second.end());
    return true;
  }

  void insert(std::string_view word, const std::int32_t* ids, std::size_t num_ids) const {
    if (word.size() > kMaxWordBytes) return;
    const std::size_t h = std::hash<std::string_view>{}(word);
    Shard& shard = shards_[h % kNumShards];
    std::lock_guard<std::mutex> lock(shard.mutex);
    if (shard.map.size() >= kMaxEntriesPerShard) shard.map.clear();
    shard.map.try_emplace(std::string(word), ids, ids + num_ids);
  }

 private:
  static constexpr std::size_t kNumShards = 64;
  static constexpr std::size_t kMaxEntriesPerShard = 2048;
  struct Hash {
    using is_transparent = void;
    std::size_t operator()(std::string_view s) const { return std::hash<std::string_view>{}(s); }
  };
  struct Shard {
    std::mutex mutex;  // guards map
    std::unordered_map<std::string, std::vector<std::int32_t>, Hash, std::equal_to<>> map;
  };
  mutable std::array<Shard, kNumShards> shards_;
};

}  // namespace vllmctl
