// The byte scanners inside JsonMatcher: one byte of a JSON string body (escapes,
// surrogate pairs, UTF-8 validity, length bounds) or of a number (JSON's grammar, bounded
// length), each advancing the frame it is given. Internal to engine/structured.
#pragma once

#include "engine/structured/json_matcher.h"

#include <cstdint>

namespace vllmctl::structured::detail {

// String scanner modes. After a \u escape of a high surrogate the low one must follow.
enum : uint8_t { kNormal, kEscape, kHex, kUtf8, kLowBackslash, kLowU };
// Facts about the \u escape being read (Frame::str_flags).
enum : uint8_t { kLowRequired = 1, kFirstDigitD = 2, kHighSurrogate = 4 };
// Number sub-states (JSON's number grammar).
enum : uint8_t { kStart, kMinus, kZero, kInt, kDot, kFrac, kExp, kExpSign, kExpDigits };


bool is_ws(uint8_t b);
bool is_digit(uint8_t b);

enum class Scan { kMore, kEnd, kReject };

// One byte of a string body (after the opening quote). `max_chars` < 0: unbounded.
Scan scan_string(JsonMatcher::Frame& f, uint8_t b, int min_chars, int max_chars);

// Whether a number in this sub-state is complete.
bool number_accepting(uint8_t state);

// One byte of a number. kEnd: `b` is not part of it and what came before is complete.
Scan scan_number(JsonMatcher::Frame& f, uint8_t b, bool integer);

}  // namespace vllmctl::structured::detail
