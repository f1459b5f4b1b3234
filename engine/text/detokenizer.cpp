// The incremental detokenizer: vLLM's prefix_offset / read_offset algorithm, then stop
// strings, then the hold-back that decides how much of output_text_ is safe to send.
#include "engine/text/detokenizer.h"

#include <algorithm>

#include "engine/text/detokenizer_stop.h"
#include "engine/text/utf8.h"

namespace vllmctl {
namespace {

// vLLM's INITIAL_INCREMENTAL_DETOKENIZATION_OFFSET: the prompt window is the last 5 + 2
// ids, of which the last 5 are the prefix.
constexpr std::size_t kInitialOffset = 5;

// Byte offset of code point number `chars` in valid UTF-8 `s` (size() past the end).
std::size_t byte_offset_of_char(const std::string& s, std::size_t chars) {
  for (std::size_t i = 0; i < s.size(); ++i) {
    if ((static_cast<unsigned char>(s[i]) & 0xC0) == 0x80) continue;
    if (chars == 0) return i;
    --chars;
  }
  return s.size();
}

bool ends_with_replacement(const std::string& s) {
  return s.size() >= 3 && std::string_view(s).substr(s.size() - 3) == utf8::kReplacement;
}

}  // namespace

IncrementalDetokenizer::IncrementalDetokenizer(const Tokenizer& tokenizer,
                                               std::span<const std::int32_t> prompt_ids,
                                               DetokenizerParams params)
    : tokenizer_(tokenizer), params_(std::move(params)) {
  const std::size_t window = std::min(prompt_ids.size(), kInitialOffset + 2);
  for (std::int32_t id : prompt_ids.subspan(prompt_ids.size() - window)) {
    if (params_.skip_special_tokens && tokenizer_.is_special(id)) continue;
    tokens_.push_back(id);
  }
  read_offset_ = tokens_.size();
  prefix_offset_ = read_offset_ > kInitialOffset ? read_offset_ - kInitialOffset : 0;
  prefix_text_ = tokenizer_.decode(
      std::span(tokens_).subspan(prefix_offset_, read_offset_ - prefix_offset_),
      params_.skip_special_tokens);
  prefix_chars_ = utf8::count_chars(prefix_text_);
}

std::string IncrementalDetokenizer::step(std::int32_t id) {
  if (params_.skip_special_tokens && tokenizer_.is_special(id)) return {};
  tokens_.push_back(id);  // ids naming no token stay and decode to nothing
  const std::string new_text = tokenizer_.decode(
      std::span(tokens_).subspan(prefix_offset_), params_.skip_special_tokens);
  const std::size_t new_chars = utf8::count_chars(new_text);
  // An unfinished character shows up as a trailing U+FFFD: wait for more bytes.
  if (new_chars <= prefix_chars_ || ends_with_replacement(new_text)) return {};
  std::string delta = new_text.substr(byte_offset_of_char(new_text, prefix_chars_));
  prefix_offset_ = read_offset_;
  read_offset_ = tokens_.size();
  prefix_text_ = tokenizer_.decode(
      std::span(tokens_).subspan(prefix_offset_, read_offset_ - prefix_offset_),
      params_.skip_special_tokens);
  prefix_chars_ = utf8::count_chars(prefix_text_);
  drop_consumed_tokens();
  return delta;
}

void IncrementalDetokenizer::drop_consumed_tokens() {
  // Only tokens_[prefix_offset_..] are ever decoded again.
  if (prefix_offset_ < 4096) return;
  tokens_.erase(tokens_.begin(), tokens_.begin() + static_cast<std::ptrdiff_t>(prefix_offset_));
  read_offset_ -= prefix_offset_;
  prefix_offset_ = 0;
}

std::string IncrementalDetokenizer::emit(std::size_t limit) {
  limit = std::min(limit, output_text_.size());
  if (limit <= emitted_) return {};
  std::string out = output_text_.substr(emitted_, limit - emitted_);
  emitted_ = limit;
  return out;
}

DetokenizerDelta IncrementalDetokenizer::update(std::span<const std::int32_t> new_ids,
                                                bool stop_terminated) {
  DetokenizerDelta delta;
  if (finished_ || new_ids.empty()) return delta;
  std::span<const std::int32_t> ids = new_ids;
  if (stop_terminated && !params_.include_stop_str_in_output) {
    ids = ids.first(ids.size() - 1);
    ++num_output_tokens_;  // counted, never shown
  }
  std::size_t stop_check_offset = output_text_.size();
  for (std::int32_t id : ids) {
    ++num_output_tokens_;
    output_text_ += step(id);
    if (params_.min_tokens && num_output_tokens_ <= params_.min_tokens) {
      stop_check_offset = output_text_.size();
    }
  }
  if (!params_.stop.empty() && num_output_tokens_ > params_.min_tokens) {
    if (const auto m = find_stop_string(output_text_, output_text_.size() - stop_check_offset,
                                        params_.stop, params_.include_stop_str_in_output)) {
      if (m->truncate_to != std::string::npos) {
        output_text_.resize(std::max(m->truncate_to, emitted_));
      }
      finished_ = true;
      delta.stop = params_.stop[m->stop_index];
      delta.text = emit(output_text_.size());
      return delta;
    }
  }
  std::size_t hold = 0;
  if (!params_.include_stop_str_in_output) hold = stop_holdback(output_text_, params_.stop);
  delta.text = emit(output_text_.size() - hold);
  return delta;
}

std::string IncrementalDetokenizer::finish() {
  if (!finished_) {
    finished_ = true;
    const std::string rest = tokenizer_.decode(std::span(tokens_).subspan(prefix_offset_),
                                               params_.skip_special_tokens);
    const std::size_t chars = utf8::count_chars(rest);
    if (chars > prefix_chars_) {
      const std::size_t before = output_text_.size();
      output_text_ += rest.substr(byte_offset_of_char(rest, prefix_chars_));
      if (!params_.stop.empty() && num_output_tokens_ > params_.min_tokens) {
        if (const auto m = find_stop_string(output_text_, output_text_.size() - before,
                                            params_.stop, params_.include_stop_str_in_output);
            m && m->truncate_to != std::string::npos) {
          output_text_.resize(std::max(m->truncate_to, emitted_));
        }
      }
    }
  }
  return emit(output_text_.size());
}

}  // namespace vllmctl
