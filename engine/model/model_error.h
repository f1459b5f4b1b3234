// ModelFileError: what every model-file parser and loader here throws. Its what() is the
// complete one-line message, naming the file (and the tensor or field) at fault.
#pragma once

#include <stdexcept>
#include <string>
#include <string_view>

namespace vllmctl {

class ModelFileError : public std::runtime_error {
 public:
  using std::runtime_error::runtime_error;
};

// `text` made safe for a one-line message: control bytes become \xNN, and anything
// past `max_chars` becomes "...". For names and values that come from untrusted files.
std::string printable(std::string_view text, size_t max_chars = 160);

}  // namespace vllmctl
