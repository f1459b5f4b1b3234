// Normalizers via utf8proc. NFC, the common one, first checks whether every code point is
// "inert" (no canonical decomposition, combining class 0, never the second half of a
// composition), in which case the text is already NFC and is left untouched.
#include "engine/text/normalizer.h"

#include <algorithm>
#include <cstdlib>
#include <memory>
#include <mutex>
#include <stdexcept>
#include <vector>

#include <nlohmann/json.hpp>
#include <utf8proc.h>

#include "engine/text/utf8.h"

namespace vllmctl {
namespace {

constexpr char32_t kMaxCodePoint = 0x110000;

// One bit per code point: 1 = inert under NFC.
const std::vector<std::uint64_t>& inert_bits() {
  static const std::vector<std::uint64_t> bits = [] {
    std::vector<std::uint64_t> b(kMaxCodePoint / 64, 0);
    for (char32_t cp = 0; cp < kMaxCodePoint; ++cp) {
      if (cp >= 0xD800 && cp <= 0xDFFF) continue;
      // Conjoining jamo compose algorithmically (L+V, LV+T) and are not flagged in the
      // tables: never inert. Precomposed syllables are stable (never a second), so they are.
      if (cp >= 0x1100 && cp <= 0x11FF) continue;
      const utf8proc_property_t* p = utf8proc_get_property(static_cast<utf8proc_int32_t>(cp));
      if (p->combining_class != 0) continue;
      const bool canonical_decomp = p->decomp_seqindex != UINT16_MAX && p->decomp_type == 0;
      if (canonical_decomp) continue;
      const bool composes_as_second = p->comb_index != UINT16_MAX && p->comb_index >= 0x8000;
      if (composes_as_second) continue;
      b[cp / 64] |= std::uint64_t{1} << (cp % 64);
    }
    return b;
  }();
  return bits;
}

bool is_inert(char32_t cp) {
  const auto& bits = inert_bits();
  return (bits[cp / 64] >> (cp % 64)) & 1;
}

bool already_nfc(std::string_view text) {
  std::size_t i = 0;
  while (i < text.size() && static_cast<unsigned char>(text[i]) < 0x80) ++i;
  while (i < text.size()) {
    if (!is_inert(utf8::decode_valid(text, i))) return false;
  }
  return true;
}

std::string utf8proc_form(std::string_view text, int options) {
  utf8proc_uint8_t* out = nullptr;
  const utf8proc_ssize_t n =
      utf8proc_map(reinterpret_cast<const utf8proc_uint8_t*>(text.data()),
                   static_cast<utf8proc_ssize_t>(text.size()), &out,
                   static_cast<utf8proc_option_t>(options | UTF8PROC_STABLE));
  if (n < 0) {
    throw std::runtime_error(std::string("unicode normalization failed: ") +
                             utf8proc_errmsg(n));
  }
  std::unique_ptr<utf8proc_uint8_t, decltype(&std::free)> guard(out, &std::free);
  return std::string(reinterpret_cast<const char*>(out), static_cast<std::size_t>(n));
}

void replace_all(std::string& text, const std::string& from, const std::string& to) {
  if (from.empty()) return;
  std::string out;
  std::size_t pos = 0;
  while (true) {
    const std::size_t hit = text.find(from, pos);
    if (hit == std::string::npos) break;
    out.append(text, pos, hit - pos);
    out += to;
    pos = hit + from.size();
  }
  if (pos == 0) return;
  out.append(text, pos, std::string::npos);
  text = std::move(out);
}

// NFC that only hands utf8proc the spans that can change: an inert code point is a
// "stable" one (nothing composes with or reorders around it), so NFC(text) is the
// concatenation of NFC over the spans that start at one inert code point and end before
// the next one; spans without a non-inert code point are already NFC.
std::string nfc_by_spans(std::string_view text) {
  std::string out;
  out.reserve(text.size() + 8);
  std::size_t copied = 0;      // text[0..copied) is in `out`
  std::size_t last_inert = 0;  // start of the last inert code point seen (span start)
  std::size_t i = 0;
  while (i < text.size()) {
    const std::size_t at = i;
    if (is_inert(utf8::decode_valid(text, i))) {
      last_inert = at;
      continue;
    }
    // A span that changes: from the last inert code point to the next inert one.
    std::size_t end = i;
    while (end < text.size()) {
      std::size_t next = end;
      if (is_inert(utf8::decode_valid(text, next))) break;
      end = next;
    }
    const std::size_t start = std::max(last_inert, copied);
    out.append(text.substr(copied, start - copied));
    out += utf8proc_form(text.substr(start, end - start), UTF8PROC_COMPOSE);
    copied = end;
    i = end;
  }
  out.append(text.substr(copied));
  return out;
}

}  // namespace

std::string nfc(std::string_view text) {
  if (already_nfc(text)) return std::string(text);
  return nfc_by_spans(text);
}

Normalizer Normalizer::from_json(const nlohmann::json& spec) {
  Normalizer n;
  if (!spec.is_null()) n.add_from_json(spec);
  return n;
}

void Normalizer::add_from_json(const nlohmann::json& spec) {
  const std::string type = spec.value("type", "");
  if (type == "Sequence") {
    for (const auto& sub : spec.at("normalizers")) add_from_json(sub);
  } else if (type == "NFC") {
    steps_.push_back({Kind::kNfc, {}, {}});
  } else if (type == "NFD") {
    steps_.push_back({Kind::kNfd, {}, {}});
  } else if (type == "NFKC") {
    steps_.push_back({Kind::kNfkc, {}, {}});
  } else if (type == "NFKD") {
    steps_.push_back({Kind::kNfkd, {}, {}});
  } else if (type == "Prepend") {
    steps_.push_back({Kind::kPrepend, spec.at("prepend").get<std::string>(), {}});
  } else if (type == "Replace") {
    const auto& pattern = spec.at("pattern");
    if (!pattern.contains("String")) {
      throw std::runtime_error("unsupported normalizer: Replace with a non-string pattern");
    }
    steps_.push_back({Kind::kReplace, pattern.at("String").get<std::string>(),
                      spec.at("content").get<std::string>()});
  } else {
    throw std::runtime_error("unsupported normalizer type '" + type + "'");
  }
}

void Normalizer::normalize(std::string& text) const {
  for (const Step& step : steps_) {
    switch (step.kind) {
      case Kind::kNfc:
        if (!already_nfc(text)) text = nfc_by_spans(text);
        break;
      case Kind::kNfd:
        text = utf8proc_form(text, UTF8PROC_DECOMPOSE);
        break;
      case Kind::kNfkc:
        text = utf8proc_form(text, UTF8PROC_COMPOSE | UTF8PROC_COMPAT);
        break;
      case Kind::kNfkd:
        text = utf8proc_form(text, UTF8PROC_DECOMPOSE | UTF8PROC_COMPAT);
        break;
      case Kind::kPrepend:
        if (!text.empty()) text.insert(0, step.a);
        break;
      case Kind::kReplace:
        replace_all(text, step.a, step.b);
        break;
    }
  }
}

}  // namespace vllmctl
