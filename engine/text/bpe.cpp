// BPE: loading from tokenizer.json / merges.txt, and merging one word. Short words merge
// by scanning an array of pair ranks; long ones use a heap (same result: always the
// lowest rank, leftmost on ties, as tokenizers' Word::merge_all).
#include "engine/text/bpe.h"

#include <algorithm>
#include <cstdio>
#include <stdexcept>

#include <nlohmann/json.hpp>

#include "engine/text/byte_level.h"
#include "engine/text/utf8.h"

namespace vllmctl {
namespace {

constexpr std::size_t kHeapThreshold = 64;  // symbols; above this, merge with a heap
constexpr std::int32_t kMaxTokenId = 1 << 21;  // ids fit 21 bits in a merge slot
constexpr std::size_t kMaxMerges = (1u << 22) - 1;  // ranks fit 22 bits

std::uint64_t pair_bits(std::int32_t left, std::int32_t right) {
  return (static_cast<std::uint64_t>(left) << 21) | static_cast<std::uint64_t>(right);
}

std::uint64_t pair_key(std::int32_t left, std::int32_t right) {
  return (static_cast<std::uint64_t>(static_cast<std::uint32_t>(left)) << 32) |
         static_cast<std::uint32_t>(right);
}

std::size_t slot_of(std::uint64_t key, std::uint64_t mask) {
  std::uint64_t h = key * 0x9E3779B97F4A7C15ULL;
  h ^= h >> 32;
  return static_cast<std::size_t>(h & mask);
}

}  // namespace

std::vector<std::pair<std::string, std::string>> parse_merges_txt(std::string_view text) {
  std::vector<std::pair<std::string, std::string>> merges;
  std::size_t pos = 0;
  std::size_t line_no = 0;
  while (pos < text.size()) {
    std::size_t end = text.find('\n', pos);
    if (end == std::string_view::npos) end = text.size();
    std::string_view line = text.substr(pos, end - pos);
    pos = end + 1;
    ++line_no;
    if (!line.empty() && line.back() == '\r') line.remove_suffix(1);
    if (line_no == 1 && line.starts_with("#version")) continue;
    if (line.empty()) continue;
    const std::size_t space = line.find(' ');
    if (space == std::string_view::npos || line.find(' ', space + 1) != std::string_view::npos) {
      throw std::runtime_error("merges.txt line " + std::to_string(line_no) +
                               " is not two tokens separated by one space");
    }
    merges.emplace_back(std::string(line.substr(0, space)), std::string(line.substr(space + 1)));
  }
  return merges;
}

Bpe::Bpe(const Vocab& vocab, const Merges& merges, BpeOptions options)
    : options_(std::move(options)) {
  std::int32_t max_id = -1;
  for (const auto& [token, id] : vocab) {
    if (id < 0 || id >= kMaxTokenId) {
      throw std::runtime_error("BPE vocab id " + std::to_string(id) + " for '" + token +
                               "' is out of range");
    }
    max_id = std::max(max_id, id);
  }
  id_to_token_.resize(static_cast<std::size_t>(max_id + 1));
  has_id_.assign(static_cast<std::size_t>(max_id + 1), false);
  vocab_.reserve(vocab.size());
  for (const auto& [token, id] : vocab) {
    if (has_id_[id]) {
      throw std::runtime_error("BPE vocab id " + std::to_string(id) + " is used twice");
    }
    has_id_[id] = true;
    id_to_token_[id] = token;
    vocab_.emplace(token, id);
  }

  std::size_t capacity = 16;
  while (capacity < merges.size() * 2) capacity *= 2;
  if (merges.size() > kMaxMerges) {
    throw std::runtime_error("BPE has " + std::to_string(merges.size()) + " merges, more than " +
                             std::to_string(kMaxMerges));
  }
  merges_.assign(capacity, kEmpty);
  merge_results_.resize(merges.size());
  merge_mask_ = capacity - 1;
  const std::size_t prefix_len = options_.continuing_subword_prefix.size();
  auto lookup = [&](const std::string& token) {
    const auto it = vocab_.find(token);
    if (it == vocab_.end()) {
      throw std::runtime_error("BPE merge uses token '" + token + "', which is not in the vocab");
    }
    return it->second;
  };
  for (std::size_t rank = 0; rank < merges.size(); ++rank) {
    const auto& [a, b] = merges[rank];
    const std::int32_t left = lookup(a);
    const std::int32_t right = lookup(b);
    const std::int32_t result = lookup(a + b.substr(std::min(prefix_len, b.size())));
    add_merge(left, right, static_cast<std::uint32_t>(rank), result);
  }

  if (options_.unk_token) {
    const auto it = vocab_.find(*options_.unk_token);
    if (it != vocab_.end()) unk_id_ = it->second;
  }
  simple_bytes_ = options_.continuing_subword_prefix.empty() && options_.end_of_word_suffix.empty();
  for (int b = 0; b < 256; ++b) {
    const auto it = vocab_.find(byte_level::byte_to_utf8(static_cast<std::uint8_t>(b)));
    byte_ids_[b] = it == vocab_.end() ? -1 : it->second;
    if (byte_ids_[b] < 0) simple_bytes_ = false;
  }
}

Bpe Bpe::from_json(const nlohmann::json& model) {
  const std::string type = model.value("type", "BPE");
  if (type != "BPE") throw std::runtime_error("unsupported tokenizer model type '" + type + "'");
  if (model.contains("dropout") && !model["dropout"].is_null() &&
      model["dropout"].get<double>() > 0.0) {
    throw std::runtime_error("BPE dropout is not supported");
  }
  BpeOptions options;
  auto str_or_empty = [&](const char* key) {
    return model.contains(key) && model[key].is_string() ? model[key].get<std::string>()
                                                         : std::string();
  };
  if (model.contains("unk_token") && model["unk_token"].is_string()) {
    options.unk_token = model["unk_token"].get<std::string>();
  }
  options.continuing_subword_prefix = str_or_empty("continuing_subword_prefix");
  options.end_of_word_suffix = str_or_empty("end_of_word_suffix");
  options.fuse_unk = model.value("fuse_unk", false);
  options.byte_fallback = model.value("byte_fallback", false);
  options.ignore_merges = model.value("ignore_merges", false);

  Vocab vocab;
  const auto& vocab_json = model.at("vocab");
  vocab.reserve(vocab_json.size());
  for (const auto& [token, id] : vocab_json.items()) vocab.emplace_back(token, id.get<std::int32_t>());
  Merges merges;
  if (model.contains("merges")) {
    const auto& merges_json = model["merges"];
    merges.reserve(merges_json.size());
    for (const auto& m : merges_json) {
      if (m.is_string()) {
        const std::string& s = m.get_ref<const std::string&>();
        const std::size_t space = s.find(' ');
        if (space == std::string::npos) {
          throw std::runtime_error("BPE merge '" + s + "' is not two tokens separated by a space");
        }
        merges.emplace_back(s.substr(0, space), s.substr(space + 1));
      } else if (m.is_array() && m.size() == 2 && m[0].is_string() && m[1].is_string()) {
        merges.emplace_back(m[0].get<std::string>(), m[1].get<std::string>());
      } else {
        throw std::runtime_error("BPE merge " + m.dump() + " is neither \"a b\" nor [\"a\",\"b\"]");
      }
    }
  }
  return Bpe(vocab, merges, std::move(options));
}

void Bpe::add_merge(std::int32_t left, std::int32_t right, std::uint32_t rank,
                    std::int32_t result) {
  const std::uint64_t bits = pair_bits(left, right);
  std::size_t slot = slot_of(pair_key(left, right), merge_mask_);
  while (merges_[slot] != kEmpty && (merges_[slot] >> 22) != bits) slot = (slot + 1) & merge_mask_;
  if (merges_[slot] == kEmpty) ++num_merges_;
  merges_[slot] = (bits << 22) | rank;  // a repeated pair keeps the later rank, as tokenizers
  merge_results_[rank] = result;
}

std::uint32_t Bpe::find_merge(std::int32_t left, std::int32_t right) const {
  const std::uint64_t bits = pair_bits(left, right);
  std::size_t slot = slot_of(pair_key(left, right), merge_mask_);
  while (true) {
    const std::uint64_t s = merges_[slot];
    if ((s >> 22) == bits) return static_cast<std::uint32_t>(s & ((1u << 22) - 1));
    if (s == kEmpty) return kNoMerge;
    slot = (slot + 1) & merge_mask_;
  }
}

std::optional<std::pair<std::uint32_t, std::int32_t>> Bpe::merge(std::int32_t left,
                                                                 std::int32_t right) const {
  const std::uint32_t rank = find_merge(left, right);
  if (rank == kNoMerge) return std::nullopt;
  return std::make_pair(rank, merge_results_[rank]);
}

std::optional<std::int32_t> Bpe::token_to_id(std::string_view token) const {
  const auto it = vocab_.find(token);
  if (it == vocab_.end()) return std::nullopt;
  return it->second;
}

const std::string* Bpe::id_to_token(std::int32_t id) const {
  if (id < 0 || id >= id_end() || !has_id_[id]) return nullptr;
  return &id_to_token_[id];
}

void Bpe::initial_symbols(std::string_view word, std::vector<std::int32_t>& symbols) const {
  // tokenizers' BPE::merge_word, minus offsets.
  std::optional<std::int32_t> pending_unk;
  std::string s;
  std::size_t i = 0;
  while (i < word.size()) {
    std::size_t end = i + std::max<std::size_t>(1, utf8::valid_sequence_length(word, i));
    const bool is_last = end >= word.size();
    s.clear();
    if (i > 0) s += options_.continuing_subword_prefix;
    s.append(word.substr(i, end - i));
    if (is_last) s += options_.end_of_word_suffix;
    if (const auto it = vocab_.find(s); it != vocab_.end()) {
      if (pending_unk) symbols.push_back(*pending_unk);
      pending_unk.reset();
      symbols.push_back(it->second);
      i = end;
      continue;
    }
    if (options_.byte_fallback) {
      std::vector<std::int32_t> bytes;
      for (char c : s) {
        char code[8];
        std::snprintf(code, sizeof(code), "<0x%02X>", static_cast<unsigned char>(c));
        const auto it = vocab_.find(std::string_view(code));
        if (it == vocab_.end()) break;
        bytes.push_back(it->second);
      }
      if (bytes.size() == s.size()) {
        symbols.insert(symbols.end(), bytes.begin(), bytes.end());
        i = end;
        continue;
      }
    }
    if (options_.unk_token) {
      if (!unk_id_) {
        throw std::runtime_error("BPE unk_token '" + *options_.unk_token + "' is not in the vocab");
      }
      if (pending_unk && !options_.fuse_unk) symbols.push_back(*pending_unk);
      pending_unk = unk_id_;
    }
    i = end;
  }
  if (pending_unk) symbols.push_back(*pending_unk);
}

void Bpe::merge_symbols(std::vector<std::int32_t>& symbols) const {
  if (symbols.size() > kHeapThreshold) {
    merge_symbols_heap(symbols);
    return;
  }
  // ranks[k]: rank of merging symbols[k] and symbols[k+1] (kNoMerge when none).
  std::uint32_t ranks[kHeapThreshold];
  std::size_t n = symbols.size();
  auto fill = [&](std::size_t k) { ranks[k] = find_merge(symbols[k], symbols[k + 1]); };
  // The merge table is larger than the caches: touch every first probe before reading
  // any, so the misses overlap.
  for (std::size_t k = 0; k + 1 < n; ++k) {
    __builtin_prefetch(&merges_[slot_of(pair_key(symbols[k], symbols[k + 1]), merge_mask_)]);
  }
  for (std::size_t k = 0; k + 1 < n; ++k) fill(k);
  while (n > 1) {
    std::size_t best = 0;
    for (std::size_t k = 1; k + 1 < n; ++k) {
      if (ranks[k] < ranks[best]) best = k;
    }
    if (ranks[best] == kNoMerge) break;
    symbols[best] = merge_results_[ranks[best]];
    symbols.erase(symbols.begin() + static_cast<std::ptrdiff_t>(best) + 1);
    std::copy(ranks + best + 1, ranks + n - 1, ranks + best);
    --n;
    if (best > 0) fill(best - 1);
    if (best + 1 < n) fill(best);
  }
}

void Bpe::merge_symbols_heap(std::vector<std::int32_t>& symbols) const {
  struct Node {
    std::int32_t id;
    std::int32_t prev, next;  // -1 at the ends
    bool alive;
  };
  struct Candidate {
    std::uint32_t rank;
    std::int32_t pos;
    std::int32_t left, right;  // the pair when pushed: a changed pair means a stale entry
    bool operator>(const Candidate& o) const {
      return rank != o.rank ? rank > o.rank : pos > o.pos;
    }
  };
  const auto n = static_cast<std::int32_t>(symbols.size());
  thread_local std::vector<Node> nodes;
  nodes.resize(symbols.size());
  for (std::int32_t k = 0; k < n; ++k) nodes[k] = {symbols[k], k - 1, k + 1 < n ? k + 1 : -1, true};
  thread_local std::vector<Candidate> heap;  // a min-heap via std::greater
  heap.clear();
  auto push = [&](std::int32_t pos) {
    const std::int32_t next = nodes[pos].next;
    if (next < 0) return;
    const std::uint32_t rank = find_merge(nodes[pos].id, nodes[next].id);
    if (rank != kNoMerge) {
      heap.push_back({rank, pos, nodes[pos].id, nodes[next].id});
      std::push_heap(heap.begin(), heap.end(), std::greater<>());
    }
  };
  for (std::int32_t k = 0; k + 1 < n; ++k) {
    __builtin_prefetch(&merges_[slot_of(pair_key(symbols[k], symbols[k + 1]), merge_mask_)]);
  }
  for (std::int32_t k = 0; k + 1 < n; ++k) push(k);
  while (!heap.empty()) {
    std::pop_heap(heap.begin(), heap.end(), std::greater<>());
    const Candidate top = heap.back();
    heap.pop_back();
    Node& left = nodes[top.pos];
    if (!left.alive || left.next < 0) continue;
    Node& right = nodes[left.next];
    if (left.id != top.left || right.id != top.right) continue;  // stale entry
    left.id = merge_results_[top.rank];
    right.alive = false;
    left.next = right.next;
    if (right.next >= 0) nodes[right.next].prev = top.pos;
    if (left.prev >= 0) push(left.prev);
    push(top.pos);
  }
  symbols.clear();
  for (std::int32_t k = 0; k >= 0 && k < n; k = nodes[k].next) symbols.push_back(nodes[k].id);
}

void Bpe::encode_word(std::string_view word, bool byte_mapped,
                      std::vector<std::int32_t>& out) const {
  if (word.empty()) return;
  if (cache_->lookup(word, out)) return;
  thread_local std::string mapped;
  thread_local std::vector<std::int32_t> symbols;
  std::string_view model_word = word;
  if (byte_mapped) {
    mapped.clear();
    byte_level::append_mapped(mapped, word);
    model_word = mapped;
  }
  symbols.clear();
  bool whole = false;
  if (options_.ignore_merges) {
    if (const auto it = vocab_.find(model_word); it != vocab_.end()) {
      symbols.push_back(it->second);
      whole = true;
    }
  }
  if (!whole) {
    if (byte_mapped && simple_bytes_) {
      for (char c : word) symbols.push_back(byte_ids_[static_cast<unsigned char>(c)]);
    } else {
      initial_symbols(model_word, symbols);
    }
    merge_symbols(symbols);
  }
  cache_->insert(word, symbols.data(), symbols.size());
  out.insert(out.end(), symbols.begin(), symbols.end());
}

}  // namespace vllmctl
