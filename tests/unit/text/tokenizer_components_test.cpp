// Tokenizer pieces on their own and small synthetic tokenizer.json files: UTF-8 rules,
// Split behaviours, merges.txt parsing, the demo tokenizer's format, Llama 3 / GPT-2
// features (BOS template, ignore_merges, prefix space, lstrip/rstrip/single_word), errors.
#include <doctest/doctest.h>

#include <random>
#include <stdexcept>

#include <nlohmann/json.hpp>

#include "engine/text/bpe.h"
#include "engine/text/byte_level.h"
#include "engine/text/normalizer.h"
#include "engine/text/pre_tokenizer.h"
#include "engine/text/tokenizer.h"
#include "engine/text/utf8.h"
#include "tests/unit/test_support.h"

namespace vllmctl {
namespace {

using Ids = std::vector<std::int32_t>;
using nlohmann::json;

// A byte-level BPE tokenizer.json: the 256 byte symbols as ids 0..255 (by byte value),
// `extra` tokens after them, `merges`, and the given pieces.
json byte_tokenizer(const std::vector<std::string>& extra, const json& merges,
                    const json& pre_tokenizer, const json& added = json::array()) {
  json vocab = json::object();
  for (int b = 0; b < 256; ++b) vocab[std::string(byte_level::byte_to_utf8(static_cast<std::uint8_t>(b)))] = b;
  for (std::size_t k = 0; k < extra.size(); ++k) vocab[extra[k]] = 256 + static_cast<int>(k);
  return {{"version", "1.0"}, {"added_tokens", added}, {"normalizer", nullptr},
          {"pre_tokenizer", pre_tokenizer}, {"post_processor", nullptr},
          {"decoder", {{"type", "ByteLevel"}}},
          {"model", {{"type", "BPE"}, {"vocab", vocab}, {"merges", merges}}}};
}

json added_token(int id, const std::string& content, bool special = true) {
  return {{"id", id}, {"content", content}, {"special", special}, {"normalized", false},
          {"lstrip", false}, {"rstrip", false}, {"single_word", false}};
}

Ids bytes_of(std::string_view s) {
  Ids ids;
  for (char c : s) ids.push_back(static_cast<unsigned char>(c));
  return ids;
}

std::vector<std::string> split_all(std::string_view text, std::string_view pattern,
                                   SplitBehavior behavior, bool invert = false) {
  PreTokenizerRegex regex(pattern, true);
  std::vector<std::string_view> out;
  split_by_regex(text, regex, behavior, invert, out);
  return {out.begin(), out.end()};
}

}  // namespace

TEST_CASE("utf8: validation and errors=replace decoding follow CPython") {
  CHECK(utf8::is_valid("plain \xE4\xB8\xAD \xF0\x9F\x98\x80"));
  CHECK(utf8::first_invalid("ab\xC0\xAF") == 2);         // overlong
  CHECK(utf8::first_invalid("\xED\xA0\x80") == 0);       // surrogate
  CHECK(utf8::first_invalid("x\xF4\x90\x80\x80") == 1);  // > U+10FFFF
  CHECK(utf8::first_invalid("\xE4\xB8") == 0);           // truncated
  const std::string r(utf8::kReplacement);
  CHECK(utf8::lossy("\xE4\xB8") == r);                   // one maximal subpart
  CHECK(utf8::lossy("\xE4\xB8" "a") == r + "a");
  CHECK(utf8::lossy("\xED\xA0\x80") == r + r + r);       // ED A0: not a valid prefix
  CHECK(utf8::lossy("\xC0\xAF") == r + r);
  CHECK(utf8::lossy("\xF0\x9F\x98") == r);
  CHECK(utf8::lossy("\x80\x80") == r + r);
  CHECK(utf8::incomplete_tail("ab\xF0\x9F\x98") == 3);
  CHECK(utf8::incomplete_tail("ab\xE4") == 1);
  CHECK(utf8::incomplete_tail("ab\xE4\xB8\xAD") == 0);
  CHECK(utf8::incomplete_tail("ab\x80") == 0);           // can never complete
  CHECK(utf8::count_chars("a\xE4\xB8\xAD\xF0\x9F\x98\x80") == 3);
}

TEST_CASE("byte_level: GPT-2's mapping") {
  CHECK(byte_level::byte_to_char('!') == U'!');
  CHECK(byte_level::byte_to_char(' ') == U'\u0120');  // Ġ
  CHECK(byte_level::byte_to_char('\n') == U'\u010A');  // Ċ
  for (int b = 0; b < 256; ++b) CHECK(byte_level::char_to_byte(byte_level::byte_to_char(static_cast<std::uint8_t>(b))) == b);
  std::string out;
  CHECK_FALSE(byte_level::append_unmapped(out, "a b"));  // ' ' is not a mapped character
  CHECK(out.empty());
}

TEST_CASE("Split behaviours match tokenizers' documentation example") {
  using V = std::vector<std::string>;
  const std::string s = "the-final--countdown";
  CHECK(split_all(s, "-", SplitBehavior::kRemoved) == V{"the", "final", "countdown"});
  CHECK(split_all(s, "-", SplitBehavior::kIsolated) == V{"the", "-", "final", "-", "-", "countdown"});
  CHECK(split_all(s, "-", SplitBehavior::kMergedWithPrevious) == V{"the-", "final-", "-", "countdown"});
  CHECK(split_all(s, "-", SplitBehavior::kMergedWithNext) == V{"the", "-final", "-", "-countdown"});
  CHECK(split_all(s, "-", SplitBehavior::kContiguous) == V{"the", "-", "final", "--", "countdown"});
  CHECK(split_all(s, "-", SplitBehavior::kRemoved, true) == V{"-", "-", "-"});
}

TEST_CASE("regex: \\s means Oniguruma's White_Space (includes U+0085)") {
  const std::string text = "\xC2\x85\xE3\x80\x80x";  // NEL, ideographic space, x
  std::size_t start = 0, end = 0;
  REQUIRE(PreTokenizerRegex("\\s+", false).find(text, 0, start, end));
  CHECK(start == 0);
  CHECK(end == 5);
  REQUIRE(PreTokenizerRegex("[^\\s]+", false).find(text, 0, start, end));
  CHECK(start == 5);
  // The lookahead leaves the last space to the next word, as in Qwen's pattern.
  REQUIRE(PreTokenizerRegex("\\s+(?!\\S)", false).find(text, 0, start, end));
  CHECK(end == 2);
  CHECK_THROWS_AS(PreTokenizerRegex("(unclosed", false), std::runtime_error);
}

TEST_CASE("merges.txt: only a first #version line is a header") {
  const auto with_header = parse_merges_txt("#version: 0.2\n# #\n#a b\nĠ t\n");
  REQUIRE(with_header.size() == 3);
  CHECK(with_header[0] == std::pair<std::string, std::string>{"#", "#"});
  CHECK(with_header[1] == std::pair<std::string, std::string>{"#a", "b"});
  const auto without = parse_merges_txt("# #\r\na b");
  REQUIRE(without.size() == 2);
  CHECK(without[0].first == "#");
  CHECK_THROWS_AS(parse_merges_txt("a b c\n"), std::runtime_error);
}

TEST_CASE("qwen2.5: vocab.json + merges.txt give the merges of tokenizer.json") {
  auto dir = test::fixture_or_skip("qwen2.5-tokenizer");
  if (!dir) return;
  const json vocab_json = json::parse(test::read_file(*dir / "vocab.json"));
  Bpe::Vocab vocab;
  for (const auto& [token, id] : vocab_json.items()) vocab.emplace_back(token, id.get<int>());
  const auto merges = parse_merges_txt(test::read_file(*dir / "merges.txt"));
  CHECK(merges.size() == 151387);
  const Bpe bpe(vocab, merges, {});
  CHECK(bpe.num_merges() == merges.size());
  std::size_t hash_merges = 0, result_is_rank_plus_256 = 0;
  for (std::size_t k = 0; k < merges.size(); ++k) {
    hash_merges += merges[k].first[0] == '#';
    const auto m = bpe.merge(*bpe.token_to_id(merges[k].first), *bpe.token_to_id(merges[k].second));
    REQUIRE(m.has_value());
    CHECK(m->first == k);
    result_is_rank_plus_256 += m->second == static_cast<std::int32_t>(k + 256);
  }
  CHECK(hash_merges == 96);
  CHECK(result_is_rank_plus_256 == merges.size());
}

TEST_CASE("the demo tokenizer format: byte symbols, no merges, three added tokens") {
  const json added = json::array({added_token(256, "<|endoftext|>"), added_token(257, "<|im_start|>"),
                                  added_token(258, "<|im_end|>")});
  for (bool use_regex : {true, false}) {
    CAPTURE(use_regex);
    json spec = byte_tokenizer({}, json::array(),
                               {{"type", "ByteLevel"}, {"add_prefix_space", false},
                                {"trim_offsets", false}, {"use_regex", use_regex}},
                               added);
    spec["post_processor"] = {{"type", "ByteLevel"}, {"trim_offsets", false}};
    const Tokenizer tok = Tokenizer::from_json_text(spec.dump());
    CHECK(tok.size() == 259);
    CHECK(tok.encode("Hi there") == bytes_of("Hi there"));
    Ids chat = {257};
    for (std::int32_t b : bytes_of("user\n\xE4\xBD\xA0\xE5\xA5\xBD")) chat.push_back(b);
    chat.push_back(258);
    CHECK(tok.encode("<|im_start|>user\n\xE4\xBD\xA0\xE5\xA5\xBD<|im_end|>") == chat);
    CHECK(tok.decode(chat) == "<|im_start|>user\n\xE4\xBD\xA0\xE5\xA5\xBD<|im_end|>");
    CHECK(tok.decode(chat, true) == "user\n\xE4\xBD\xA0\xE5\xA5\xBD");
    CHECK(tok.decode(Ids{0xE4, 0xBD}) == std::string(utf8::kReplacement));
    std::mt19937 rng(7);
    for (int i = 0; i < 200; ++i) {
      std::string s;
      for (int n = static_cast<int>(rng() % 20); n > 0; --n) utf8::append(s, static_cast<char32_t>(1 + rng() % 0xD7FF));
      CHECK(tok.encode(s) == bytes_of(s));
      CHECK(tok.decode(tok.encode(s)) == s);
    }
  }
  json no_merges_key = byte_tokenizer({}, json::array(), {{"type", "ByteLevel"}});
  no_merges_key["model"].erase("merges");
  CHECK(Tokenizer::from_json_text(no_merges_key.dump()).encode("ab") == Ids{'a', 'b'});
}

TEST_CASE("Llama 3 features: BOS template, ignore_merges, \\p{N}{1,3}, added-token flags") {
  const std::string g = "\xC4\xA0";  // Ġ
  json spec = byte_tokenizer({"ab", "abc", g + "ab"}, json::array({"a b", json::array({g, "ab"})}),
                             {{"type", "Sequence"},
                              {"pretokenizers",
                               json::array({{{"type", "Split"},
                                             {"pattern", {{"Regex", "\\p{N}{1,3}| ?\\p{L}+|\\s+|."}}},
                                             {"behavior", "Isolated"}},
                                            {{"type", "ByteLevel"}, {"use_regex", false}}})}});
  spec["added_tokens"] = json::array({added_token(300, "<|begin_of_text|>"), added_token(301, "<L>"),
                                      added_token(302, "<R>"), added_token(303, "<W>", false)});
  spec["added_tokens"][1]["lstrip"] = true;
  spec["added_tokens"][2]["rstrip"] = true;
  spec["added_tokens"][3]["single_word"] = true;
  spec["post_processor"] = json::parse(R"({"type": "Sequence", "processors": [
      {"type": "ByteLevel", "add_prefix_space": true, "trim_offsets": false, "use_regex": true},
      {"type": "TemplateProcessing",
       "single": [{"SpecialToken": {"id": "<|begin_of_text|>", "type_id": 0}},
                  {"Sequence": {"id": "A", "type_id": 0}}],
       "special_tokens": {"<|begin_of_text|>": {"id": "<|begin_of_text|>", "ids": [300],
                                                "tokens": ["<|begin_of_text|>"]}}}]})");
  const Tokenizer merging = Tokenizer::from_json_text(spec.dump());
  // "abc" has no merge path to its own token: with merges only, "ab" + "c".
  CHECK(merging.encode("abc", false) == Ids{256, 'c'});
  CHECK(merging.encode(" ab", false) == Ids{258});
  CHECK(merging.encode("abc", true) == Ids{300, 256, 'c'});
  CHECK(merging.encode("", true) == Ids{300});
  CHECK(merging.encode("12345", false) == Ids{'1', '2', '3', '4', '5'});
  CHECK(merging.encode("x  <L>y", false) == Ids{'x', 301, 'y'});        // lstrip eats spaces
  CHECK(merging.encode("x<R>  y", false) == Ids{'x', 302, 'y'});        // rstrip eats spaces
  CHECK(merging.encode("a<W>b", false) == bytes_of("a<W>b"));           // not a single word
  CHECK(merging.encode("a <W> b", false) == Ids{'a', ' ', 303, ' ', 'b'});
  spec["model"]["ignore_merges"] = true;
  const Tokenizer ignoring = Tokenizer::from_json_text(spec.dump());
  CHECK(ignoring.encode("abc", false) == Ids{257});  // a whole-word vocab hit wins
}

TEST_CASE("GPT-2 features: ByteLevel regex with add_prefix_space, no normalizer") {
  const json spec = byte_tokenizer({}, json::array(),
                                   {{"type", "ByteLevel"}, {"add_prefix_space", true}, {"use_regex", true}});
  const Tokenizer tok = Tokenizer::from_json_text(spec.dump());
  CHECK(tok.encode("hi") == bytes_of(" hi"));
  CHECK(tok.encode(" hi") == bytes_of(" hi"));
}

TEST_CASE("normalizers: null, Sequence, NFD, Prepend, Replace; NFC by spans") {
  Normalizer seq = Normalizer::from_json(json::parse(
      R"({"type":"Sequence","normalizers":[{"type":"Prepend","prepend":"_"},
          {"type":"Replace","pattern":{"String":" "},"content":"_"},{"type":"NFD"}]})"));
  std::string s = "a \xC3\xA9";
  seq.normalize(s);
  CHECK(s == "_a_e\xCC\x81");
  CHECK(Normalizer::from_json(nullptr).is_identity());
  CHECK(nfc("\xEA\xB0\x80\xE1\x86\xA8") == "\xEA\xB0\x81");  // Hangul LV + T -> LVT
  CHECK(nfc("x e\xCC\x81 \xE4\xB8\xAD a\xCC\x8A\xCC\xA3 \xE1\x84\x80\xE1\x85\xA1") ==
        "x \xC3\xA9 \xE4\xB8\xAD \xE1\xBA\xA1\xCC\x8A \xEA\xB0\x80");
  CHECK_THROWS_AS(Normalizer::from_json(json::parse(R"({"type":"BertNormalizer"})")), std::runtime_error);
}

TEST_CASE("loading errors are one-line std::runtime_error messages") {
  CHECK_THROWS_WITH_AS(Tokenizer::from_json_text("{not json"), doctest::Contains("not valid JSON"),
                       std::runtime_error);
  CHECK_THROWS_WITH_AS(Tokenizer::from_file("/nonexistent/tokenizer.json"),
                       doctest::Contains("cannot read"), std::runtime_error);
  json bad_merge = byte_tokenizer({}, json::array({"x yz"}), nullptr);
  CHECK_THROWS_WITH_AS(Tokenizer::from_json_text(bad_merge.dump()), doctest::Contains("'yz'"),
                       std::runtime_error);
  json bad_pre = byte_tokenizer({}, json::array(), {{"type", "Metaspace"}});
  CHECK_THROWS_WITH_AS(Tokenizer::from_json_text(bad_pre.dump()), doctest::Contains("Metaspace"),
                       std::runtime_error);
  json bad_shape = byte_tokenizer({}, json::array(), nullptr);
  bad_shape["added_tokens"] = json::array({{{"content", "<x>"}}});
  CHECK_THROWS_AS(Tokenizer::from_json_text(bad_shape.dump()), std::runtime_error);
}

}  // namespace vllmctl
