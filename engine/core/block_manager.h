// BlockManager: bookkeeping of the paged KV cache's blocks. Pure integers, no tensors.
//
// Blocks are ref-counted. Full blocks are named by a chained hash of (parent hash,
// their token ids) so a later request with the same prefix reuses them (prefix
// caching). A freed block keeps its hash and goes to the back of the free queue; it can
// be revived by a hit until it is handed out again (lazy eviction, least recently freed
// first). Not thread-safe: REQUIRES the engine thread.
#pragma once

#include <cstdint>
#include <list>
#include <unordered_map>
#include <vector>

namespace vllmctl {

using BlockId = int32_t;
using TokenId = int32_t;

struct BlockTable {
  std::vector<BlockId> blocks;
  int num_hashed_blocks = 0;  // leading blocks already registered in the prefix cache
  uint64_t last_hash = 0;     // chained hash of the last hashed block (0 before any)
};

class BlockManager {
 public:
  // REQUIRES: num_blocks >= 1, block_size >= 1.
  BlockManager(int num_blocks, int block_size, bool enable_prefix_caching);

  int block_size() const { return block_size_; }
  int num_blocks() const { return static_cast<int>(ref_counts_.size()); }
  int num_free_blocks() const { return static_cast<int>(free_queue_.size()); }
  // Fraction of blocks referenced by a request (cached but unreferenced blocks are free).
  double usage() const {
    return 1.0 - static_cast<double>(num_free_blocks()) / static_cast<double>(num_blocks());
  }
  int blocks_needed(int num_tokens) const { return (num_tokens + block_size_ - 1) / block_size_; }

  // Looks up the longest cached prefix of `tokens[0, max_tokens)` in whole blocks and
  // takes a reference on each hit block, appending them to `table` (which must be empty).
  // Returns the number of tokens covered.
  int match_prefix(const std::vector<TokenId>& tokens, int max_tokens, BlockTable& table);

  // Grows `table` to hold `num_tokens` tokens. Returns false, changing nothing, when there
  // are not enough free blocks.
  bool allocate(BlockTable& table, int num_tokens);

  // Registers the blocks of `table` that are full within `tokens[0, num_computed)` in the
  // prefix cache. Call after those tokens' KV has been written.
  void cache_full_blocks(BlockTable& table, const std::vector<TokenId>& tokens, int num_computed);

  // Drops the table's references; blocks that reach zero go to the free queue, last
  // block first, so a request's tail is evicted before its shared prefix.
  void free(BlockTable& table);

  // Forgets every cached hash (e.g. after a weights reload). Free blocks stay free.
  void reset_prefix_cache();

 private:
  struct CachedBlock {
    BlockId block;
    std::vector<TokenId> tokens;  // to rule out hash collisions
  };

  BlockId take_free_block();
  void touch(BlockId block);  // a reference on a block that may sit in the free queue
  static uint64_t chain_hash(uint64_t parent, const TokenId* tokens, int n);

  int block_size_;
  bool enable_prefix_caching_;
  std::vector<int> ref_counts_;
  std::list<BlockId> free_queue_;                         // front = next to hand out
  std::vector<std::list<BlockId>::iterator> free_pos_;    // valid while ref_counts_ == 0
  std::vector<uint64_t> block_hash_;                      // 0 = not in the cache
  std::unordered_map<uint64_t, CachedBlock> cached_;      // hash -> block
};

}  // namespace vllmctl
