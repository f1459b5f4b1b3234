// A length range given as "N" or "MIN:MAX" (inclusive), as the bench commands take it.
#pragma once

#include <string>

namespace vllmctl {

struct LengthRange {
  int min = 0;
  int max = 0;
};

// Throws std::runtime_error naming `option` and the value when it is not N or MIN:MAX
// with 1 <= MIN <= MAX.
LengthRange parse_length_range(const std::string& text, const std::string& option);

}  // namespace vllmctl
