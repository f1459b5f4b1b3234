// JsonMatcher: a pushdown recognizer. Each thread is a stack of frames, one per value
// in progress; anyOf splits a thread in one per alternative, and a thread that meets a
// byte it cannot take dies. The matcher lives while one thread does.
#include "engine/structured/json_matcher.h"

#include "engine/structured/json_scanners.h"

#include <algorithm>
#include <limits>
#include <utility>

namespace vllmctl::structured {

namespace {

using Frame = JsonMatcher::Frame;
using Thread = JsonMatcher::Thread;
using Kind = SchemaNode::Kind;
using namespace detail;

constexpr int kMaxThreads = 64;    // anyOf alternatives alive at once; more are dropped
constexpr int kMaxAnyOfDepth = 16; // anyOf of anyOf ... (guards recursive $refs)

// Object and array sub-states.
enum : uint8_t { kOpen, kKey, kColon, kAfterValue, kAfterComma };
class Stepper {
 public:
  Stepper(const JsonGrammar& g, std::vector<Thread>& extra) : g_(g), extra_(extra) {}

  // Advances `t` over `b`. False: `t` dies. Alternatives born on the way go to extra_.
  bool step(Thread& t, uint8_t b) {
    while (true) {
      if (t.frames.empty()) return false;  // complete: nothing may follow
      Frame& f = t.frames.back();
      const SchemaNode& node = g_.nodes[static_cast<size_t>(f.node)];
      switch (f.type) {
        case Frame::Type::kValue: {
          if (is_ws(b)) return whitespace(t, b);
          end_whitespace(t);
          const int node_index = f.node;
          t.frames.pop_back();
          return start_value(t, node_index, b);
        }
        case Frame::Type::kString: {
          const Scan s = scan_string(f, b, node.min_length, node.max_length);
          if (s == Scan::kEnd) t.frames.pop_back();
          return s != Scan::kReject;
        }
        case Frame::Type::kNumber: {
          const Scan s = scan_number(f, b, node.kind == Kind::kInteger);
          if (s != Scan::kEnd) return s == Scan::kMore;
          t.frames.pop_back();  // the number ended before `b`: the parent takes `b`
          continue;
        }
        case Frame::Type::kLiteral: {
          const auto& lits = node.literals;
          const auto at = static_cast<size_t>(f.pos);
          int lo = f.lo;
          while (lo < f.hi && (lits[static_cast<size_t>(lo)].size() <= at ||
                               static_cast<uint8_t>(lits[static_cast<size_t>(lo)][at]) < b)) {
            ++lo;
          }
          int hi = lo;
          while (hi < f.hi && lits[static_cast<size_t>(hi)].size() > at &&
                 static_cast<uint8_t>(lits[static_cast<size_t>(hi)][at]) == b) {
            ++hi;
          }
          if (hi > lo) {
            f.lo = lo;
            f.hi = hi;
            ++f.pos;
            return true;
          }
          if (lits[static_cast<size_t>(f.lo)].size() != at) return false;
          t.frames.pop_back();  // a complete literal (shortest first): the parent takes `b`
          continue;
        }
        case Frame::Type::kObject:
          return object_byte(t, f, node, b);
        case Frame::Type::kArray:
          return array_byte(t, f, node, b);
      }
      return false;
    }
  }

  // Pushes a value of `node` onto `t`; anyOf alternatives after the first become copies
  // of `t` in `born`. False: no alternative (`t` dies).
  bool push_value(Thread& t, int node, std::vector<Thread>& born, int depth = 0) {
    const SchemaNode& n = g_.nodes[static_cast<size_t>(node)];
    if (n.kind != Kind::kAnyOf) {
      Frame f;
      f.type = Frame::Type::kValue;
      f.node = node;
      t.frames.push_back(f);
      return true;
    }
    if (n.alternatives.empty() || depth >= kMaxAnyOfDepth) return false;
    const Thread base = t;
    for (size_t i = 1; i < n.alternatives.size(); ++i) {
      Thread copy = base;
      if (push_value(copy, n.alternatives[i], born, depth + 1)) born.push_back(std::move(copy));
    }
    return push_value(t, n.alternatives[0], born, depth + 1);
  }

 private:
  static bool whitespace(Thread& t, uint8_t b) {
    if ((b == '\n' || b == '\r') && ++t.ws_line_breaks > JsonMatcher::kMaxWhitespaceLineBreaks) return false;
    return ++t.ws_run <= JsonMatcher::kMaxWhitespaceRun;
  }
  static void end_whitespace(Thread& t) { t.ws_run = t.ws_line_breaks = 0; }

  bool start_value(Thread& t, int node_index, uint8_t b) {
    const SchemaNode& node = g_.nodes[static_cast<size_t>(node_index)];
    Frame f;
    f.node = node_index;
    switch (node.kind) {
      case Kind::kAny:
        if (b == '{') return start_value(t, g_.any_object_node, b);
        if (b == '[') return start_value(t, g_.any_array_node, b);
        if (b == '"') return start_value(t, g_.any_string_node, b);
        if (b == '-' || is_digit(b)) return start_value(t, g_.any_number_node, b);
        return start_value(t, g_.any_literals_node, b);
      case Kind::kObject:
      case Kind::kArray:
      case Kind::kString: {  // opened by their one byte; a new frame starts in state 0 (kOpen)
        const bool object = node.kind == Kind::kObject, array = node.kind == Kind::kArray;
        if (b != (object ? '{' : array ? '[' : '"')) return false;
        f.type = object ? Frame::Type::kObject : array ? Frame::Type::kArray : Frame::Type::kString;
        t.frames.push_back(f);
        return true;
      }
      case Kind::kNumber:
      case Kind::kInteger:
        f.type = Frame::Type::kNumber;
        f.state = kStart;
        t.frames.push_back(f);
        return step(t, b);
      case Kind::kLiterals:
        f.type = Frame::Type::kLiteral;
        f.hi = static_cast<int32_t>(node.literals.size());
        t.frames.push_back(f);
        return step(t, b);
      case Kind::kAnyOf:
        return false;  // push_value expands anyOf before a value starts
    }
    return false;
  }

  static uint64_t unused(const SchemaNode& node, const Frame& f) {
    const uint64_t all = node.properties.size() >= 64 ? ~uint64_t{0}
                                                        : (uint64_t{1} << node.properties.size()) - 1;
    return all & ~f.used;
  }
  // Every required property is present.
  static bool may_close(const SchemaNode& node, const Frame& f) {
    for (size_t i = 0; i < node.properties.size(); ++i) {
      if (node.properties[i].required && !(f.used >> i & 1)) return false;
    }
    return true;
  }
  static bool may_add_key(const SchemaNode& node, const Frame& f) {
    return node.additional >= 0 || unused(node, f) != 0;
  }

  // The predicates above are evaluated only in the states that read them: key bytes, the
  // bulk of an object's own bytes, pay for neither.
  bool object_byte(Thread& t, Frame& f, const SchemaNode& node, uint8_t b) {
    switch (f.state) {
      case kOpen:
      case kAfterComma:
        if (is_ws(b)) return whitespace(t, b);
        end_whitespace(t);
        if (b == '"' && may_add_key(node, f)) {
          f.state = kKey;
          f.str_mode = kNormal;
          f.count = 0;
          f.pos = 0;
          f.candidates = unused(node, f);
          return true;
        }
        if (b == '}' && f.state == kOpen && may_close(node, f)) {
          t.frames.pop_back();
          return true;
        }
        return false;
      case kKey: {
        if (b == '"' && f.str_mode == kNormal) {  // the key is complete
          f.child = node.additional;
          for (size_t i = 0; i < node.properties.size(); ++i) {
            if ((f.candidates >> i & 1) && node.properties[i].key_json.size() == static_cast<size_t>(f.pos)) {
              f.child = node.properties[i].node;
              f.used |= uint64_t{1} << i;
            }
          }
          if (f.child < 0) return false;
          f.state = kColon;
          return true;
        }
        if (scan_string(f, b, 0, -1) == Scan::kReject) return false;
        for (size_t i = 0; i < node.properties.size(); ++i) {
          const std::string& key = node.properties[i].key_json;
          if ((f.candidates >> i & 1) &&
              (key.size() <= static_cast<size_t>(f.pos) || static_cast<uint8_t>(key[static_cast<size_t>(f.pos)]) != b)) {
            f.candidates &= ~(uint64_t{1} << i);
          }
        }
        ++f.pos;
        return f.candidates != 0 || node.additional >= 0;
      }
      case kColon:
        if (is_ws(b)) return whitespace(t, b);
        if (b != ':') return false;
        end_whitespace(t);
        f.state = kAfterValue;
        return push_value(t, f.child, extra_);
      case kAfterValue:
        if (is_ws(b)) return whitespace(t, b);
        end_whitespace(t);
        if (b == ',' && may_add_key(node, f)) {
          f.state = kAfterComma;
          return true;
        }
        if (b == '}' && may_close(node, f)) {
          t.frames.pop_back();
          return true;
        }
        return false;
    }
    return false;
  }

  bool array_byte(Thread& t, Frame& f, const SchemaNode& node, uint8_t b) {
    const bool may_add = node.max_items < 0 || f.count < node.max_items;
    if (is_ws(b)) return whitespace(t, b);
    end_whitespace(t);
    switch (f.state) {
      case kOpen:
        if (b == ']' && node.min_items == 0) {
          t.frames.pop_back();
          return true;
        }
        if (!may_add) return false;
        break;  // an item starts with `b`
      case kAfterValue:
        if (b == ',' && may_add) {
          f.state = kAfterComma;
          return true;
        }
        if (b == ']' && f.count >= node.min_items) {
          t.frames.pop_back();
          return true;
        }
        return false;
      case kAfterComma:
        break;  // an item starts with `b`
      default:
        return false;
    }
    f.state = kAfterValue;
    ++f.count;
    std::vector<Thread> born;
    const bool alive = push_value(t, node.items, born);
    for (Thread& other : born) {
      if (step(other, b)) extra_.push_back(std::move(other));
    }
    return alive && step(t, b);
  }

  const JsonGrammar& g_;
  std::vector<Thread>& extra_;
};

}  // namespace

JsonMatcher::JsonMatcher(std::shared_ptr<const JsonGrammar> grammar) : grammar_(std::move(grammar)) {
  std::vector<Thread> born;
  Stepper stepper(*grammar_, born);
  Thread t;
  if (stepper.push_value(t, grammar_->root, born)) threads_.push_back(std::move(t));
  for (Thread& other : born) threads_.push_back(std::move(other));
}

bool JsonMatcher::feed(std::vector<Thread>& threads, uint8_t byte) const {
  std::vector<Thread> born;
  Stepper stepper(*grammar_, born);
  size_t alive = 0;
  for (size_t i = 0; i < threads.size(); ++i) {
    if (!stepper.step(threads[i], byte)) continue;
    if (alive != i) threads[alive] = std::move(threads[i]);
    ++alive;
  }
  threads.resize(alive);
  for (Thread& t : born) threads.push_back(std::move(t));
  if (threads.size() > 1) {
    // Alternatives that reached the same state are one.
    for (size_t i = 1; i < threads.size();) {
      if (std::find(threads.begin(), threads.begin() + static_cast<ptrdiff_t>(i), threads[i]) !=
          threads.begin() + static_cast<ptrdiff_t>(i)) {
        threads.erase(threads.begin() + static_cast<ptrdiff_t>(i));
      } else {
        ++i;
      }
    }
    if (threads.size() > kMaxThreads) threads.resize(kMaxThreads);
  }
  return !threads.empty();
}

bool JsonMatcher::accept(std::string_view bytes) {
  if (bytes.empty()) return true;
  scratch_ = threads_;
  for (char c : bytes) {
    if (!feed(scratch_, static_cast<uint8_t>(c))) return false;
  }
  std::swap(threads_, scratch_);
  return true;
}

bool JsonMatcher::can_accept(std::string_view bytes) const {
  scratch_ = threads_;
  for (char c : bytes) {
    if (!feed(scratch_, static_cast<uint8_t>(c))) return false;
  }
  return true;
}

bool JsonMatcher::can_finish() const {
  for (const Thread& t : threads_) {
    if (t.frames.empty()) return true;
    if (t.frames.size() != 1) continue;
    const Frame& f = t.frames.back();
    if (f.type == Frame::Type::kNumber && number_accepting(f.state)) return true;
    if (f.type == Frame::Type::kLiteral &&
        grammar_->nodes[static_cast<size_t>(f.node)].literals[static_cast<size_t>(f.lo)].size() ==
            static_cast<size_t>(f.pos)) {
      return true;
    }
  }
  return false;
}

int JsonMatcher::string_room() const {
  int room = -1;
  for (const Thread& t : threads_) {
    if (t.frames.empty()) return -1;
    const Frame& f = t.frames.back();
    const SchemaNode& node = grammar_->nodes[static_cast<size_t>(f.node)];
    int r;
    if (f.type == Frame::Type::kString && f.str_mode == kNormal) {
      r = node.max_length < 0 ? std::numeric_limits<int>::max() : node.max_length - f.count;
    } else if (f.type == Frame::Type::kObject && f.state == kKey && f.str_mode == kNormal && node.additional >= 0) {
      r = std::numeric_limits<int>::max();
    } else {
      return -1;  // a thread elsewhere: tokens must be tried one by one
    }
    room = std::max(room, r);
  }
  return room;
}

bool JsonMatcher::terminated() const {
  return std::all_of(threads_.begin(), threads_.end(), [](const Thread& t) { return t.frames.empty(); });
}

}  // namespace vllmctl::structured
