// BlockManager: ref counts, the free queue and the prefix-cache hash table.
#include "engine/core/block_manager.h"

#include <cassert>
#include <stdexcept>

namespace vllmctl {

BlockManager::BlockManager(int num_blocks, int block_size, bool enable_prefix_caching)
    : block_size_(block_size),
      enable_prefix_caching_(enable_prefix_caching),
      ref_counts_(static_cast<size_t>(num_blocks), 0),
      free_pos_(static_cast<size_t>(num_blocks)),
      block_hash_(static_cast<size_t>(num_blocks), 0) {
  if (num_blocks < 1 || block_size < 1) {
    throw std::invalid_argument("BlockManager needs at least one block of at least one token");
  }
  for (BlockId b = 0; b < num_blocks; ++b) free_pos_[b] = free_queue_.insert(free_queue_.end(), b);
}

uint64_t BlockManager::chain_hash(uint64_t parent, const TokenId* tokens, int n) {
  // splitmix64-style mixing of the parent hash and every token; never returns 0.
  auto mix = [](uint64_t x) {
    x += 0x9e3779b97f4a7c15ull;
    x = (x ^ (x >> 30)) * 0xbf58476d1ce4e5b9ull;
    x = (x ^ (x >> 27)) * 0x94d049bb133111ebull;
    return x ^ (x >> 31);
  };
  uint64_t h = mix(parent ^ 0x51ed270b27a3c1d5ull);
  for (int i = 0; i < n; ++i) h = mix(h ^ static_cast<uint32_t>(tokens[i]));
  return h == 0 ? 1 : h;
}

void BlockManager::touch(BlockId block) {
  if (ref_counts_[block]++ == 0) free_queue_.erase(free_pos_[block]);
}

BlockId BlockManager::take_free_block() {
  assert(!free_queue_.empty());
  BlockId block = free_queue_.front();
  free_queue_.pop_front();
  if (uint64_t h = block_hash_[block]; h != 0) {  // evict its cached contents
    auto it = cached_.find(h);
    if (it != cached_.end() && it->second.block == block) cached_.erase(it);
    block_hash_[block] = 0;
  }
  ref_counts_[block] = 1;
  return block;
}

int BlockManager::match_prefix(const std::vector<TokenId>& tokens, int max_tokens,
                               BlockTable& table) {
  assert(table.blocks.empty());
  if (!enable_prefix_caching_) return 0;
  uint64_t parent = 0;
  const int num_full = max_tokens / block_size_;
  for (int i = 0; i < num_full; ++i) {
    const TokenId* begin = tokens.data() + static_cast<ptrdiff_t>(i) * block_size_;
    uint64_t h = chain_hash(parent, begin, block_size_);
    auto it = cached_.find(h);
    if (it == cached_.end() ||
        !std::equal(it->second.tokens.begin(), it->second.tokens.end(), begin)) {
      break;
    }
    touch(it->second.block);
    table.blocks.push_back(it->second.block);
    parent = h;
  }
  table.num_hashed_blocks = static_cast<int>(table.blocks.size());
  table.last_hash = parent;
  return table.num_hashed_blocks * block_size_;
}

bool BlockManager::allocate(BlockTable& table, int num_tokens) {
  const int need = blocks_needed(num_tokens) - static_cast<int>(table.blocks.size());
  if (need <= 0) return true;
  if (need > num_free_blocks()) return false;
  for (int i = 0; i < need; ++i) table.blocks.push_back(take_free_block());
  return true;
}

void BlockManager::cache_full_blocks(BlockTable& table, const std::vector<TokenId>& tokens,
                                     int num_computed) {
  if (!enable_prefix_caching_) return;
  const int num_full = std::min(num_computed / block_size_, static_cast<int>(table.blocks.size()));
  for (int i = table.num_hashed_blocks; i < num_full; ++i) {
    const TokenId* begin = tokens.data() + static_cast<ptrdiff_t>(i) * block_size_;
    uint64_t h = chain_hash(table.last_hash, begin, block_size_);
    BlockId block = table.blocks[static_cast<size_t>(i)];
    // The first block with this content stays canonical; a duplicate stays unnamed.
    if (block_hash_[block] == 0 && cached_.find(h) == cached_.end()) {
      cached_.emplace(h, CachedBlock{block, std::vector<TokenId>(begin, begin + block_size_)});
      block_hash_[block] = h;
    }
    table.last_hash = h;
    table.num_hashed_blocks = i + 1;
  }
}

void BlockManager::free(BlockTable& table) {
  for (auto it = table.blocks.rbegin(); it != table.blocks.rend(); ++it) {
    BlockId block = *it;
    assert(ref_counts_[block] > 0);
    if (--ref_counts_[block] == 0) {
      // Unnamed blocks are worthless: hand them out first. Named ones wait at the back.
      free_pos_[block] = block_hash_[block] == 0 ? free_queue_.insert(free_queue_.begin(), block)
                                                 : free_queue_.insert(free_queue_.end(), block);
    }
  }
  table = BlockTable{};
}

void BlockManager::reset_prefix_cache() {
  cached_.clear();
  std::fill(block_hash_.begin(), block_hash_.end(), 0);
}

}  // namespace vllmctl
