// Stop strings for streaming output: vLLM's StopChecker.check_stop_strings rule, and the
// tail that must be held back because it may still grow into a stop string.
#pragma once

#include <cstddef>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace vllmctl {

struct StopMatch {
  std::size_t stop_index;  // which of the stop strings matched (first in list order)
  // Byte length the output must be cut to, or npos when no cut is needed (the stop string
  // is kept and nothing follows it).
  std::size_t truncate_to;
};

// vLLM's check: only occurrences overlapping the last `num_new_bytes` bytes of `text`
// count; stop strings are tried in list order and the first found wins. With
// include_in_output the cut is at the end of the stop string, else at its start.
std::optional<StopMatch> find_stop_string(std::string_view text, std::size_t num_new_bytes,
                                          const std::vector<std::string>& stops,
                                          bool include_in_output);

// Length in bytes of the longest suffix of `text` that is a proper, non-empty prefix of
// one of `stops`: text that must not be streamed yet.
std::size_t stop_holdback(std::string_view text, const std::vector<std::string>& stops);

}  // namespace vllmctl
