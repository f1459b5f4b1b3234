// The OpenAI-compatible routes: /v1/completions and /v1/chat/completions (JSON and
// SSE streaming), /v1/models, /tokenize, /detokenize. Handlers throw ApiError; the
// server's one boundary turns it into vLLM's error JSON.
#pragma once

#include "cli/serve/server_state.h"

#include <httplib.h>

namespace vllmctl {

void handle_completions(const httplib::Request& req, httplib::Response& res, ServerState& state);
void handle_chat_completions(const httplib::Request& req, httplib::Response& res, ServerState& state);
void handle_models(const httplib::Request& req, httplib::Response& res, ServerState& state);
void handle_tokenize(const httplib::Request& req, httplib::Response& res, ServerState& state);
void handle_detokenize(const httplib::Request& req, httplib::Response& res, ServerState& state);

}  // namespace vllmctl
