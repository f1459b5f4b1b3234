// The BPE model of tokenizer.json: vocab, merges by rank (a hash of id pairs -> rank and
// result id), continuing_subword_prefix / end_of_word_suffix, unk / byte_fallback,
// ignore_merges, and a word cache. Encodes one pre-token at a time.
#pragma once

#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <unordered_map>
#include <utility>
#include <vector>

#include <nlohmann/json_fwd.hpp>

#include "engine/text/bpe_word_cache.h"

namespace vllmctl {

struct BpeOptions {
  std::optional<std::string> unk_token;
  std::string continuing_subword_prefix;
  std::string end_of_word_suffix;
  bool fuse_unk = false;
  bool byte_fallback = false;
  bool ignore_merges = false;
};

// "#version" header aware merges.txt parsing: every other line, '#' or not, is a merge
// "a b". Throws std::runtime_error naming the bad line.
std::vector<std::pair<std::string, std::string>> parse_merges_txt(std::string_view text);

class Bpe {
 public:
  using Vocab = std::vector<std::pair<std::string, std::int32_t>>;
  using Merges = std::vector<std::pair<std::string, std::string>>;

  // Throws std::runtime_error when a merge names a token missing from the vocab, a vocab
  // id is negative, repeated or >= 2^21, or there are more than 2^22 - 1 merges.
  Bpe(const Vocab& vocab, const Merges& merges, BpeOptions options);

  // Parses the "model" value (type "BPE"; merges as "a b" strings or ["a","b"] pairs).
  static Bpe from_json(const nlohmann::json& model);

  // Appends the ids of one pre-token. `byte_mapped`: `word` holds raw bytes that the
  // ByteLevel pre-tokenizer maps to GPT-2 characters; else `word` is in the vocab's own
  // alphabet. A given Bpe must always be called with the same `byte_mapped`, because
  // the cache is keyed by `word`. Thread-safe.
  void encode_word(std::string_view word, bool byte_mapped, std::vector<std::int32_t>& out) const;

  std::optional<std::int32_t> token_to_id(std::string_view token) const;
  // nullptr for ids outside the vocab.
  const std::string* id_to_token(std::int32_t id) const;
  // One past the largest vocab id.
  std::int32_t id_end() const { return static_cast<std::int32_t>(id_to_token_.size()); }
  std::size_t num_merges() const { return num_merges_; }
  // The rank and result of merging `left` with `right`, if that merge exists.
  std::optional<std::pair<std::uint32_t, std::int32_t>> merge(std::int32_t left,
                                                              std::int32_t right) const;

 private:
  // A merge slot packs left id (21 bits), right id (21 bits) and rank (22 bits) into 8
  // bytes, so the table stays half the size of a struct and misses the cache less.
  static constexpr std::uint64_t kEmpty = ~std::uint64_t{0};
  static constexpr std::uint32_t kNoMerge = ~std::uint32_t{0};
  struct Hash {
    using is_transparent = void;
    std::size_t operator()(std::string_view s) const { return std::hash<std::string_view>{}(s); }
  };

  void add_merge(std::int32_t left, std::int32_t right, std::uint32_t rank, std::int32_t result);
  // The rank of merging `left` with `right`, or kNoMerge.
  std::uint32_t find_merge(std::int32_t left, std::int32_t right) const;
  void initial_symbols(std::string_view word, std::vector<std::int32_t>& symbols) const;
  void merge_symbols(std::vector<std::int32_t>& symbols) const;
  void merge_symbols_heap(std::vector<std::int32_t>& symbols) const;

  std::unordered_map<std::string, std::int32_t, Hash, std::equal_to<>> vocab_;
  std::vector<std::string> id_to_token_;
  std::vector<bool> has_id_;
  std::vector<std::uint64_t> merges_;  // open addressing, size a power of two
  std::vector<std::int32_t> merge_results_;  // by rank: the id a merge produces
  std::uint64_t merge_mask_ = 0;
  std::size_t num_merges_ = 0;
  std::int32_t byte_ids_[256];  // id of each byte's GPT-2 character, -1 when absent
  bool simple_bytes_ = false;   // every byte has an id and no prefix/suffix applies
  std::optional<std::int32_t> unk_id_;
  BpeOptions options_;
  std::unique_ptr<BpeWordCache> cache_ = std::make_unique<BpeWordCache>();
};

}  // namespace vllmctl
