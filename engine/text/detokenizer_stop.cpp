// Stop-string search and hold-back. Byte offsets are safe here: a UTF-8 needle found in
// valid UTF-8 text always starts and ends on character boundaries.
#include "engine/text/detokenizer_stop.h"

#include <algorithm>

namespace vllmctl {

std::optional<StopMatch> find_stop_string(std::string_view text, std::size_t num_new_bytes,
                                          const std::vector<std::string>& stops,
                                          bool include_in_output) {
  if (num_new_bytes == 0) return std::nullopt;
  const std::size_t old_end = text.size() - std::min(num_new_bytes, text.size());
  for (std::size_t k = 0; k < stops.size(); ++k) {
    const std::string& stop = stops[k];
    if (stop.empty()) continue;
    // Python: output_text.find(stop, 1 - new_char_count - len(stop)).
    const std::size_t from = old_end + 1 > stop.size() ? old_end + 1 - stop.size() : 0;
    const std::size_t hit = text.find(stop, from);
    if (hit == std::string_view::npos) continue;
    if (!include_in_output) return StopMatch{k, hit};
    const std::size_t end = hit + stop.size();
    return StopMatch{k, end >= text.size() ? std::string_view::npos : end};
  }
  return std::nullopt;
}

std::size_t stop_holdback(std::string_view text, const std::vector<std::string>& stops) {
  std::size_t best = 0;
  for (const std::string& stop : stops) {
    const std::size_t longest = std::min(stop.size() - (stop.empty() ? 0 : 1), text.size());
    for (std::size_t len = longest; len > best; --len) {
      if (text.substr(text.size() - len) == std::string_view(stop).substr(0, len)) {
        best = len;
        break;
      }
    }
  }
  return best;
}

}  // namespace vllmctl
