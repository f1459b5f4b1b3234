// Streaming detokenization for one request: feed generated ids, get text that is safe to
// send. Mirrors vLLM's detokenize_incrementally (prefix/read offsets over the last few
// tokens, text withheld while it ends in U+FFFD) and its stop-string handling, and holds
// back any tail that may still grow into a stop string.
#pragma once

#include <cstdint>
#include <optional>
#include <span>
#include <string>
#include <vector>

#include "engine/text/tokenizer.h"

namespace vllmctl {

// spaces_between_special_tokens is not a field: for tokenizer.json ("fast") tokenizers
// vLLM never inserts spaces between added tokens (its default `true` only affects slow
// tokenizers), so added tokens are joined exactly as decode() joins them.
struct DetokenizerParams {
  bool skip_special_tokens = true;          // vLLM's default
  std::vector<std::string> stop;            // stop strings (empty ones are ignored)
  bool include_stop_str_in_output = false;  // vLLM's default: the stop string is cut off
  std::size_t min_tokens = 0;               // stop strings are not checked before this
};

struct DetokenizerDelta {
  std::string text;                 // new text that is safe to send now
  // Set when a stop string matched: the request is done. The output is already cut where
  // vLLM cuts it (before the stop string, or after it with include_stop_str_in_output),
  // so `text` and output_text() never contain anything past that point.
  std::optional<std::string> stop;
};

// Not thread-safe: one per request, used by the thread that owns the request.
class IncrementalDetokenizer {
 public:
  // `prompt_ids`: their last few ids prime the window, as vLLM does, so the first output
  // token is decoded in context. The tokenizer must outlive this object.
  IncrementalDetokenizer(const Tokenizer& tokenizer, std::span<const std::int32_t> prompt_ids,
                         DetokenizerParams params);

  // Feeds generated ids. `stop_terminated`: the last id ended generation (EOS or a stop
  // token id); unless include_stop_str_in_output it is not detokenized, as in vLLM.
  // After a stop string matched, further calls return nothing.
  DetokenizerDelta update(std::span<const std::int32_t> new_ids, bool stop_terminated = false);

  // The request ended for another reason (length, EOS): returns what is still held back,
  // including the bytes of an unfinished character as U+FFFD (vLLM silently drops those;
  // this keeps streamed text equal to a full decode). Idempotent.
  std::string finish();

  // All text so far, including what is still held back.
  const std::string& output_text() const { return output_text_; }
  bool finished() const { return finished_; }

 private:
  std::string step(std::int32_t id);     // detokenize_incrementally for one id
  std::string emit(std::size_t limit);   // output_text_[emitted_, limit)
  void drop_consumed_tokens();

  const Tokenizer& tokenizer_;
  DetokenizerParams params_;
  std::vector<std::int32_t> tokens_;  // decodable ids (specials removed when skipping)
  std::size_t prefix_offset_ = 0;     // tokens_[prefix_offset_, read_offset_): context
  std::size_t read_offset_ = 0;       // tokens_[read_offset_, end): not yet emitted
  std::string prefix_text_;           // decode(tokens_[prefix_offset_, read_offset_))
  std::size_t prefix_chars_ = 0;
  std::string output_text_;
  std::size_t emitted_ = 0;           // bytes of output_text_ already returned
  std::size_t num_output_tokens_ = 0;
  bool finished_ = false;
};

}  // namespace vllmctl
