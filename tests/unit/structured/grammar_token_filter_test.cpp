// GrammarTokenFilter over the real Qwen2.5 vocabulary: which multi-byte tokens a JSON
// state allows, end tokens only on a complete text, special tokens never; and the mask
// cost per step (a benchmark, skipped in normal runs).
#include "cli/serve/json_schema_compiler.h"
#include "engine/structured/grammar_token_filter.h"
#include "engine/text/tokenizer.h"
#include "tests/unit/test_support.h"

#include <doctest/doctest.h>
#include <nlohmann/json.hpp>

#include <chrono>
#include <cmath>
#include <cstdio>
#include <limits>
#include <string>
#include <string_view>

using namespace vllmctl;
using namespace vllmctl::structured;

namespace {

struct Qwen {
  Tokenizer tokenizer;
  VocabularyBytes vocab;
  TokenId eos;
};

const Qwen* qwen() {
  static const std::optional<Qwen> q = []() -> std::optional<Qwen> {
    const auto dir = test::fixture_or_skip("qwen2.5-tokenizer");
    if (!dir) return std::nullopt;
    Tokenizer tokenizer = Tokenizer::from_file(*dir / "tokenizer.json");
    std::vector<std::optional<std::string>> bytes;
    for (int id = 0; id < tokenizer.size(); ++id) bytes.push_back(tokenizer.token_bytes(id));
    const TokenId eos = *tokenizer.token_to_id("<|im_end|>");
    return Qwen{std::move(tokenizer), VocabularyBytes(std::move(bytes)), eos};
  }();
  return q ? &*q : nullptr;
}

TokenId id(const Qwen& q, const char* token_text) {
  const auto ids = q.tokenizer.encode(token_text, false);
  REQUIRE_MESSAGE(ids.size() == 1, token_text << " is not one token");
  return ids[0];
}

std::shared_ptr<const JsonGrammar> any_object() { return std::make_shared<const JsonGrammar>(JsonGrammar::any_object()); }

}  // namespace

TEST_CASE("the Qwen2.5 vocabulary under a JSON object grammar") {
  const Qwen* q = qwen();
  if (!q) return;
  const TokenId ends[] = {q->eos};
  JsonMatcher m(any_object());
  const GrammarTokenFilter filter(m, q->vocab, ends);
  CHECK(filter.allows(id(*q, "{\"")));
  CHECK(filter.allows(id(*q, "{\n")));
  CHECK_FALSE(filter.allows(id(*q, "[")));
  CHECK_FALSE(filter.allows(id(*q, "hello")));
  CHECK_FALSE(filter.allows(q->eos));                                 // nothing is complete yet
  CHECK_FALSE(filter.allows(*q->tokenizer.token_to_id("<|im_start|>")));  // special tokens never

  REQUIRE(m.accept("{\"name\": \"Ada"));
  CHECK(filter.allows(id(*q, " the")));    // inside a string: text
  CHECK(filter.allows(id(*q, "\",")));          // closes the string and goes on
  CHECK_FALSE(filter.allows(id(*q, "\"\n\n\n")));
  REQUIRE(m.accept("\"}"));
  CHECK(filter.allows(q->eos));
  CHECK_FALSE(filter.allows(id(*q, " ")));

  // mask() agrees with allows() on every token, in a structural and a string state.
  for (const char* prefix : {"{\"a\": ", "{\"a\": \"x"}) {
    JsonMatcher state(any_object());
    REQUIRE(state.accept(prefix));
    const GrammarTokenFilter f(state, q->vocab, ends);
    std::vector<float> logits(q->vocab.size() + 10, 0.0f);  // + embedding padding ids
    f.mask(logits);
    int allowed = 0;
    for (size_t t = 0; t < logits.size(); ++t) {
      const bool kept = logits[t] != -std::numeric_limits<float>::infinity();
      allowed += kept;
      if (kept != f.allows(static_cast<TokenId>(t))) {
        FAIL_CHECK("token " << t << " mask " << kept << " allows " << !kept);
        break;
      }
    }
    MESSAGE(std::string(prefix) << ": " << allowed << " tokens allowed");
    CHECK(allowed > 0);
  }
}

TEST_CASE("the plain-text shortcut inside strings agrees with the matcher on every token") {
  const Qwen* q = qwen();
  if (!q) return;
  const TokenId ends[] = {q->eos};
  const auto bounded = std::make_shared<const JsonGrammar>([] {
    JsonGrammar g = JsonGrammar::with_any();
    SchemaNode s;
    s.kind = SchemaNode::Kind::kString;
    s.max_length = 4;
    g.root = g.add(std::move(s));
    return g;
  }());
  for (const auto& [grammar, prefix] : {std::pair{any_object(), "{\"a\": \"x"}, std::pair{any_object(), "{\"ke"},
                                        std::pair{bounded, "\"ab"}}) {
    JsonMatcher m(grammar);
    REQUIRE(m.accept(prefix));
    REQUIRE(m.string_room() >= 0);
    const GrammarTokenFilter f(m, q->vocab, ends);
    int mismatches = 0;
    for (size_t t = 0; t < q->vocab.size(); ++t) {
      const auto& bytes = q->vocab.bytes[t];
      const bool truth = bytes && !bytes->empty() && m.can_accept(*bytes);
      if (truth != f.allows(static_cast<TokenId>(t)) && ++mismatches <= 3) {
        FAIL_CHECK("prefix " << prefix << " token " << t << ": matcher " << truth);
      }
    }
    CHECK(mismatches == 0);
  }
}

TEST_CASE("bench: JSON mask over the Qwen2.5 vocabulary" * doctest::skip()) {
  const Qwen* q = qwen();
  if (!q) return;
  const TokenId ends[] = {q->eos};
  // A schema object with 24 properties (p0..p23, the even ones required) for the key cases.
  nlohmann::json schema = {{"type", "object"}, {"properties", nlohmann::json::object()}, {"required", nlohmann::json::array()}};
  for (int i = 0; i < 24; ++i) {
    schema["properties"]["p" + std::to_string(i)] = {{"type", "integer"}};
    if (i % 2 == 0) schema["required"].push_back("p" + std::to_string(i));
  }
  const auto with_keys = std::make_shared<const JsonGrammar>(compile_json_schema(schema));
  for (const char* prefix :
       {"", "{\"a\": ", "{\"a\": \"some text", "{\"a\": [1, 2", "schema:{\"p0\": 1, ", "schema:{\"p0\": 1, \"p1"}) {
    const bool keyed = std::string_view(prefix).rfind("schema:", 0) == 0;
    if (keyed) prefix += 7;
    JsonMatcher m(keyed ? with_keys : any_object());
    REQUIRE(m.accept(prefix));
    const GrammarTokenFilter f(m, q->vocab, ends);
    std::vector<float> logits(q->vocab.size(), 0.0f);
    constexpr int kRepeat = 20;
    const auto t0 = std::chrono::steady_clock::now();
    for (int i = 0; i < kRepeat; ++i) {
      std::fill(logits.begin(), logits.end(), 0.0f);
      f.mask(logits);
    }
    const double ms = std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - t0).count() / kRepeat;
    std::printf("mask_ms %-8s %-22s %.2f\n", keyed ? "24 keys" : "any", (std::string("'") + prefix + "'").c_str(), ms);
  }
}
