// libFuzzer target for the tokenizer. First byte even: the rest is text for the Qwen2.5
// fixture tokenizer (loaded once from $VLLMCTL_FIXTURES or ../shared/fixtures): invalid
// UTF-8 must be rejected with std::invalid_argument, valid text must round-trip to its NFC
// form, and streaming detokenization of the ids must equal decode. First byte odd: the
// rest is a tokenizer.json, which must load or fail with std::runtime_error only.
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <stdexcept>
#include <string>

#include "engine/text/detokenizer.h"
#include "engine/text/normalizer.h"
#include "engine/text/tokenizer.h"
#include "engine/text/utf8.h"

namespace {

const vllmctl::Tokenizer& fixture_tokenizer() {
  static const vllmctl::Tokenizer tok = [] {
    const char* env = std::getenv("VLLMCTL_FIXTURES");
    const std::filesystem::path dir = env && *env ? env : "../shared/fixtures";
    const auto path = dir / "qwen2.5-tokenizer" / "tokenizer.json";
    if (!std::filesystem::exists(path)) {
      std::fprintf(stderr, "tokenizer_fuzz: %s not found (set VLLMCTL_FIXTURES)\n", path.c_str());
      std::abort();
    }
    return vllmctl::Tokenizer::from_file(path);
  }();
  return tok;
}

void fuzz_text(std::string_view text) {
  const vllmctl::Tokenizer& tok = fixture_tokenizer();
  if (!vllmctl::utf8::is_valid(text)) {
    try {
      tok.encode(text);
    } catch (const std::invalid_argument&) {
      return;
    }
    __builtin_trap();  // invalid UTF-8 was accepted
  }
  const auto ids = tok.encode(text, false);
  if (tok.decode(ids) != vllmctl::nfc(text)) __builtin_trap();
  vllmctl::IncrementalDetokenizer detok(tok, {}, {.skip_special_tokens = false});
  std::string streamed;
  for (std::int32_t id : ids) streamed += detok.update(std::span(&id, 1)).text;
  streamed += detok.finish();
  if (streamed != tok.decode(ids)) __builtin_trap();
  // The bytes reinterpreted as ids (padding, negative and huge ones included) must decode.
  std::vector<std::int32_t> raw(text.size() / 4);
  for (std::size_t k = 0; k < raw.size(); ++k) {
    std::uint32_t v = 0;
    for (int b = 0; b < 4; ++b) v |= static_cast<std::uint32_t>(static_cast<unsigned char>(text[k * 4 + b])) << (8 * b);
    raw[k] = static_cast<std::int32_t>(v % 152000);
  }
  if (!vllmctl::utf8::is_valid(tok.decode(raw))) __builtin_trap();
}

void fuzz_json(std::string_view json) {
  try {
    const vllmctl::Tokenizer tok = vllmctl::Tokenizer::from_json_text(json);
    const auto ids = tok.encode("Hello w\xC3\xB6rld 123 <|im_end|>\n", true);
    if (!vllmctl::utf8::is_valid(tok.decode(ids))) __builtin_trap();
  } catch (const std::runtime_error&) {
  }
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  if (size == 0) return 0;
  const std::string_view rest(reinterpret_cast<const char*>(data + 1), size - 1);
  if (data[0] % 2 == 0) {
    fuzz_text(rest);
  } else {
    fuzz_json(rest);
  }
  return 0;
}
