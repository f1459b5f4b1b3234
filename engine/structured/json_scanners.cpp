// JSON string and number scanners, one byte at a time.
#include "engine/structured/json_scanners.h"

namespace vllmctl::structured::detail {

using Frame = JsonMatcher::Frame;

namespace {

bool is_hex(uint8_t b) { return is_digit(b) || (b >= 'a' && b <= 'f') || (b >= 'A' && b <= 'F'); }

}  // namespace

bool is_ws(uint8_t b) { return b == ' ' || b == '\t' || b == '\n' || b == '\r'; }
bool is_digit(uint8_t b) { return b >= '0' && b <= '9'; }

Scan scan_string(Frame& f, uint8_t b, int min_chars, int max_chars) {
  auto add_char = [&] {
    if (max_chars >= 0 && f.count >= max_chars) return false;
    ++f.count;
    return true;
  };
  switch (f.str_mode) {
    case kNormal:
      if (b == '"') return f.count >= min_chars ? Scan::kEnd : Scan::kReject;
      if (b == '\\') {  // the escape is a character: only when one more fits
        if (max_chars >= 0 && f.count >= max_chars) return Scan::kReject;
        f.str_mode = kEscape;
        return Scan::kMore;
      }
      if (b < 0x20) return Scan::kReject;  // control characters must be escaped
      if (b < 0x80) return add_char() ? Scan::kMore : Scan::kReject;
      if (b >= 0xC2 && b <= 0xF4) {  // a UTF-8 lead byte
        f.str_mode = kUtf8;
        f.str_pending = b < 0xE0 ? 1 : b < 0xF0 ? 2 : 3;
        // The second byte's range rules out overlong forms, surrogates and > U+10FFFF.
        f.next_lo = b == 0xE0 ? 0xA0 : b == 0xF0 ? 0x90 : 0x80;
        f.next_hi = b == 0xED ? 0x9F : b == 0xF4 ? 0x8F : 0xBF;
        return add_char() ? Scan::kMore : Scan::kReject;
      }
      return Scan::kReject;
    case kEscape:
      if (b == 'u') {
        f.str_mode = kHex;
        f.str_pending = 4;
      } else if (b == '"' || b == '\\' || b == '/' || b == 'b' || b == 'f' || b == 'n' ||
                 b == 'r' || b == 't') {
        f.str_mode = kNormal;
      } else {
        return Scan::kReject;
      }
      return add_char() ? Scan::kMore : Scan::kReject;
    case kHex: {
      // Surrogates must pair up (a lone one is not valid Unicode, and parsers refuse it):
      // D800-DBFF needs a following \uDC00-DFFF, which may not stand alone.
      if (!is_hex(b)) return Scan::kReject;
      const int digit = 4 - f.str_pending;
      const int v = is_digit(b) ? b - '0' : (b | 0x20) - 'a' + 10;
      if (digit == 0) {
        if (v == 0xD) f.str_flags |= kFirstDigitD;
        else if (f.str_flags & kLowRequired) return Scan::kReject;
      } else if (digit == 1 && (f.str_flags & kFirstDigitD)) {
        if (f.str_flags & kLowRequired) {
          if (v < 0xC) return Scan::kReject;
        } else if (v >= 0xC) {
          return Scan::kReject;
        } else if (v >= 0x8) {
          f.str_flags |= kHighSurrogate;
        }
      }
      if (--f.str_pending == 0) {
        f.str_mode = (f.str_flags & kHighSurrogate) ? kLowBackslash : kNormal;
        f.str_flags = 0;
      }
      return Scan::kMore;
    }
    case kLowBackslash:
      if (b != '\\') return Scan::kReject;
      f.str_mode = kLowU;
      return Scan::kMore;
    case kLowU:
      if (b != 'u') return Scan::kReject;
      f.str_mode = kHex;
      f.str_pending = 4;
      f.str_flags = kLowRequired;
      return Scan::kMore;  // the pair is one code point, counted at the high half
    case kUtf8:
      if (b < f.next_lo || b > f.next_hi) return Scan::kReject;
      f.next_lo = 0x80;
      f.next_hi = 0xBF;
      if (--f.str_pending == 0) f.str_mode = kNormal;
      return Scan::kMore;
  }
  return Scan::kReject;
}

bool number_accepting(uint8_t state) {
  return state == kZero || state == kInt || state == kFrac || state == kExpDigits;
}

Scan scan_number(Frame& f, uint8_t b, bool integer) {
  // A state that is not yet a number needs room for one more byte, or it dead-ends.
  auto to = [&](uint8_t s) {
    const int needed = f.count + 1 + (number_accepting(s) ? 0 : 1);
    if (needed > JsonMatcher::kMaxNumberBytes) return Scan::kReject;
    f.state = s;
    ++f.count;
    return Scan::kMore;
  };
  const bool fraction_ok = !integer;
  switch (f.state) {
    case kStart:
      if (b == '-') return to(kMinus);
      [[fallthrough]];
    case kMinus:
      if (b == '0') return to(kZero);
      if (is_digit(b)) return to(kInt);
      return Scan::kReject;
    case kInt:
      if (is_digit(b)) return to(kInt);
      [[fallthrough]];
    case kZero:
      if (fraction_ok && b == '.') return to(kDot);
      if (fraction_ok && (b == 'e' || b == 'E')) return to(kExp);
      if (is_digit(b)) return Scan::kReject;  // a leading zero
      return Scan::kEnd;
    case kDot:
      return is_digit(b) ? to(kFrac) : Scan::kReject;
    case kFrac:
      if (is_digit(b)) return to(kFrac);
      if (b == 'e' || b == 'E') return to(kExp);
      return Scan::kEnd;
    case kExp:
      if (b == '+' || b == '-') return to(kExpSign);
      [[fallthrough]];
    case kExpSign:
      f.pos = 1;
      return is_digit(b) ? to(kExpDigits) : Scan::kReject;
    case kExpDigits:
      if (!is_digit(b)) return Scan::kEnd;
      // At most two exponent digits: with 64 bytes, every number stays a finite double.
      return ++f.pos <= JsonMatcher::kMaxExponentDigits ? to(kExpDigits) : Scan::kReject;
  }
  return Scan::kReject;
}


}  // namespace vllmctl::structured::detail
