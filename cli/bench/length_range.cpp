// parse_length_range.
#include "cli/bench/length_range.h"

#include <fmt/format.h>

#include <charconv>
#include <stdexcept>

namespace vllmctl {

LengthRange parse_length_range(const std::string& text, const std::string& option) {
  auto parse_int = [&](std::string_view s, int& out) {
    auto [ptr, ec] = std::from_chars(s.data(), s.data() + s.size(), out);
    return ec == std::errc() && ptr == s.data() + s.size();
  };
  LengthRange r;
  const auto colon = text.find(':');
  bool ok = colon == std::string::npos
                ? parse_int(text, r.min) && (r.max = r.min, true)
                : parse_int(std::string_view(text).substr(0, colon), r.min) &&
                      parse_int(std::string_view(text).substr(colon + 1), r.max);
  if (!ok || r.min < 1 || r.max < r.min) {
    throw std::runtime_error(fmt::format("{} '{}' is not a length N or a range MIN:MAX (1 <= MIN <= MAX), e.g. 100:1024",
                                         option, text));
  }
  return r;
}

}  // namespace vllmctl
