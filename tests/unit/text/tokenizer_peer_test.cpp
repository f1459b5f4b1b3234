// Property test against @huggingface/tokenizers: tests/integration/tokenizer_peer.sh has
// the node peer write random strings with its ids (JSONL), then runs this case with
//   VLLMCTL_PEER_TOKENIZER=<tokenizer.json>  VLLMCTL_PEER_CASES=<cases.jsonl>
// Without those variables the case reports itself skipped and checks nothing.
#include <doctest/doctest.h>

#include <cstdio>
#include <cstdlib>
#include <fstream>

#include <nlohmann/json.hpp>

#include "engine/text/normalizer.h"
#include "engine/text/tokenizer.h"

namespace vllmctl {
namespace {

std::string ids_text(const std::vector<std::int32_t>& ids) {
  std::string s = "[";
  for (std::size_t k = 0; k < ids.size(); ++k) s += (k ? "," : "") + std::to_string(ids[k]);
  return s + "]";
}

}  // namespace

TEST_CASE("peer: ids equal @huggingface/tokenizers' and decode(encode(s)) == normalized s") {
  const char* tokenizer_path = std::getenv("VLLMCTL_PEER_TOKENIZER");
  const char* cases_path = std::getenv("VLLMCTL_PEER_CASES");
  if (!tokenizer_path || !cases_path) {
    std::fprintf(stderr, "SKIPPED: peer comparison (run tests/integration/tokenizer_peer.sh)\n");
    return;
  }
  const Tokenizer tok = Tokenizer::from_file(tokenizer_path);
  std::ifstream in(cases_path);
  REQUIRE(in);
  std::size_t num_cases = 0, num_id_mismatches = 0, num_roundtrip_failures = 0;
  for (std::string line; std::getline(in, line);) {
    if (line.empty()) continue;
    const auto j = nlohmann::json::parse(line);
    const std::string text = j.at("text").get<std::string>();
    const std::string nfc_text = j.at("nfc").get<std::string>();
    const std::string roundtrip = j.at("roundtrip").get<std::string>();
    const auto peer_ids = j.at("ids").get<std::vector<std::int32_t>>();
    ++num_cases;
    const auto ids = tok.encode(text, false);
    if (ids != peer_ids && ++num_id_mismatches <= 5) {
      MESSAGE("ids differ for " << nlohmann::json(text).dump() << "\n  ours " << ids_text(ids)
                                << "\n  peer " << ids_text(peer_ids));
    }
    const std::string back = tok.decode(ids);
    if (back != roundtrip && ++num_roundtrip_failures <= 5) {
      MESSAGE("decode(encode(s)) != normalized s for " << nlohmann::json(text).dump() << "\n  got "
                                                 << nlohmann::json(back).dump());
    }
    // Our NFC (utf8proc) agrees with JavaScript's String.prototype.normalize.
    CHECK(nfc(text) == nfc_text);
  }
  std::printf("peer: compared %zu strings, %zu id mismatches, %zu round-trip failures\n",
              num_cases, num_id_mismatches, num_roundtrip_failures);
  CHECK(num_cases > 0);
  CHECK(num_id_mismatches == 0);
  CHECK(num_roundtrip_failures == 0);
}

}  // namespace vllmctl
