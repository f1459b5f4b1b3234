// JsonMatcher: an incremental, byte-level recognizer of the JSON texts a JsonGrammar
// allows (RFC 8259 syntax plus the schema's constraints). It answers "can these bytes
// come next?" for the sampler's token mask and advances as tokens are chosen. Every
// state it reaches can still be completed, so a masked generation never dead-ends.
// Limits that keep a generation bounded and parseable everywhere: between tokens, at most
// 24 whitespace bytes with at most two line-break bytes ("\r\n", or one blank line), so
// a model cannot pad forever (compact and pretty-printed JSON both fit); numbers of at most 64 bytes
// with at most two exponent digits (always a finite double). Not thread-safe; one
// matcher per sequence.
#pragma once

#include "engine/structured/json_grammar.h"

#include <cstdint>
#include <memory>
#include <string_view>
#include <vector>

namespace vllmctl::structured {

class JsonMatcher {
 public:
  explicit JsonMatcher(std::shared_ptr<const JsonGrammar> grammar);

  // Advances over `bytes` and returns true, or returns false and changes nothing when
  // no text of the grammar continues with them.
  bool accept(std::string_view bytes);
  // Whether accept(bytes) would succeed. Reuses internal scratch: not thread-safe.
  bool can_accept(std::string_view bytes) const;
  // What was accepted is a complete text of the grammar (EOS may come now).
  bool can_finish() const;
  // Complete, and no byte may follow: only EOS.
  bool terminated() const;
  // Inside a string (a value, or a key that may be any text), between characters: how
  // many more characters fit (INT_MAX when unbounded). -1 in any other state.
  int string_room() const;
  // False when no text can satisfy the grammar (every alternative died at the start).
  bool alive() const { return !threads_.empty(); }

  static constexpr int kMaxWhitespaceRun = 24;
  static constexpr int kMaxWhitespaceLineBreaks = 2;
  static constexpr int kMaxNumberBytes = 64;
  static constexpr int kMaxExponentDigits = 2;

  // One step of a JSON value in progress (public for the implementation's helpers).
  struct Frame {
    enum class Type : uint8_t { kValue, kObject, kArray, kString, kNumber, kLiteral };
    Type type = Type::kValue;
    uint8_t state = 0;     // per type: object/array/number sub-state
    uint8_t str_mode = 0;  // string and key scanner: normal, escape, hex, utf8
    uint8_t str_pending = 0;
    uint8_t str_flags = 0;  // the \u escape being read: surrogate facts
    uint8_t next_lo = 0x80, next_hi = 0xBF;  // utf8: the range of the next byte
    int32_t node = 0;
    int32_t count = 0;     // array: items started; string: code points; number: bytes
    int32_t child = -1;    // object: node of the value after the current key
    int32_t pos = 0;       // key or literal: bytes matched; number: exponent digits
    int32_t lo = 0, hi = 0;  // literal: candidate range in the sorted literals
    uint64_t used = 0;     // object: properties seen
    uint64_t candidates = 0;  // key: properties whose key still matches
    bool operator==(const Frame&) const = default;
  };
  struct Thread {
    std::vector<Frame> frames;  // empty: the text is complete
    int16_t ws_run = 0;          // whitespace bytes in a row outside strings
    int16_t ws_line_breaks = 0;  // '\r' and '\n' among them
    bool operator==(const Thread&) const = default;
  };

 private:
  bool feed(std::vector<Thread>& threads, uint8_t byte) const;

  std::shared_ptr<const JsonGrammar> grammar_;
  std::vector<Thread> threads_;  // alternatives still alive (anyOf); empty only for a grammar no text satisfies
  mutable std::vector<Thread> scratch_;
};

}  // namespace vllmctl::structured
