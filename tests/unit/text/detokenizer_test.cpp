// Streaming detokenization: equal to a full decode for random id streams (including ids
// that split characters, special tokens and padding ids), vLLM's withholding of
// unfinished characters, and stop strings (hold-back, truncation, include, min_tokens).
#include <doctest/doctest.h>

#include <random>

#include "engine/text/byte_level.h"
#include "engine/text/detokenizer.h"
#include "engine/text/detokenizer_stop.h"
#include "tests/unit/text/qwen_fixture.h"

namespace vllmctl {
namespace {

using Ids = std::vector<std::int32_t>;

// Streams `ids` in random chunks; returns the concatenated deltas plus finish().
std::string stream(const Tokenizer& tok, const Ids& prompt, const Ids& ids,
                   DetokenizerParams params, std::mt19937& rng) {
  IncrementalDetokenizer detok(tok, prompt, std::move(params));
  std::string text;
  std::size_t k = 0;
  while (k < ids.size()) {
    const std::size_t n = std::min<std::size_t>(ids.size() - k, 1 + rng() % 3);
    text += detok.update(std::span(ids).subspan(k, n)).text;
    k += n;
  }
  text += detok.finish();
  CHECK(text == detok.output_text());
  return text;
}

// The token of one raw byte: its GPT-2 character looked up in the vocab.
std::int32_t byte_token(const Tokenizer& tok, unsigned char b) {
  return *tok.token_to_id(byte_level::byte_to_utf8(b));
}

}  // namespace

TEST_CASE("detokenizer: streaming equals a full decode for random id streams") {
  const Tokenizer* tok = test::qwen_tokenizer();
  if (!tok) return;
  std::mt19937 rng(12345);
  const std::vector<std::string> samples = {
      "Hello world, ", "中文字符测试", "emoji 😀👍🏽 and 👨‍👩‍👧", "Привет", "مرحبا", " \n\t ",
      "<|im_start|>", "<|im_end|>", "<tool_call>", "naïve café", "123456"};
  for (int iter = 0; iter < 400; ++iter) {
    Ids ids;
    const int parts = 1 + static_cast<int>(rng() % 12);
    for (int p = 0; p < parts; ++p) {
      switch (rng() % 5) {
        case 0:  // raw byte tokens: pieces of multi-byte characters, also ill-formed ones
          for (unsigned n = 1 + rng() % 4; n > 0; --n) {
            ids.push_back(byte_token(*tok, static_cast<unsigned char>(0x80 + rng() % 0x78)));
          }
          break;
        case 1:
          ids.push_back(static_cast<std::int32_t>(151643 + rng() % (151936 - 151643)));  // added/padding
          break;
        case 2:
          ids.push_back(static_cast<std::int32_t>(rng() % 151643));  // any vocab token
          break;
        default:
          for (std::int32_t id : tok->encode(samples[rng() % samples.size()])) ids.push_back(id);
      }
    }
    for (bool skip : {true, false}) {
      CAPTURE(iter);
      CAPTURE(skip);
      DetokenizerParams params;
      params.skip_special_tokens = skip;
      CHECK(stream(*tok, {}, ids, params, rng) == tok->decode(ids, skip));
      const Ids prompt = tok->encode("<|im_start|>user\nSay hi<|im_end|>\n<|im_start|>assistant\n");
      CHECK(stream(*tok, prompt, ids, params, rng) == tok->decode(ids, skip));
    }
  }
}

TEST_CASE("detokenizer: a character split over byte tokens is withheld until complete") {
  const Tokenizer* tok = test::qwen_tokenizer();
  if (!tok) return;
  IncrementalDetokenizer detok(*tok, {}, {});
  CHECK(detok.update(tok->encode("Hi ")).text == "Hi ");
  // "中" = E4 B8 AD, fed byte by byte.
  CHECK(detok.update(Ids{byte_token(*tok, 0xE4)}).text == "");
  CHECK(detok.update(Ids{byte_token(*tok, 0xB8)}).text == "");
  CHECK(detok.update(Ids{byte_token(*tok, 0xAD)}).text == "\xE4\xB8\xAD");
  // A lone continuation byte followed by text: U+FFFD once it cannot complete.
  CHECK(detok.update(Ids{byte_token(*tok, 0xAD)}).text == "");
  CHECK(detok.update(tok->encode("ok")).text == "\xEF\xBF\xBDok");
  // An unfinished character at the end is flushed by finish() as U+FFFD.
  CHECK(detok.update(Ids{byte_token(*tok, 0xF0), byte_token(*tok, 0x9F)}).text == "");
  CHECK(detok.finish() == "\xEF\xBF\xBD");
  CHECK(detok.finish() == "");
}

TEST_CASE("detokenizer: special tokens, padding ids and the vLLM defaults") {
  const Tokenizer* tok = test::qwen_tokenizer();
  if (!tok) return;
  IncrementalDetokenizer skipping(*tok, {}, {});  // skip_special_tokens defaults to true
  CHECK(skipping.update(Ids{151644, 9707, 151700, 1879, 151645}).text == "Hello world");
  CHECK(skipping.update(Ids{151657}).text == "<tool_call>");  // not special: kept
  DetokenizerParams keep;
  keep.skip_special_tokens = false;
  IncrementalDetokenizer keeping(*tok, {}, keep);
  CHECK(keeping.update(Ids{151644, 9707}).text == "<|im_start|>Hello");
  CHECK(keeping.update(Ids{151645, 151644}).text == "<|im_end|><|im_start|>");
  CHECK(keeping.update(Ids{-5, 151935, 1 << 30}).text == "");
}

TEST_CASE("detokenizer: stop strings are held back, matched and cut off") {
  const Tokenizer* tok = test::qwen_tokenizer();
  if (!tok) return;
  auto feed = [&](IncrementalDetokenizer& d, const std::string& piece) {
    return d.update(tok->encode(piece));
  };
  SUBCASE("excluded from output (default)") {
    DetokenizerParams p;
    p.stop = {"world"};
    IncrementalDetokenizer d(*tok, {}, p);
    CHECK(feed(d, "Hello").text == "Hello");
    CHECK(feed(d, " wo").text == " ");  // "wo" may still become "world"
    const auto last = feed(d, "rld and more");
    CHECK(last.stop == "world");
    CHECK(last.text == "");
    CHECK(d.output_text() == "Hello ");
    CHECK(d.finished());
    CHECK(feed(d, "x").text == "");
  }
  SUBCASE("a held-back tail is released when it stops matching, or at finish") {
    DetokenizerParams p;
    p.stop = {"world", "STOP"};
    IncrementalDetokenizer d(*tok, {}, p);
    CHECK(feed(d, "Hello wo").text == "Hello ");
    CHECK(feed(d, "e is me S").text == "woe is me ");
    CHECK(d.finish() == "S");
  }
  SUBCASE("included in output") {
    DetokenizerParams p;
    p.stop = {"world"};
    p.include_stop_str_in_output = true;
    IncrementalDetokenizer d(*tok, {}, p);
    CHECK(feed(d, "Hello wo").text == "Hello wo");  // nothing is held back
    const auto last = feed(d, "rld and more");
    CHECK(last.stop == "world");
    CHECK(last.text == "rld");
    CHECK(d.output_text() == "Hello world");
  }
  SUBCASE("the first stop string in list order wins") {
    DetokenizerParams p;
    p.stop = {"zzz", "lo", "He"};
    IncrementalDetokenizer d(*tok, {}, p);
    const auto out = feed(d, "Hello");
    CHECK(out.stop == "lo");
    CHECK(d.output_text() == "Hel");
  }
  SUBCASE("min_tokens delays stop checks") {
    DetokenizerParams p;
    p.stop = {"Hello"};
    p.min_tokens = 1;
    IncrementalDetokenizer d(*tok, {}, p);
    const auto first = d.update(Ids{9707});  // token 1: within min_tokens
    CHECK_FALSE(first.stop.has_value());
    CHECK(first.text == "Hello");
    const auto second = d.update(Ids{1879});  // " world": the old text is not rechecked
    CHECK_FALSE(second.stop.has_value());
    CHECK(second.text == " world");
    CHECK(d.output_text() == "Hello world");
  }
  SUBCASE("a stop-terminated last id is not detokenized unless included") {
    IncrementalDetokenizer d(*tok, {}, {.skip_special_tokens = false});
    CHECK(d.update(Ids{9707, 151645}, true).text == "Hello");
    IncrementalDetokenizer inc(*tok, {},
                               {.skip_special_tokens = false, .include_stop_str_in_output = true});
    CHECK(inc.update(Ids{9707, 151645}, true).text == "Hello<|im_end|>");
  }
  SUBCASE("a multi-byte stop string") {
    DetokenizerParams p;
    p.stop = {"。结束"};
    IncrementalDetokenizer d(*tok, {}, p);
    std::string text = feed(d, "好的。").text;
    CHECK(text == "好的");
    const auto out = feed(d, "结束了");
    CHECK(out.stop == "。结束");
    CHECK(d.output_text() == "好的");
  }
}

TEST_CASE("stop helpers: vLLM's search window and the hold-back length") {
  const std::vector<std::string> stops = {"abc", "xy"};
  CHECK(stop_holdback("hello ab", stops) == 2);
  CHECK(stop_holdback("hello x", stops) == 1);
  CHECK(stop_holdback("hello", stops) == 0);
  CHECK(stop_holdback("a", stops) == 1);
  // Only occurrences reaching into the new bytes count.
  CHECK_FALSE(find_stop_string("abc then", 5, stops, false).has_value());
  const auto m = find_stop_string("xxabc", 1, stops, false);
  REQUIRE(m.has_value());
  CHECK(m->stop_index == 0);
  CHECK(m->truncate_to == 2);
  const auto inc = find_stop_string("xxabc", 1, stops, true);
  REQUIRE(inc.has_value());
  CHECK(inc->truncate_to == std::string::npos);  // ends the text: nothing to cut
  const auto mid = find_stop_string("xxabcdef", 4, stops, true);
  REQUIRE(mid.has_value());
  CHECK(mid->truncate_to == 5);
}

}  // namespace vllmctl
