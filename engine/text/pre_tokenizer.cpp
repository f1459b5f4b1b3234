// Pre-tokenizer steps, mirroring tokenizers' NormalizedString::split for the delimiter
// behaviours and ByteLevel::pre_tokenize for the prefix space and GPT-2 regex.
#include "engine/text/pre_tokenizer.h"

#include <stdexcept>

#include <nlohmann/json.hpp>

namespace vllmctl {
namespace {

constexpr std::string_view kGpt2Pattern =
    R"('s|'t|'re|'ve|'m|'ll|'d| ?\p{L}+| ?\p{N}+| ?[^\s\p{L}\p{N}]+|\s+(?!\S)|\s+)";

std::shared_ptr<const PreTokenizerRegex> gpt2_regex() {
  static const auto regex = std::make_shared<const PreTokenizerRegex>(kGpt2Pattern, false);
  return regex;
}

SplitBehavior parse_behavior(const std::string& name) {
  if (name == "Removed") return SplitBehavior::kRemoved;
  if (name == "Isolated") return SplitBehavior::kIsolated;
  if (name == "MergedWithPrevious") return SplitBehavior::kMergedWithPrevious;
  if (name == "MergedWithNext") return SplitBehavior::kMergedWithNext;
  if (name == "Contiguous") return SplitBehavior::kContiguous;
  throw std::runtime_error("unsupported Split behavior '" + name + "'");
}

struct Segment {
  std::size_t start, end;
  bool is_match;
};

}  // namespace

void split_by_regex(std::string_view text, const PreTokenizerRegex& regex,
                    SplitBehavior behavior, bool invert, std::vector<std::string_view>& out) {
  if (text.empty()) return;
  auto piece = [&](std::size_t s, std::size_t e) {
    if (e > s) out.push_back(text.substr(s, e - s));
  };
  if (behavior == SplitBehavior::kIsolated) {  // the common case: no bookkeeping
    std::size_t prev = 0;
    regex.for_each_match(text, [&](std::size_t s, std::size_t e) {
      piece(prev, s);
      piece(s, e);
      prev = e;
    });
    piece(prev, text.size());
    return;
  }
  thread_local std::vector<Segment> segments;
  segments.clear();
  std::size_t prev = 0;
  regex.for_each_match(text, [&](std::size_t s, std::size_t e) {
    if (prev != s) segments.push_back({prev, s, invert});
    segments.push_back({s, e, !invert});
    prev = e;
  });
  if (prev != text.size()) segments.push_back({prev, text.size(), invert});

  thread_local std::vector<Segment> merged;
  merged.clear();
  bool previous_match = false;
  switch (behavior) {
    case SplitBehavior::kIsolated:
      break;
    case SplitBehavior::kRemoved:
      for (const Segment& seg : segments) {
        if (!seg.is_match) piece(seg.start, seg.end);
      }
      return;
    case SplitBehavior::kContiguous:
      for (const Segment& seg : segments) {
        if (seg.is_match == previous_match && !merged.empty()) {
          merged.back().end = seg.end;
        } else {
          merged.push_back(seg);
        }
        previous_match = seg.is_match;
      }
      break;
    case SplitBehavior::kMergedWithPrevious:
      for (const Segment& seg : segments) {
        if (seg.is_match && !previous_match && !merged.empty()) {
          merged.back().end = seg.end;
        } else {
          merged.push_back(seg);
        }
        previous_match = seg.is_match;
      }
      break;
    case SplitBehavior::kMergedWithNext:
      for (auto it = segments.rbegin(); it != segments.rend(); ++it) {
        if (it->is_match && !previous_match && !merged.empty()) {
          merged.back().start = it->start;
        } else {
          merged.push_back(*it);
        }
        previous_match = it->is_match;
      }
      for (auto it = merged.rbegin(); it != merged.rend(); ++it) piece(it->start, it->end);
      return;
  }
  for (const Segment& seg : merged) piece(seg.start, seg.end);
}

PreTokenizer PreTokenizer::from_json(const nlohmann::json& spec) {
  PreTokenizer p;
  if (!spec.is_null()) p.add_from_json(spec);
  return p;
}

void PreTokenizer::add_from_json(const nlohmann::json& spec) {
  const std::string type = spec.value("type", "");
  if (type == "Sequence") {
    for (const auto& sub : spec.at("pretokenizers")) add_from_json(sub);
    return;
  }
  Step step;
  if (type == "Split") {
    if (byte_level_) {
      throw std::runtime_error("unsupported pre_tokenizer: Split after ByteLevel");
    }
    const auto& pattern = spec.at("pattern");
    const bool literal = pattern.contains("String");
    const std::string source = literal ? pattern.at("String").get<std::string>()
                                       : pattern.at("Regex").get<std::string>();
    step.regex = std::make_shared<const PreTokenizerRegex>(source, literal);
    step.behavior = parse_behavior(spec.value("behavior", "Isolated"));
    step.invert = spec.value("invert", false);
  } else if (type == "ByteLevel") {
    step.is_split = false;
    step.add_prefix_space = spec.value("add_prefix_space", false);
    if (spec.value("use_regex", true)) step.regex = gpt2_regex();
    byte_level_ = true;
    // Without a prefix space or regex, ByteLevel only maps bytes, which BPE does.
    if (!step.add_prefix_space && !step.regex) return;
  } else {
    throw std::runtime_error("unsupported pre_tokenizer type '" + type + "'");
  }
  steps_.push_back(std::move(step));
}

void PreTokenizer::split(std::string_view text, std::vector<std::string_view>& out,
                         std::vector<std::string_view>& scratch,
                         std::deque<std::string>& arena) const {
  if (text.empty()) return;
  if (steps_.empty()) {
    out.push_back(text);
    return;
  }
  // Pieces flow through the steps; the last step appends straight into `out`.
  scratch.clear();
  scratch.push_back(text);
  thread_local std::vector<std::string_view> next;
  for (std::size_t k = 0; k < steps_.size(); ++k) {
    const Step& step = steps_[k];
    const bool last = k + 1 == steps_.size();
    std::vector<std::string_view>& dest = last ? out : next;
    if (!last) next.clear();
    for (std::string_view piece : scratch) {
      if (!step.is_split && step.add_prefix_space && piece.front() != ' ') {
        arena.push_back(" " + std::string(piece));
        piece = arena.back();
      }
      if (step.regex) {
        split_by_regex(piece, *step.regex, step.behavior, step.invert, dest);
      } else {
        dest.push_back(piece);
      }
    }
    if (!last) scratch.swap(next);
  }
}

}  // namespace vllmctl
