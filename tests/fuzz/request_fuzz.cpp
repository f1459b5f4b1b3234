// libFuzzer target for the OpenAI request parser. The first byte picks the route
// (completions, chat, tokenize); the rest is the HTTP body. Parsing the body, its prompts,
// chat fields, sampling parameters and stream options may fail only with ApiError (the
// server's 400s); rendering the demo chat template may fail with std::exception (also a
// 400 in the route). Anything else escaping would be a 500, and is a finding. Runs on
// the built-in demo tokenizer and chat template, so it needs no fixtures.
#include <cstddef>
#include <cstdint>
#include <string_view>

#include "cli/serve/api_error.h"
#include "cli/serve/request_parsing.h"
#include "cli/serve/sampling_request.h"
#include "engine/model/demo_tokenizer.h"
#include "engine/structured/json_matcher.h"
#include "engine/text/chat/tokenizer_chat_config.h"

namespace {

using namespace vllmctl;

struct Fixture {
  Tokenizer tokenizer = Tokenizer::from_json_text(demo_tokenizer_json());
  chat::ChatTemplate chat_template{
      chat::TokenizerChatConfig::from_json(nlohmann::ordered_json::parse(demo_tokenizer_config_json()))};
  RequestLimits limits{64, 512, 20, std::nullopt};
};

const Fixture& fixture() {
  static const Fixture f;
  return f;
}

void parse(uint8_t route, std::string_view text) {
  const Fixture& f = fixture();
  const nlohmann::json body = parse_request_body(text);
  (void)parse_stream_options(body);
  if (route % 3 == 0) {
    for (const auto& prompt : parse_completion_prompts(body, f.tokenizer, f.tokenizer.size())) {
      if (static_cast<int>(prompt.size()) < f.limits.max_model_len) {
        (void)parse_sampling_params(body, ApiRoute::kCompletions, f.limits, static_cast<int>(prompt.size()));
      }
    }
    (void)bool_field(body, "echo", false);
    (void)truncate_prompt_tokens(body, f.limits.max_model_len);
    // A schema that compiles must give a matcher that survives any bytes.
    if (const auto grammar = parse_response_format(body)) {
      structured::JsonMatcher matcher(grammar);
      for (char c : text) {
        (void)matcher.accept(std::string_view(&c, 1));  // a rejected byte changes nothing: go on, deeper
      }
      (void)matcher.can_finish();
    }
    return;
  }
  const chat::ChatRequest request = parse_chat_request(body);
  std::string prompt;
  try {
    jinja::RenderOptions options;
    options.max_steps = 20000;
    options.max_output_bytes = 1u << 16;
    prompt = f.chat_template.apply(request, options);
  } catch (const ApiError&) {
    throw;
  } catch (const std::exception&) {
    return;  // the route answers 400 with the template's message
  }
  const auto ids = f.tokenizer.encode(prompt, bool_field(body, "add_special_tokens", false));
  if (route % 3 == 1 && static_cast<int>(ids.size()) < f.limits.max_model_len) {
    (void)parse_sampling_params(body, ApiRoute::kChat, f.limits, static_cast<int>(ids.size()));
  }
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  if (size == 0) return 0;
  try {
    parse(data[0], std::string_view(reinterpret_cast<const char*>(data + 1), size - 1));
  } catch (const ApiError&) {
    // A 400 with a message: expected for malformed requests.
  }
  return 0;
}
