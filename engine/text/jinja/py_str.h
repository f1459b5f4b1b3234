// Python str operations on UTF-8 text that filters and methods share: Unicode
// whitespace, strip, split/rsplit, case mapping (Unicode simple case mapping, plus
// ß -> SS; ASCII only where the C.UTF-8 locale is missing), replace.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace vllmctl::jinja::py {

bool is_space(char32_t cp);  // str.isspace() for one code point
// chars == nullopt strips whitespace, as str.strip() does.
std::string strip(std::string_view s, const std::optional<std::string>& chars, bool left,
                  bool right);
// str.split / str.rsplit: sep == nullopt splits on whitespace runs; maxsplit < 0 is no limit.
std::vector<std::string> split(std::string_view s, const std::optional<std::string>& sep,
                               std::int64_t maxsplit, bool from_right);
std::string replace(std::string_view s, std::string_view old_text, std::string_view new_text,
                    std::int64_t count);
std::string upper(std::string_view s);
std::string lower(std::string_view s);
std::string capitalize(std::string_view s);  // str.capitalize()
std::string title(std::string_view s);       // str.title()

}  // namespace vllmctl::jinja::py
