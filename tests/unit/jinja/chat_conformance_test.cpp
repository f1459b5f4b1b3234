// Chat-template conformance: renders tests/integration/data/chat_corpus.json with our
// ChatTemplate and compares byte for byte with jinja2's and @huggingface/jinja's
// renderings. tests/integration/chat_templates.sh produces those and runs this case
// with VLLMCTL_CHAT_CORPUS, VLLMCTL_CHAT_EXPECTED_JINJA2 and VLLMCTL_CHAT_EXPECTED_HF
// set; without them it is skipped.
#include <doctest/doctest.h>

#include <cstdio>
#include <cstdlib>
#include <fstream>

#include <nlohmann/json.hpp>

#include "engine/text/chat/chat_template.h"
#include "tests/unit/test_support.h"

namespace vllmctl {
namespace {

using Json = nlohmann::ordered_json;

Json read_json(const std::string& path) {
  std::ifstream in(path);
  REQUIRE_MESSAGE(in.good(), "cannot read " << path);
  return Json::parse(in);
}

std::tm parse_now(const std::string& iso) {
  std::tm tm{};
  int Y = 0, m = 0, d = 0, H = 0, M = 0, S = 0;
  REQUIRE(std::sscanf(iso.c_str(), "%d-%d-%dT%d:%d:%d", &Y, &m, &d, &H, &M, &S) == 6);
  tm.tm_year = Y - 1900;
  tm.tm_mon = m - 1;
  tm.tm_mday = d;
  tm.tm_hour = H;
  tm.tm_min = M;
  tm.tm_sec = S;
  std::tm copy = tm;
  timegm(&copy);  // fills in the weekday and day of the year
  tm.tm_wday = copy.tm_wday;
  tm.tm_yday = copy.tm_yday;
  return tm;
}

}  // namespace

TEST_CASE("chat conformance: corpus rendered like jinja2 and @huggingface/jinja") {
  const char* corpus_path = std::getenv("VLLMCTL_CHAT_CORPUS");
  const char* jinja2_path = std::getenv("VLLMCTL_CHAT_EXPECTED_JINJA2");
  const char* hf_path = std::getenv("VLLMCTL_CHAT_EXPECTED_HF");
  if (!corpus_path || !jinja2_path || !hf_path) {
    MESSAGE("skipped: run tests/integration/chat_templates.sh (sets VLLMCTL_CHAT_CORPUS, "
            "VLLMCTL_CHAT_EXPECTED_JINJA2, VLLMCTL_CHAT_EXPECTED_HF)");
    return;
  }
  auto dir = test::fixture_or_skip("chat-templates");
  if (!dir) return;
  Json corpus = read_json(corpus_path);
  Json expected = read_json(jinja2_path);
  Json expected_hf = read_json(hf_path);
  const Json& divergences = corpus["node_divergences"];
  jinja::RenderOptions render_options;
  render_options.now = parse_now(corpus["now"].get<std::string>());

  std::size_t num_compared = 0, num_raised = 0;
  for (auto t = corpus["templates"].begin(); t != corpus["templates"].end(); ++t) {
    // The tokenizer_config.json shape: eos_token in its {"content": ...} object form.
    Json config = {{"chat_template", test::read_file(*dir / t.key())},
                   {"bos_token", corpus["special_tokens"]["bos_token"]},
                   {"eos_token", {{"__type", "AddedToken"}, {"content", corpus["special_tokens"]["eos_token"]}}}};
    chat::ChatTemplate tmpl(chat::TokenizerChatConfig::from_json(config));
    INFO("template " << t.key());
    std::string format = t.value()["content_format"].get<std::string>();
    CHECK((tmpl.detected_format(false) == chat::ContentFormat::String) == (format == "string"));

    for (const auto& c : corpus["cases"]) {
      std::string key = t.key() + "|" + c["name"].get<std::string>();
      INFO("case " << key);
      chat::ChatRequest req;
      req.messages = c["messages"];
      req.tools = c.value("tools", Json());
      req.add_generation_prompt = c.value("add_generation_prompt", true);
      req.kwargs = c.value("kwargs", Json::object());
      bool ok = true;
      std::string output, error;
      try {
        output = tmpl.apply(req, render_options);
      } catch (const std::invalid_argument& e) {
        ok = false;
        error = e.what();
      }
      REQUIRE_MESSAGE(expected.contains(key), "no jinja2 result for " << key);
      const Json& want = expected[key];
      CHECK_MESSAGE(ok == want["ok"].get<bool>(),
                    "ours: " << (ok ? "rendered" : error) << "\njinja2: " << want.dump());
      if (ok && want["ok"].get<bool>()) CHECK(output == want["output"].get<std::string>());
      if (!ok) ++num_raised;
      ++num_compared;

      // @huggingface/jinja must agree with jinja2 except where the corpus says why not.
      bool hf_agrees = expected_hf.contains(key) && expected_hf[key]["ok"] == want["ok"] &&
                       (!want["ok"].get<bool>() || expected_hf[key]["output"] == want["output"]);
      if (divergences.contains(key)) {
        CHECK_MESSAGE(!hf_agrees, "listed divergence no longer diverges: " << key);
      } else {
        CHECK_MESSAGE(hf_agrees, "@huggingface/jinja differs: " << expected_hf.value(key, Json()).dump());
        if (ok && hf_agrees) CHECK(output == expected_hf[key]["output"].get<std::string>());
      }
    }
  }
  CHECK(num_compared == corpus["templates"].size() * corpus["cases"].size());
  CHECK(num_raised > 0);            // the corpus exercises templates that raise
  CHECK(num_raised < num_compared);  // and ones that render
  MESSAGE("compared " << num_compared << " renderings (" << num_raised << " raised)");
}

}  // namespace vllmctl
