// The OpenAI routes: request -> EngineRequest, engine outputs -> JSON or SSE chunks.
#include "cli/serve/openai_routes.h"

#include "cli/serve/api_error.h"
#include "cli/serve/sampling_request.h"

#include <fmt/format.h>
#include <nlohmann/json.hpp>

#include <chrono>
#include <random>

namespace vllmctl {

namespace {

using json = nlohmann::json;
using namespace std::chrono_literals;

json parse_body(const httplib::Request& req) {
  json body = json::parse(req.body, nullptr, false);
  if (body.is_discarded() || !body.is_object()) {
    throw bad_request("The request body is not a valid JSON object.");
  }
  return body;
}

void check_model(const json& body, const ServerState& state) {
  auto it = body.find("model");
  if (it == body.end() || it->is_null() || (it->is_string() && it->get<std::string>().empty())) return;
  if (!it->is_string() || it->get<std::string>() != state.served_model_name) {
    throw ApiError(404, "NotFoundError", fmt::format("The model `{}` does not exist.", it->is_string() ? it->get<std::string>() : it->dump()),
                   "model");
  }
}

std::string random_id(const char* prefix) {
  static thread_local std::mt19937_64 rng(std::random_device{}());
  return fmt::format("{}{:016x}{:016x}", prefix, rng(), rng());
}

const char* finish_reason_name(FinishReason r) {
  switch (r) {
    case FinishReason::kStop: return "stop";
    case FinishReason::kLength: return "length";
    case FinishReason::kAbort: return "abort";
    default: return nullptr;
  }
}

json stop_reason_json(const RequestOutput& o) {
  if (o.stop_string) return *o.stop_string;
  if (o.stop_token) return *o.stop_token;
  return nullptr;
}

void check_length(int num_prompt_tokens, const ServerState& state) {
  if (num_prompt_tokens >= state.max_model_len()) {
    throw bad_request(fmt::format("This model's maximum context length is {} tokens. However, your request has {} "
                                  "input tokens. Please reduce the length of the input messages.",
                                  state.max_model_len(), num_prompt_tokens));
  }
}

// The shared flow of both routes once the prompt is tokenized.
struct Prepared {
  EngineRequest request;
  bool stream = false;
  bool include_usage = false;
  int n = 1;
};

Prepared prepare(const json& body, ApiRoute route, ServerState& state, std::vector<TokenId> prompt) {
  check_length(static_cast<int>(prompt.size()), state);
  Prepared p;
  p.request.params = parse_sampling_params(body, route, state, static_cast<int>(prompt.size()));
  p.request.prompt_token_ids = std::move(prompt);
  p.stream = body.value("stream", false);
  if (auto so = body.find("stream_options"); so != body.end() && !so->is_null()) {
    if (!p.stream) throw bad_request("Stream options can only be defined when `stream=True`.", "stream_options");
    p.include_usage = so->value("include_usage", true);
  }
  p.n = p.request.params.n;
  return p;
}

std::shared_ptr<OutputStream> submit(ServerState& state, EngineRequest request) {
  try {
    return state.engine().submit(std::move(request));
  } catch (const std::invalid_argument& e) {
    throw bad_request(e.what());
  } catch (const std::runtime_error& e) {
    throw ApiError(503, "ServiceUnavailableError", e.what());
  }
}

json logprob_entry_chat(const SampleResult& s, const Tokenizer& tok) {
  auto text = [&](TokenId id) { return tok.decode(std::span<const TokenId>(&id, 1)); };
  json top = json::array();
  for (const auto& t : s.top_logprobs) top.push_back({{"token", text(t.token)}, {"logprob", t.logprob}});
  return {{"token", text(s.token)}, {"logprob", s.logprob}, {"top_logprobs", top}};
}

// Chat's logprobs object: {"content": [one entry per token]}.
json chat_logprobs(const std::vector<SampleResult>& samples, const Tokenizer& tok) {
  json content = json::array();
  for (const auto& s : samples) content.push_back(logprob_entry_chat(s, tok));
  return {{"content", content}};
}

json logprobs_completion(const std::vector<SampleResult>& samples, const Tokenizer& tok) {
  json tokens = json::array(), lps = json::array(), tops = json::array();
  for (const auto& s : samples) {
    tokens.push_back(tok.decode(std::span<const TokenId>(&s.token, 1)));
    lps.push_back(s.logprob);
    json top = json::object();
    for (const auto& t : s.top_logprobs) top[tok.decode(std::span<const TokenId>(&t.token, 1))] = t.logprob;
    tops.push_back(top);
  }
  return {{"tokens", tokens}, {"token_logprobs", lps}, {"top_logprobs", tops}};
}

json usage_json(int prompt_tokens, int completion_tokens) {
  return {{"prompt_tokens", prompt_tokens}, {"completion_tokens", completion_tokens},
          {"total_tokens", prompt_tokens + completion_tokens}};
}

// Collects every output of a non-streamed request. Aborts it if the engine stalls.
struct Choice {
  std::string text;
  std::vector<SampleResult> logprobs;
  int num_tokens = 0;
  RequestOutput last;
};

std::vector<Choice> collect(OutputStream& stream, int n, ServerState& state) {
  std::vector<Choice> choices(static_cast<size_t>(n));
  while (!stream.done()) {
    auto o = stream.next(1s);
    if (!o) {
      if (!state.engine().alive()) throw ApiError(500, "InternalServerError", "the engine stopped");
      continue;
    }
    Choice& c = choices[static_cast<size_t>(o->index)];
    c.text += o->text;
    c.num_tokens += static_cast<int>(o->token_ids.size());
    c.logprobs.insert(c.logprobs.end(), o->logprobs.begin(), o->logprobs.end());
    if (!o->error.empty()) throw ApiError(500, "InternalServerError", o->error);
    if (o->finished) c.last = std::move(*o);
  }
  return choices;
}

// Streams SSE chunks built by `chunk(output)`; `first(index)` is sent once per choice
// before its first content (chat's role chunk); the usage chunk and [DONE] close it.
void stream_response(httplib::Response& res, ServerState& state, std::shared_ptr<OutputStream> stream,
                     const Prepared& p, std::function<json(const RequestOutput&)> chunk,
                     std::function<json(int)> first, std::function<json(const json&)> usage_chunk) {
  res.set_header("Cache-Control", "no-cache");
  res.set_header("X-Accel-Buffering", "no");
  const int prompt_tokens = static_cast<int>(p.request.prompt_token_ids.size());
  auto completion_tokens = std::make_shared<int>(0);
  res.set_chunked_content_provider(
      "text/event-stream",
      [&state, stream, p, chunk, first, usage_chunk, prompt_tokens, completion_tokens,
       started = std::make_shared<std::vector<bool>>(static_cast<size_t>(p.n), false)](
          size_t, httplib::DataSink& sink) {
        auto send = [&](const json& j) {
          const std::string line = "data: " + j.dump() + "\n\n";
          return sink.write(line.data(), line.size());
        };
        while (!stream->done()) {
          auto o = stream->next(200ms);
          if (!o) {
            if (!sink.is_writable()) {
              state.engine().abort(stream->request_id());
              return false;
            }
            continue;
          }
          *completion_tokens += static_cast<int>(o->token_ids.size());
          if (first && !(*started)[static_cast<size_t>(o->index)]) {
            (*started)[static_cast<size_t>(o->index)] = true;
            if (!send(first(o->index))) {
              state.engine().abort(stream->request_id());
              return false;
            }
          }
          if (!o->error.empty()) {
            send(error_body(500, "InternalServerError", o->error));
            continue;
          }
          if (o->text.empty() && !o->finished && o->logprobs.empty()) continue;  // no empty deltas
          if (!send(chunk(*o))) {
            state.engine().abort(stream->request_id());
            return false;
          }
        }
        if (p.include_usage) send(usage_chunk(usage_json(prompt_tokens, *completion_tokens)));
        const std::string done = "data: [DONE]\n\n";
        sink.write(done.data(), done.size());
        sink.done();
        return true;
      },
      [&state, stream](bool) {
        if (!stream->done()) state.engine().abort(stream->request_id());  // client went away
      });
}

}  // namespace

void handle_completions(const httplib::Request& req, httplib::Response& res, ServerState& state) {
  const json body = parse_body(req);
  check_model(body, state);
  if (body.contains("suffix") && !body["suffix"].is_null()) throw bad_request("suffix is not currently supported", "suffix");
  std::vector<TokenId> prompt;
  const auto it = body.find("prompt");
  if (it == body.end() || it->is_null()) throw bad_request("Either prompt or prompt_embeds must be provided and non-empty.", "prompt");
  json prompt_value = *it;
  if (prompt_value.is_array() && prompt_value.size() == 1 && (prompt_value[0].is_string() || prompt_value[0].is_array())) {
    prompt_value = prompt_value[0];
  }
  if (prompt_value.is_string()) {
    prompt = state.tokenizer().encode(prompt_value.get<std::string>(), body.value("add_special_tokens", true));
  } else if (prompt_value.is_array() && !prompt_value.empty() && prompt_value[0].is_number_integer()) {
    prompt = prompt_value.get<std::vector<TokenId>>();
  } else if (prompt_value.is_array() && prompt_value.size() > 1) {
    throw bad_request("a list of several prompts is not supported yet; send one request per prompt", "prompt");
  }
  if (prompt.empty()) throw bad_request("Either prompt or prompt_embeds must be provided and non-empty.", "prompt");
  const bool echo = body.value("echo", false);
  const std::string echo_text = echo ? state.tokenizer().decode(prompt) : "";
  Prepared p = prepare(body, ApiRoute::kCompletions, state, std::move(prompt));
  const std::string id = random_id("cmpl-");
  const int64_t created = std::time(nullptr);
  auto stream = submit(state, p.request);

  if (p.stream) {
    auto base = [id, created, &state](json choices) {
      return json{{"id", id}, {"object", "text_completion"}, {"created", created},
                  {"model", state.served_model_name}, {"choices", std::move(choices)}};
    };
    auto first = echo ? std::function<json(int)>([base, echo_text](int index) {
      return base(json::array({{{"index", index}, {"text", echo_text}, {"logprobs", nullptr}, {"finish_reason", nullptr}}}));
    }) : std::function<json(int)>();
    stream_response(
        res, state, stream, p,
        [base, &state](const RequestOutput& o) {
          json c = {{"index", o.index}, {"text", o.text},
                    {"logprobs", o.logprobs.empty() ? json(nullptr) : logprobs_completion(o.logprobs, state.tokenizer())},
                    {"finish_reason", o.finished ? json(finish_reason_name(o.finish_reason)) : json(nullptr)}};
          if (o.finished) c["stop_reason"] = stop_reason_json(o);
          return base(json::array({c}));
        },
        first, [base](const json& usage) {
          json j = base(json::array());
          j["usage"] = usage;
          return j;
        });
    return;
  }
  std::vector<Choice> choices = collect(*stream, p.n, state);
  json out_choices = json::array();
  int completion_tokens = 0;
  for (size_t i = 0; i < choices.size(); ++i) {
    const Choice& c = choices[i];
    completion_tokens += c.num_tokens;
    out_choices.push_back({{"index", i}, {"text", echo_text + c.text},
                           {"logprobs", p.request.params.logprobs ? logprobs_completion(c.logprobs, state.tokenizer()) : json(nullptr)},
                           {"finish_reason", finish_reason_name(c.last.finish_reason)},
                           {"stop_reason", stop_reason_json(c.last)}});
  }
  json out = {{"id", id}, {"object", "text_completion"}, {"created", created}, {"model", state.served_model_name},
              {"choices", out_choices},
              {"usage", usage_json(static_cast<int>(p.request.prompt_token_ids.size()), completion_tokens)}};
  res.set_content(out.dump(), "application/json");
}

void handle_chat_completions(const httplib::Request& req, httplib::Response& res, ServerState& state) {
  const json body = parse_body(req);
  check_model(body, state);
  if (!state.chat_template) {
    throw bad_request("As of transformers v4.44, default chat template is no longer allowed, so you must provide a "
                      "chat template if the tokenizer does not define one.");
  }
  const auto messages = body.find("messages");
  if (messages == body.end() || !messages->is_array() || messages->empty()) {
    throw bad_request("messages: a non-empty list of messages is required", "messages");
  }
  chat::ChatRequest chat_req;
  chat_req.messages = nlohmann::ordered_json::parse(messages->dump());
  if (auto t = body.find("tools"); t != body.end() && !t->is_null()) chat_req.tools = nlohmann::ordered_json::parse(t->dump());
  chat_req.add_generation_prompt = body.value("add_generation_prompt", true);
  chat_req.continue_final_message = body.value("continue_final_message", false);
  if (auto k = body.find("chat_template_kwargs"); k != body.end() && k->is_object()) {
    chat_req.kwargs = nlohmann::ordered_json::parse(k->dump());
  }
  std::string prompt_text;
  try {
    prompt_text = state.chat_template->apply(chat_req);
  } catch (const std::exception& e) {
    throw bad_request(e.what(), "messages");
  }
  Prepared p = prepare(body, ApiRoute::kChat, state,
                       state.tokenizer().encode(prompt_text, body.value("add_special_tokens", false)));
  const std::string id = random_id("chatcmpl-");
  const int64_t created = std::time(nullptr);
  auto stream = submit(state, p.request);

  auto base = [id, created, &state](json choices) {
    return json{{"id", id}, {"object", "chat.completion.chunk"}, {"created", created},
                {"model", state.served_model_name}, {"choices", std::move(choices)}};
  };
  if (p.stream) {
    stream_response(
        res, state, stream, p,
        [base, &state](const RequestOutput& o) {
          json delta = json::object();
          if (!o.text.empty()) delta["content"] = o.text;
          json c = {{"index", o.index}, {"delta", delta},
                    {"logprobs", nullptr},
                    {"finish_reason", o.finished ? json(finish_reason_name(o.finish_reason)) : json(nullptr)}};
          if (!o.logprobs.empty()) c["logprobs"] = chat_logprobs(o.logprobs, state.tokenizer());
          if (o.finished) c["stop_reason"] = stop_reason_json(o);
          return base(json::array({c}));
        },
        [base](int index) {
          return base(json::array({{{"index", index}, {"delta", {{"role", "assistant"}, {"content", ""}}},
                                    {"logprobs", nullptr}, {"finish_reason", nullptr}}}));
        },
        [base](const json& usage) {
          json j = base(json::array());
          j["usage"] = usage;
          return j;
        });
    return;
  }
  std::vector<Choice> choices = collect(*stream, p.n, state);
  json out_choices = json::array();
  int completion_tokens = 0;
  for (size_t i = 0; i < choices.size(); ++i) {
    const Choice& c = choices[i];
    completion_tokens += c.num_tokens;
    const json logprobs = p.request.params.logprobs ? chat_logprobs(c.logprobs, state.tokenizer()) : json(nullptr);
    out_choices.push_back({{"index", i},
                           {"message", {{"role", "assistant"}, {"content", c.text}, {"tool_calls", json::array()}}},
                           {"logprobs", logprobs},
                           {"finish_reason", finish_reason_name(c.last.finish_reason)},
                           {"stop_reason", stop_reason_json(c.last)}});
  }
  json out = {{"id", id}, {"object", "chat.completion"}, {"created", created}, {"model", state.served_model_name},
              {"choices", out_choices},
              {"usage", usage_json(static_cast<int>(p.request.prompt_token_ids.size()), completion_tokens)}};
  res.set_content(out.dump(), "application/json");
}

void handle_models(const httplib::Request&, httplib::Response& res, ServerState& state) {
  json card = {{"id", state.served_model_name}, {"object", "model"}, {"created", state.created_unix_s},
               {"owned_by", "vllmctl"}, {"root", state.model_root}, {"parent", nullptr},
               {"max_model_len", state.max_model_len()}, {"permission", json::array()}};
  res.set_content(json{{"object", "list"}, {"data", json::array({card})}}.dump(), "application/json");
}

void handle_tokenize(const httplib::Request& req, httplib::Response& res, ServerState& state) {
  const json body = parse_body(req);
  check_model(body, state);
  std::vector<TokenId> ids;
  if (auto it = body.find("prompt"); it != body.end() && it->is_string()) {
    ids = state.tokenizer().encode(it->get<std::string>(), body.value("add_special_tokens", true));
  } else if (auto m = body.find("messages"); m != body.end() && m->is_array() && state.chat_template) {
    chat::ChatRequest cr;
    cr.messages = nlohmann::ordered_json::parse(m->dump());
    cr.add_generation_prompt = body.value("add_generation_prompt", true);
    try {
      ids = state.tokenizer().encode(state.chat_template->apply(cr), body.value("add_special_tokens", false));
    } catch (const std::exception& e) {
      throw bad_request(e.what(), "messages");
    }
  } else {
    throw bad_request("either prompt (a string) or messages is required", "prompt");
  }
  json out = {{"count", ids.size()}, {"max_model_len", state.max_model_len()}, {"tokens", ids}};
  res.set_content(out.dump(), "application/json");
}

void handle_detokenize(const httplib::Request& req, httplib::Response& res, ServerState& state) {
  const json body = parse_body(req);
  check_model(body, state);
  auto it = body.find("tokens");
  if (it == body.end() || !it->is_array()) throw bad_request("tokens: a list of token ids is required", "tokens");
  std::vector<TokenId> ids;
  for (const auto& t : *it) {
    if (!t.is_number_integer()) throw bad_request("tokens: a list of token ids is required", "tokens");
    const int64_t id = t.get<int64_t>();
    if (id < 0 || id >= state.engine().backend().vocab_size()) {
      throw bad_request(fmt::format("token id {} is out of vocabulary", id), "tokens");
    }
    ids.push_back(static_cast<TokenId>(id));
  }
  res.set_content(json{{"prompt", state.tokenizer().decode(ids)}}.dump(), "application/json");
}

}  // namespace vllmctl
