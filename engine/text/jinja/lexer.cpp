// The Jinja lexer, a port of jinja2's tokeniter rules for the default delimiters.
#include "engine/text/jinja/lexer.h"

#include <algorithm>
#include <cctype>
#include <cstring>

#include "engine/text/jinja/error.h"
#include "engine/text/jinja/utf8.h"

namespace vllmctl::jinja {
namespace {

constexpr std::size_t kMaxTokensPerTag = 2000;

bool is_space(char c) {
  return c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == '\f' || c == '\v';
}

std::string rstrip(std::string_view s) {
  std::size_t end = s.size();
  while (end > 0 && is_space(s[end - 1])) --end;
  return std::string(s.substr(0, end));
}

// Newlines become "\n"; one trailing newline goes unless kept (jinja2 does both).
std::string normalize(std::string_view src, bool keep_trailing_newline) {
  std::string out;
  out.reserve(src.size());
  for (std::size_t i = 0; i < src.size(); ++i) {
    if (src[i] == '\r') {
      out += '\n';
      if (i + 1 < src.size() && src[i + 1] == '\n') ++i;
    } else {
      out += src[i];
    }
  }
  if (!keep_trailing_newline && !out.empty() && out.back() == '\n') out.pop_back();
  return out;
}

class Lexer {
 public:
  Lexer(std::string source, const LexerOptions& options, const std::string& name)
      : src_(std::move(source)), opt_(options), name_(name) {
    line_starts_.push_back(0);
    for (std::size_t i = 0; i < src_.size(); ++i) {
      if (src_[i] == '\n') line_starts_.push_back(i + 1);
    }
  }

  std::vector<Token> run() {
    bool line_starting = true;
    while (pos_ < src_.size()) {
      std::size_t start = find_tag(pos_);
      if (start == std::string::npos) {
        emit(TokenType::Data, src_.substr(pos_), pos_);
        pos_ = src_.size();
        break;
      }
      char kind = src_[start + 1];  // '{', '%' or '#'
      char sign = start + 2 < src_.size() ? src_[start + 2] : '\0';
      std::string text = src_.substr(pos_, start - pos_);
      std::size_t text_pos = pos_;
      if (sign == '-') {
        text = rstrip(text);
      } else if (sign != '+' && opt_.lstrip_blocks && kind != '{') {
        std::size_t l_pos = text.rfind('\n');
        l_pos = l_pos == std::string::npos ? 0 : l_pos + 1;
        if (l_pos > 0 || line_starting) {
          bool blank = std::all_of(text.begin() + static_cast<long>(l_pos), text.end(),
                                   [](char c) { return c == ' ' || c == '\t'; });
          if (blank) text.resize(l_pos);
        }
      }
      if (!text.empty()) emit(TokenType::Data, text, text_pos);
      std::size_t body = start + 2 + ((sign == '-' || sign == '+') ? 1 : 0);
      if (kind == '#') {
        pos_ = comment_end(start, body);
      } else if (kind == '%' && raw_begin(start, body)) {
        // handled inside raw_begin
      } else {
        tag(kind, start, body);
      }
      line_starting = pos_ > 0 && src_[pos_ - 1] == '\n';
    }
    emit(TokenType::Eof, "", src_.size());
    return std::move(tokens_);
  }

 private:
  [[noreturn]] void fail(std::size_t offset, const std::string& msg) const {
    auto [line, col] = position(offset);
    throw Error(name_, line, col, msg);
  }

  std::pair<int, int> position(std::size_t offset) const {
    auto it = std::upper_bound(line_starts_.begin(), line_starts_.end(), offset);
    std::size_t line = static_cast<std::size_t>(it - line_starts_.begin());
    return {static_cast<int>(line), static_cast<int>(offset - line_starts_[line - 1] + 1)};
  }

  void emit(TokenType type, std::string value, std::size_t offset) {
    auto [line, col] = position(offset);
    tokens_.push_back(Token{type, std::move(value), line, col});
  }

  std::size_t find_tag(std::size_t from) const {
    for (std::size_t i = src_.find('{', from); i != std::string::npos; i = src_.find('{', i + 1)) {
      if (i + 1 < src_.size() && (src_[i + 1] == '{' || src_[i + 1] == '%' || src_[i + 1] == '#')) {
        return i;
      }
    }
    return std::string::npos;
  }

  // After a closing delimiter: `-` eats all whitespace, else trim_blocks eats one "\n".
  std::size_t after_close(std::size_t end, bool strip, bool block) const {
    if (strip) {
      while (end < src_.size() && is_space(src_[end])) ++end;
    } else if (block && opt_.trim_blocks && end < src_.size() && src_[end] == '\n') {
      ++end;
    }
    return end;
  }

  std::size_t comment_end(std::size_t start, std::size_t body) const {
    std::size_t end = src_.find("#}", body);
    if (end == std::string::npos) fail(start, "Missing end of comment tag");
    bool strip = end > body && src_[end - 1] == '-';
    return after_close(end + 2, strip, true);
  }

  std::size_t skip_ws(std::size_t i) const {
    while (i < src_.size() && is_space(src_[i])) ++i;
    return i;
  }

  // Matches `[-+]? \s* WORD \s* (-%}|%})` at `i`; returns the offset after it, or npos.
  std::size_t match_word_tag(std::size_t i, std::string_view word, bool* strip_after) const {
    i = skip_ws(i);
    if (src_.compare(i, word.size(), word) != 0) return std::string::npos;
    i = skip_ws(i + word.size());
    if (src_.compare(i, 3, "-%}") == 0) {
      *strip_after = true;
      return i + 3;
    }
    if (src_.compare(i, 3, "+%}") == 0) {
      *strip_after = false;
      return i + 3;
    }
    if (src_.compare(i, 2, "%}") == 0) {
      *strip_after = false;
      return i + 2;
    }
    return std::string::npos;
  }

  bool raw_begin(std::size_t start, std::size_t body) {
    bool strip = false;
    std::size_t after = match_word_tag(body, "raw", &strip);
    if (after == std::string::npos) return false;
    std::size_t data_begin = after_close(after, strip, false);
    for (std::size_t i = find_tag(data_begin); i != std::string::npos; i = find_tag(i + 1)) {
      if (src_[i + 1] != '%') continue;
      char sign = i + 2 < src_.size() ? src_[i + 2] : '\0';
      std::size_t b = i + 2 + ((sign == '-' || sign == '+') ? 1 : 0);
      bool strip_end = false;
      std::size_t end = match_word_tag(b, "endraw", &strip_end);
      if (end == std::string::npos) continue;
      std::string text = src_.substr(data_begin, i - data_begin);
      if (sign == '-') {
        text = rstrip(text);
      } else if (sign != '+' && opt_.lstrip_blocks) {
        std::size_t l_pos = text.rfind('\n');
        l_pos = l_pos == std::string::npos ? 0 : l_pos + 1;
        if (l_pos > 0 && std::all_of(text.begin() + static_cast<long>(l_pos), text.end(),
                                     [](char c) { return c == ' ' || c == '\t'; })) {
          text.resize(l_pos);
        }
      }
      if (!text.empty()) emit(TokenType::Data, text, data_begin);
      pos_ = after_close(end, strip_end, true);
      return true;
    }
    fail(start, "Missing end of raw directive");
  }

  void tag(char kind, std::size_t start, std::size_t body) {
    bool block = kind == '%';
    emit(block ? TokenType::BlockBegin : TokenType::VarBegin, "", start);
    const char* close = block ? "%}" : "}}";
    std::vector<char> balance;
    std::size_t i = body;
    std::size_t first_token = tokens_.size();
    while (true) {
      // Expression trees are as deep as a tag is long; a bound keeps evaluation and
      // destruction off the end of the stack. Real templates stay far below it.
      if (tokens_.size() - first_token > kMaxTokensPerTag) fail(start, "expression too long");
      i = skip_ws(i);
      if (i >= src_.size())
        fail(start, block ? "unexpected end of template, expected '%}'"
                          : "unexpected end of template, expected '}}'");
      if (balance.empty()) {
        bool strip = src_[i] == '-' && src_.compare(i + 1, 2, close) == 0;
        bool plus = block && src_[i] == '+' && src_.compare(i + 1, 2, close) == 0;
        if (strip || plus || src_.compare(i, 2, close) == 0) {
          emit(block ? TokenType::BlockEnd : TokenType::VarEnd, "", i);
          pos_ = after_close(i + ((strip || plus) ? 3 : 2), strip, block && !plus);
          return;
        }
      }
      i = expression_token(i, balance, start);
    }
  }

  std::size_t expression_token(std::size_t i, std::vector<char>& balance, std::size_t tag_start) {
    char c = src_[i];
    if (std::isalpha(static_cast<unsigned char>(c)) || c == '_') {
      std::size_t j = i;
      while (j < src_.size() &&
             (std::isalnum(static_cast<unsigned char>(src_[j])) || src_[j] == '_'))
        ++j;
      emit(TokenType::Name, src_.substr(i, j - i), i);
      return j;
    }
    if (std::isdigit(static_cast<unsigned char>(c))) return number(i);
    if (c == '\'' || c == '"') return string_literal(i);
    static const char* two[] = {"//", "**", "==", "!=", "<=", ">="};
    for (const char* op : two) {
      if (src_.compare(i, 2, op) == 0) {
        emit(TokenType::Op, op, i);
        return i + 2;
      }
    }
    if (std::string_view("+-*/%~[](){}<>=.:|,;").find(c) == std::string_view::npos) {
      fail(i, std::string("unexpected char '") + c + "'");
    }
    if (c == '(' || c == '[' || c == '{') {
      balance.push_back(c == '(' ? ')' : c == '[' ? ']' : '}');
    } else if (c == ')' || c == ']' || c == '}') {
      if (balance.empty()) fail(i, std::string("unexpected '") + c + "'");
      if (balance.back() != c) {
        fail(i, std::string("unexpected '") + c + "', expected '" + balance.back() + "'");
      }
      balance.pop_back();
    }
    (void)tag_start;
    emit(TokenType::Op, std::string(1, c), i);
    return i + 1;
  }

  std::size_t digits(std::size_t j) const {
    while (j < src_.size() && (std::isdigit(static_cast<unsigned char>(src_[j])) ||
                               (src_[j] == '_' && j + 1 < src_.size() &&
                                std::isdigit(static_cast<unsigned char>(src_[j + 1]))))) {
      ++j;
    }
    return j;
  }

  std::size_t number(std::size_t i) {
    if (src_[i] == '0' && i + 2 < src_.size() && std::strchr("xXoObB", src_[i + 1]) &&
        src_[i + 1] != '\0') {
      int base = (src_[i + 1] == 'x' || src_[i + 1] == 'X')   ? 16
                 : (src_[i + 1] == 'o' || src_[i + 1] == 'O') ? 8
                                                              : 2;
      std::size_t j = i + 2;
      std::string text;
      while (j < src_.size() &&
             (std::isxdigit(static_cast<unsigned char>(src_[j])) || src_[j] == '_')) {
        if (src_[j] != '_') text += src_[j];
        ++j;
      }
      try {
        std::size_t used = 0;
        long long v = std::stoll(text, &used, base);
        if (used == text.size()) {
          emit(TokenType::Int, std::to_string(v), i);
          return j;
        }
      } catch (const std::exception&) {
      }
      fail(i, "invalid integer literal '" + src_.substr(i, j - i) + "'");
    }
    std::size_t j = digits(i);
    bool is_float = false;
    if (j + 1 < src_.size() && src_[j] == '.' &&
        std::isdigit(static_cast<unsigned char>(src_[j + 1]))) {
      j = digits(j + 1);
      is_float = true;
    }
    if (j < src_.size() && (src_[j] == 'e' || src_[j] == 'E')) {
      std::size_t k = j + 1;
      if (k < src_.size() && (src_[k] == '+' || src_[k] == '-')) ++k;
      if (k < src_.size() && std::isdigit(static_cast<unsigned char>(src_[k]))) {
        j = digits(k);
        is_float = true;
      }
    }
    std::string text = src_.substr(i, j - i);
    text.erase(std::remove(text.begin(), text.end(), '_'), text.end());
    emit(is_float ? TokenType::Float : TokenType::Int, text, i);
    return j;
  }

  std::size_t string_literal(std::size_t i) {
    char quote = src_[i];
    std::string out;
    std::size_t j = i + 1;
    while (true) {
      if (j >= src_.size()) fail(i, "unexpected end of string");
      char c = src_[j];
      if (c == quote) break;
      if (c != '\\' || j + 1 >= src_.size()) {
        out += c;
        ++j;
        continue;
      }
      char e = src_[j + 1];
      j += 2;
      switch (e) {
        case 'n':
          out += '\n';
          break;
        case 't':
          out += '\t';
          break;
        case 'r':
          out += '\r';
          break;
        case 'b':
          out += '\b';
          break;
        case 'f':
          out += '\f';
          break;
        case 'v':
          out += '\v';
          break;
        case 'a':
          out += '\a';
          break;
        case '\\':
          out += '\\';
          break;
        case '\'':
          out += '\'';
          break;
        case '"':
          out += '"';
          break;
        case '\n':
          break;  // line continuation
        case 'x':
        case 'u':
        case 'U': {
          std::size_t n = e == 'x' ? 2 : e == 'u' ? 4 : 8;
          if (j + n > src_.size() ||
              !std::all_of(src_.begin() + static_cast<long>(j),
                           src_.begin() + static_cast<long>(j + n),
                           [](char h) { return std::isxdigit(static_cast<unsigned char>(h)); })) {
            fail(j - 2, "truncated \\" + std::string(1, e) + " escape");
          }
          auto cp = static_cast<char32_t>(std::stoul(src_.substr(j, n), nullptr, 16));
          if (cp > 0x10FFFF) fail(j - 2, "illegal Unicode character");
          utf8::append(out, cp);
          j += n;
          break;
        }
        default:
          if (e >= '0' && e <= '7') {
            char32_t cp = static_cast<char32_t>(e - '0');
            for (int k = 0; k < 2 && j < src_.size() && src_[j] >= '0' && src_[j] <= '7';
                 ++k, ++j) {
              cp = cp * 8 + static_cast<char32_t>(src_[j] - '0');
            }
            utf8::append(out, cp);
          } else {
            out += '\\';
            out += e;
          }
      }
    }
    emit(TokenType::String, out, i);
    return j + 1;
  }

  std::string src_;
  LexerOptions opt_;
  const std::string& name_;
  std::vector<std::size_t> line_starts_;
  std::vector<Token> tokens_;
  std::size_t pos_ = 0;
};

}  // namespace

std::vector<Token> tokenize(std::string_view source, const LexerOptions& options,
                            const std::string& name) {
  return Lexer(normalize(source, options.keep_trailing_newline), options, name).run();
}

}  // namespace vllmctl::jinja
