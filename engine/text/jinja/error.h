// Jinja errors. Error is what leaves the library: what() is complete,
// "NAME:LINE:COL: message". Failure is thrown deep inside (filters, methods, operators)
// without a position; the evaluator turns it into an Error at the node that failed.
#pragma once

#include <stdexcept>
#include <string>

namespace vllmctl::jinja {

class Error : public std::runtime_error {
 public:
  Error(const std::string& name, int line, int col, const std::string& message)
      : std::runtime_error(format(name, line, col, message)),
        message_(message),
        line_(line),
        col_(col) {}
  // The message alone (for raise_exception: exactly the template's text).
  const std::string& message() const { return message_; }
  int line() const { return line_; }
  int col() const { return col_; }

 private:
  static std::string format(const std::string& name, int line, int col,
                            const std::string& message) {
    std::string out = name;
    out.append(":").append(std::to_string(line)).append(":").append(std::to_string(col));
    out.append(": ").append(message);
    return out;
  }

  std::string message_;
  int line_;
  int col_;
};

// A runtime failure not yet tied to a template position.
class Failure : public std::runtime_error {
 public:
  explicit Failure(const std::string& message) : std::runtime_error(message) {}
};

// Throws Failure("result too large") when a string being built passes `limit` bytes.
inline void check_size(std::size_t size, std::size_t limit) {
  if (size > limit) throw Failure("result too large");
}

}  // namespace vllmctl::jinja
