// The Qwen2.5 tokenizer against known ids: llama.cpp's vectors (made with HF's tokenizer),
// the added tokens, engine-facts 2.4's examples, padding ids, invalid UTF-8.
#include <doctest/doctest.h>

#include <memory>
#include <sstream>
#include <stdexcept>

#include "engine/text/tokenizer.h"
#include "tests/unit/test_support.h"
#include "tests/unit/text/qwen_fixture.h"

namespace vllmctl {
namespace {

using Ids = std::vector<std::int32_t>;

Ids parse_ids(const std::string& line) {
  Ids ids;
  std::istringstream in(line);
  std::int32_t id;
  while (in >> id) ids.push_back(id);
  return ids;
}

}  // namespace

TEST_CASE("qwen2.5: every llama.cpp vector encodes to its ids and decodes back") {
  const Tokenizer* tok = test::qwen_tokenizer();
  if (!tok) return;
  const auto dir = *test::fixtures_dir() / "qwen2.5-tokenizer";
  const std::string inp = test::read_file(dir / "vectors.inp");
  const std::string out = test::read_file(dir / "vectors.out");
  // Inputs are separated by "\n__ggml_vocab_test__\n" and the file ends with one.
  const std::string sep = "\n__ggml_vocab_test__\n";
  std::vector<std::string> inputs;
  for (std::size_t pos = 0; pos < inp.size();) {
    const std::size_t hit = inp.find(sep, pos);
    REQUIRE(hit != std::string::npos);
    inputs.push_back(inp.substr(pos, hit - pos));
    pos = hit + sep.size();
  }
  std::vector<std::string> lines;
  std::istringstream out_lines(out);
  for (std::string line; std::getline(out_lines, line);) lines.push_back(line);
  REQUIRE(inputs.size() == 46);
  REQUIRE(lines.size() == inputs.size());
  for (std::size_t k = 0; k < inputs.size(); ++k) {
    CAPTURE(k);
    CAPTURE(inputs[k]);
    const Ids ids = tok->encode(inputs[k], false);
    CHECK(ids == parse_ids(lines[k]));
    CHECK(tok->decode(ids) == inputs[k]);
  }
}

TEST_CASE("qwen2.5: the 22 added tokens encode to their single ids") {
  const Tokenizer* tok = test::qwen_tokenizer();
  if (!tok) return;
  const std::vector<std::string> contents = {
      "<|endoftext|>", "<|im_start|>", "<|im_end|>", "<|object_ref_start|>", "<|object_ref_end|>",
      "<|box_start|>", "<|box_end|>", "<|quad_start|>", "<|quad_end|>", "<|vision_start|>",
      "<|vision_end|>", "<|vision_pad|>", "<|image_pad|>", "<|video_pad|>", "<tool_call>",
      "</tool_call>", "<|fim_prefix|>", "<|fim_middle|>", "<|fim_suffix|>", "<|fim_pad|>",
      "<|repo_name|>", "<|file_sep|>"};
  REQUIRE(tok->added_tokens().size() == contents.size());
  for (std::size_t k = 0; k < contents.size(); ++k) {
    CAPTURE(contents[k]);
    const auto id = static_cast<std::int32_t>(151643 + k);
    CHECK(tok->encode(contents[k], true) == Ids{id});
    CHECK(tok->decode(Ids{id}) == contents[k]);
    CHECK(tok->is_special(id) == (id <= 151656));
    CHECK(tok->token_to_id(contents[k]) == id);
    // Embedded in text, still one id, with the text around it encoded on its own.
    Ids expected = tok->encode("ab");
    expected.push_back(id);
    for (std::int32_t t : tok->encode(" cd")) expected.push_back(t);
    CHECK(tok->encode("ab" + contents[k] + " cd") == expected);
  }
  CHECK(tok->size() == 151665);
}

TEST_CASE("qwen2.5: engine-facts 2.4 vectors") {
  const Tokenizer* tok = test::qwen_tokenizer();
  if (!tok) return;
  CHECK(tok->encode("Hello world") == Ids{9707, 1879});
  CHECK(tok->encode(" Hello world") == Ids{21927, 1879});
  CHECK(tok->encode("system") == Ids{8948});
  CHECK(tok->encode("user") == Ids{872});
  CHECK(tok->encode("assistant") == Ids{77091});
  CHECK(tok->encode("\n") == Ids{198});
  CHECK(tok->encode("<|im_start|>system\nYou are Qwen, created by Alibaba Cloud. You are a helpful "
                    "assistant.<|im_end|>\n<|im_start|>user\n") ==
        Ids{151644, 8948, 198, 2610, 525, 1207, 16948, 11, 3465, 553, 54364, 14817,
            13, 1446, 525, 264, 10950, 17847, 13, 151645, 198, 151644, 872, 198});
  CHECK(tok->encode("<|im_end|>\n<|im_start|>assistant\n") == Ids{151645, 198, 151644, 77091, 198});
  CHECK(tok->encode("What is the capital of France?") == Ids{3838, 374, 279, 6722, 315, 9625, 30});
  CHECK(tok->decode(Ids{785, 6722}) == "The capital");
  CHECK(tok->encode("Write a function to reverse each string in a list.\nYour code should pass this "
                    "test:\nassert rev([\"ab\"]) == [\"ba\"]") ==
        Ids{7985, 264, 729, 311, 9931, 1817, 914, 304, 264, 1140, 624, 7771, 2038, 1265,
            1494, 419, 1273, 510, 2207, 5772, 19065, 370, 14013, 621, 4383, 4645, 1341});
  CHECK(tok->encode("<|im_start|>system\nYou are Qwen.<|im_end|>\n<|im_start|>user\nHello "
                    "world<|im_end|>\n") ==
        Ids{151644, 8948, 198, 2610, 525, 1207, 16948, 13, 151645, 198, 151644, 872, 198, 9707,
            1879, 151645, 198});
  CHECK(tok->encode("") == Ids{});
}

TEST_CASE("qwen2.5: byte symbols, and merge results equal rank + 256") {
  const Tokenizer* tok = test::qwen_tokenizer();
  if (!tok) return;
  CHECK(tok->id_to_token(0) == std::string_view("!"));
  CHECK(tok->token_to_id("\xC4\xA0") == 220);              // "Ġ", the space byte
  CHECK(tok->token_to_id("\xC4\xA0\xC4\xA0") == 256);      // merge 0: "Ġ Ġ"
  CHECK(tok->token_to_id("\xC4\xA0\xC4\xA0\xC4\xA0\xC4\xA0") == 257);  // merge 1
  CHECK(tok->token_to_id("in") == 258);                    // merge 2: "i n"
}

TEST_CASE("qwen2.5: padding and unknown ids decode to nothing") {
  const Tokenizer* tok = test::qwen_tokenizer();
  if (!tok) return;
  for (std::int32_t id : {151665, 151700, 151935, -1, 1 << 30}) {
    CAPTURE(id);
    CHECK(tok->decode(Ids{id}) == "");
    CHECK_FALSE(tok->id_to_token(id).has_value());
  }
  CHECK(tok->decode(Ids{9707, 151700, 1879}) == "Hello world");
}

TEST_CASE("qwen2.5: skip_special_tokens drops only special added tokens") {
  const Tokenizer* tok = test::qwen_tokenizer();
  if (!tok) return;
  const Ids ids = tok->encode("<|im_start|>Hi<tool_call>x</tool_call><|im_end|>");
  CHECK(tok->decode(ids, false) == "<|im_start|>Hi<tool_call>x</tool_call><|im_end|>");
  CHECK(tok->decode(ids, true) == "Hi<tool_call>x</tool_call>");
}

TEST_CASE("qwen2.5: invalid UTF-8 is rejected with std::invalid_argument") {
  const Tokenizer* tok = test::qwen_tokenizer();
  if (!tok) return;
  for (const std::string bad : {"abc\xFF", "\xC3", "\xED\xA0\x80", "\xC0\xAF", "ok \xF4\x90\x80\x80",
                                "\xE4\xB8"}) {
    CAPTURE(bad);
    CHECK_THROWS_AS(tok->encode(bad), std::invalid_argument);
  }
  const std::string nul("a\0b", 3);  // NUL is valid UTF-8 and round-trips
  CHECK(tok->decode(tok->encode(nul)) == nul);
}

TEST_CASE("qwen2.5: NFC is applied before BPE") {
  const Tokenizer* tok = test::qwen_tokenizer();
  if (!tok) return;
  // "e" + U+0301 composes to U+00E9.
  CHECK(tok->encode("caf\x65\xCC\x81") == tok->encode("caf\xC3\xA9"));
  CHECK(tok->decode(tok->encode("caf\x65\xCC\x81")) == "caf\xC3\xA9");
}

TEST_CASE("qwen2.5: decode replaces ill-formed bytes with U+FFFD") {
  const Tokenizer* tok = test::qwen_tokenizer();
  if (!tok) return;
  const Ids zhong = tok->encode("\xE4\xB8\xAD");  // 中
  REQUIRE(!zhong.empty());
  CHECK(tok->decode(zhong) == "\xE4\xB8\xAD");
  // The byte symbols for E4 and B8 alone: an incomplete character.
  const auto e4 = tok->token_to_id("\xC3\xA4");  // 0xE4 maps to U+00E4 'ä'
  const auto b8 = tok->token_to_id("\xC2\xB8");  // 0xB8 maps to U+00B8
  REQUIRE(e4.has_value());
  REQUIRE(b8.has_value());
  CHECK(tok->decode(Ids{*e4, *b8}) == "\xEF\xBF\xBD");
  CHECK(tok->decode(Ids{*e4, 64}) == "\xEF\xBF\xBD" "a");  // 64 = "a"
  CHECK(tok->decode(Ids{*b8, *b8}) == "\xEF\xBF\xBD\xEF\xBF\xBD");
}

}  // namespace vllmctl
