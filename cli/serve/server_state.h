// What every route handler shares: the engine, the tokenizer, the chat template and the
// served model's limits. Built once at start-up; read-only afterwards (the engine is
// thread-safe).
#pragma once

#include "cli/serve/sampling_request.h"
#include "engine/runtime/engine_loader.h"
#include "engine/text/chat/chat_template.h"

#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <vector>

namespace vllmctl {

struct ServerState {
  LoadedEngine loaded;
  std::unique_ptr<chat::ChatTemplate> chat_template;  // null: the model has none
  std::string served_model_name;
  std::string model_root;                             // path or repo id, for /v1/models
  std::vector<std::string> api_keys;                  // empty: no auth
  int max_logprobs = 20;
  bool prompt_tokens_details = false;  // --enable-prompt-tokens-details: usage.prompt_tokens_details
  // --enable-log-requests: called with one line per request received; null: off.
  std::function<void(const std::string&)> log_request;
  int64_t created_unix_s = 0;

  Engine& engine() const { return *loaded.engine; }
  const Tokenizer& tokenizer() const { return *loaded.tokenizer; }
  int max_model_len() const { return loaded.max_model_len; }
  RequestLimits limits() const {
    return {loaded.max_model_len, engine().backend().vocab_size(), max_logprobs, loaded.generation};
  }
};

}  // namespace vllmctl
