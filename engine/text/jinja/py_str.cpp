// Python str operations over UTF-8.
#include "engine/text/jinja/py_str.h"

#include <algorithm>
#include <cctype>
#include <clocale>
#include <cwctype>

#include <locale.h>
#include <wctype.h>

#include "engine/text/jinja/error.h"
#include "engine/text/jinja/utf8.h"
#include "engine/text/jinja/value.h"

namespace vllmctl::jinja::py {

bool is_space(char32_t cp) {
  return (cp >= 0x09 && cp <= 0x0d) || (cp >= 0x1c && cp <= 0x20) || cp == 0x85 || cp == 0xa0 ||
         cp == 0x1680 || (cp >= 0x2000 && cp <= 0x200a) || cp == 0x2028 || cp == 0x2029 ||
         cp == 0x202f || cp == 0x205f || cp == 0x3000;
}

namespace {

struct Char {
  std::size_t begin, end;
  char32_t cp;
};

std::vector<Char> chars_of(std::string_view s) {
  std::vector<Char> out;
  for (std::size_t i = 0; i < s.size();) {
    std::size_t b = i;
    char32_t cp = utf8::decode(s, i);
    out.push_back({b, i, cp});
  }
  return out;
}

}  // namespace

std::string strip(std::string_view s, const std::optional<std::string>& chars, bool left,
                  bool right) {
  std::vector<Char> cs = chars_of(s);
  std::vector<char32_t> set;
  if (chars) {
    for (const Char& c : chars_of(*chars)) set.push_back(c.cp);
  }
  auto strippable = [&](char32_t cp) {
    return chars ? std::find(set.begin(), set.end(), cp) != set.end() : is_space(cp);
  };
  std::size_t b = 0, e = cs.size();
  if (left)
    while (b < e && strippable(cs[b].cp)) ++b;
  if (right)
    while (e > b && strippable(cs[e - 1].cp)) --e;
  if (b == e) return "";
  return std::string(s.substr(cs[b].begin, cs[e - 1].end - cs[b].begin));
}

std::vector<std::string> split(std::string_view s, const std::optional<std::string>& sep,
                               std::int64_t maxsplit, bool from_right) {
  std::vector<std::string> out;
  if (sep) {
    if (sep->empty()) throw Failure("empty separator");
    if (!from_right) {
      std::size_t pos = 0;
      while (maxsplit < 0 || static_cast<std::int64_t>(out.size()) < maxsplit) {
        std::size_t hit = s.find(*sep, pos);
        if (hit == std::string_view::npos) break;
        out.emplace_back(s.substr(pos, hit - pos));
        pos = hit + sep->size();
      }
      out.emplace_back(s.substr(pos));
      return out;
    }
    std::size_t end = s.size();
    while (maxsplit < 0 || static_cast<std::int64_t>(out.size()) < maxsplit) {
      if (end < sep->size()) break;
      std::size_t hit = s.rfind(*sep, end - sep->size());
      if (hit == std::string_view::npos) break;
      out.emplace_back(s.substr(hit + sep->size(), end - hit - sep->size()));
      end = hit;
    }
    out.emplace_back(s.substr(0, end));
    std::reverse(out.begin(), out.end());
    return out;
  }
  std::vector<Char> cs = chars_of(s);
  std::vector<std::pair<std::size_t, std::size_t>> words;  // char index ranges
  std::size_t n = cs.size();
  if (!from_right) {
    std::size_t i = 0;
    while (i < n) {
      while (i < n && is_space(cs[i].cp)) ++i;
      if (i == n) break;
      if (maxsplit >= 0 && static_cast<std::int64_t>(words.size()) == maxsplit) {
        std::size_t e = n;
        while (e > i && is_space(cs[e - 1].cp)) --e;
        words.emplace_back(i, e);
        break;
      }
      std::size_t j = i;
      while (j < n && !is_space(cs[j].cp)) ++j;
      words.emplace_back(i, j);
      i = j;
    }
  } else {
    std::size_t i = n;
    while (i > 0) {
      while (i > 0 && is_space(cs[i - 1].cp)) --i;
      if (i == 0) break;
      if (maxsplit >= 0 && static_cast<std::int64_t>(words.size()) == maxsplit) {
        std::size_t b = 0;
        while (b < i && is_space(cs[b].cp)) ++b;
        words.emplace_back(b, i);
        break;
      }
      std::size_t j = i;
      while (j > 0 && !is_space(cs[j - 1].cp)) --j;
      words.emplace_back(j, i);
      i = j;
    }
    std::reverse(words.begin(), words.end());
  }
  for (auto [b, e] : words) out.emplace_back(s.substr(cs[b].begin, cs[e - 1].end - cs[b].begin));
  return out;
}

std::string replace(std::string_view s, std::string_view old_text, std::string_view new_text,
                    std::int64_t count) {
  std::string out;
  if (old_text.empty()) {  // Python inserts `new` between every character
    std::vector<std::string> cs = utf8::split_chars(s);
    std::int64_t done = 0;
    for (const auto& c : cs) {
      if (count < 0 || done < count) {
        out += new_text;
        check_size(out.size(), kMaxStringBytes);
        ++done;
      }
      out += c;
    }
    if (count < 0 || done < count) out += new_text;
    return out;
  }
  std::size_t pos = 0;
  std::int64_t done = 0;
  while (count < 0 || done < count) {
    std::size_t hit = s.find(old_text, pos);
    if (hit == std::string_view::npos) break;
    out.append(s.substr(pos, hit - pos));
    out.append(new_text);
    check_size(out.size(), kMaxStringBytes);
    pos = hit + old_text.size();
    ++done;
  }
  out.append(s.substr(pos));
  return out;
}

namespace {

// Unicode case mapping from the C library's C.UTF-8 locale (glibc ships it); without
// that locale only ASCII letters change case.
locale_t utf8_locale() {
  static locale_t loc = newlocale(LC_CTYPE_MASK, "C.UTF-8", static_cast<locale_t>(nullptr));
  return loc;
}

char32_t to_upper(char32_t cp) {
  if (cp < 0x80) return static_cast<char32_t>(std::toupper(static_cast<int>(cp)));
  locale_t loc = utf8_locale();
  return loc ? static_cast<char32_t>(towupper_l(static_cast<wint_t>(cp), loc)) : cp;
}

char32_t to_lower(char32_t cp) {
  if (cp < 0x80) return static_cast<char32_t>(std::tolower(static_cast<int>(cp)));
  locale_t loc = utf8_locale();
  return loc ? static_cast<char32_t>(towlower_l(static_cast<wint_t>(cp), loc)) : cp;
}

// Python's "cased" characters: letters that have an upper or lower case form.
bool is_cased(char32_t cp) {
  if (cp < 0x80) return std::isalpha(static_cast<int>(cp)) != 0;
  return to_upper(cp) != cp || to_lower(cp) != cp;
}

void append_upper(std::string& out, char32_t cp) {
  if (cp == 0xDF) {  // ß
    out += "SS";
    return;
  }
  utf8::append(out, to_upper(cp));
}

}  // namespace

std::string upper(std::string_view s) {
  std::string out;
  for (std::size_t i = 0; i < s.size();) append_upper(out, utf8::decode(s, i));
  return out;
}

std::string lower(std::string_view s) {
  std::string out;
  for (std::size_t i = 0; i < s.size();) utf8::append(out, to_lower(utf8::decode(s, i)));
  return out;
}

std::string capitalize(std::string_view s) {
  std::string out;
  for (std::size_t i = 0; i < s.size();) {
    bool first = i == 0;
    char32_t cp = utf8::decode(s, i);
    if (first)
      append_upper(out, cp);
    else
      utf8::append(out, to_lower(cp));
  }
  return out;
}

std::string title(std::string_view s) {
  std::string out;
  bool prev_cased = false;
  for (std::size_t i = 0; i < s.size();) {
    char32_t cp = utf8::decode(s, i);
    if (prev_cased)
      utf8::append(out, to_lower(cp));
    else
      append_upper(out, cp);
    prev_cased = is_cased(cp);
  }
  return out;
}

}  // namespace vllmctl::jinja::py
