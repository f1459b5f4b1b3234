// The Qwen2.5 tokenizer from ../shared/fixtures, loaded once per test binary (nullptr,
// after a "skipped" message, when the fixtures are absent).
#pragma once

#include <memory>

#include "engine/text/tokenizer.h"
#include "tests/unit/test_support.h"

namespace vllmctl::test {

inline const Tokenizer* qwen_tokenizer() {
  static const std::unique_ptr<Tokenizer> tok = []() -> std::unique_ptr<Tokenizer> {
    auto dir = fixture_or_skip("qwen2.5-tokenizer");
    if (!dir) return nullptr;
    return std::make_unique<Tokenizer>(Tokenizer::from_file(*dir / "tokenizer.json"));
  }();
  return tok.get();
}

}  // namespace vllmctl::test
