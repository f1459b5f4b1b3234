// BlockManager: allocation, ref counts, prefix-cache hits and lazy eviction.
#include "engine/core/block_manager.h"

#include <doctest/doctest.h>

#include <cstddef>
#include <numeric>

using vllmctl::BlockManager;
using vllmctl::BlockTable;
using vllmctl::TokenId;

namespace {
std::vector<TokenId> iota_tokens(int n, TokenId start = 100) {
  std::vector<TokenId> t(static_cast<size_t>(n));
  std::iota(t.begin(), t.end(), start);
  return t;
}
}  // namespace

TEST_CASE("allocate grows a table block by block and fails without changing anything") {
  BlockManager bm(4, 16, true);
  BlockTable t;
  CHECK(bm.allocate(t, 1));
  CHECK(t.blocks.size() == 1);
  CHECK(bm.allocate(t, 16));
  CHECK(t.blocks.size() == 1);
  CHECK(bm.allocate(t, 17));
  CHECK(t.blocks.size() == 2);
  CHECK(bm.num_free_blocks() == 2);
  CHECK(bm.usage() == doctest::Approx(0.5));
  CHECK_FALSE(bm.allocate(t, 16 * 5));
  CHECK(t.blocks.size() == 2);
  CHECK(bm.num_free_blocks() == 2);
  bm.free(t);
  CHECK(t.blocks.empty());
  CHECK(bm.num_free_blocks() == 4);
}

TEST_CASE("a second request with the same prefix reuses the full blocks, not the partial one") {
  BlockManager bm(8, 4, true);
  auto tokens = iota_tokens(10);  // 2 full blocks + 2 tokens
  BlockTable a;
  CHECK(bm.match_prefix(tokens, 9, a) == 0);
  REQUIRE(bm.allocate(a, 10));
  bm.cache_full_blocks(a, tokens, 10);
  CHECK(a.num_hashed_blocks == 2);

  BlockTable b;
  CHECK(bm.match_prefix(tokens, 9, b) == 8);
  CHECK(b.blocks == std::vector<int>{a.blocks[0], a.blocks[1]});
  REQUIRE(bm.allocate(b, 10));
  CHECK(b.blocks[2] != a.blocks[2]);
  CHECK(bm.num_free_blocks() == 8 - 4);

  // A different continuation of the first block only matches that block.
  auto other = tokens;
  other[5] = 7;
  BlockTable c;
  CHECK(bm.match_prefix(other, 9, c) == 4);
  bm.free(a);
  bm.free(b);
  bm.free(c);
  CHECK(bm.num_free_blocks() == 8);
}

TEST_CASE("freed blocks stay cached until handed out again, prefix last") {
  BlockManager bm(3, 2, true);
  auto tokens = iota_tokens(6);
  BlockTable a;
  REQUIRE(bm.allocate(a, 6));
  bm.cache_full_blocks(a, tokens, 6);
  bm.free(a);
  CHECK(bm.num_free_blocks() == 3);

  BlockTable hit;
  CHECK(bm.match_prefix(tokens, 5, hit) == 4);  // revived from the free queue
  bm.free(hit);

  // Taking one block evicts the tail block (tokens 4..5) first, the prefix survives.
  BlockTable filler;
  REQUIRE(bm.allocate(filler, 1));
  BlockTable again;
  CHECK(bm.match_prefix(tokens, 6, again) == 4);
  bm.free(again);
  bm.free(filler);
}

TEST_CASE("prefix caching off: nothing is ever matched") {
  BlockManager bm(4, 2, false);
  auto tokens = iota_tokens(4);
  BlockTable a;
  REQUIRE(bm.allocate(a, 4));
  bm.cache_full_blocks(a, tokens, 4);
  BlockTable b;
  CHECK(bm.match_prefix(tokens, 3, b) == 0);
  bm.free(a);
}

TEST_CASE("blocks shared by two tables are freed only when both let go") {
  BlockManager bm(4, 2, true);
  auto tokens = iota_tokens(4);
  BlockTable a, b;
  REQUIRE(bm.allocate(a, 4));
  bm.cache_full_blocks(a, tokens, 4);
  CHECK(bm.match_prefix(tokens, 4, b) == 4);
  CHECK(bm.num_free_blocks() == 2);
  bm.free(a);
  CHECK(bm.num_free_blocks() == 2);
  bm.free(b);
  CHECK(bm.num_free_blocks() == 4);
}
