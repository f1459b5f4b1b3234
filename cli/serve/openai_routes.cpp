// The OpenAI routes: request -> EngineRequest, engine outputs -> JSON or SSE chunks.
#include "cli/serve/openai_routes.h"

#include "cli/serve/api_error.h"
#include "cli/serve/connection.h"
#include "cli/serve/request_parsing.h"
#include "cli/serve/sampling_request.h"

#include <fmt/format.h>
#include <nlohmann/json.hpp>

#include <algorithm>
#include <chrono>
#include <map>
#include <numeric>
#include <random>

namespace vllmctl {

namespace {

using json = nlohmann::json;
using namespace std::chrono_literals;

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

// The shared flow of both routes once the prompts are tokenized: one engine request per
// prompt (completions may send several), each with the same sampling parameters.
struct Prepared {
  std::vector<EngineRequest> requests;
  bool stream = false;
  bool include_usage = false;
  int n = 1;
  int prompt_tokens_total = 0;  // over every prompt, for usage
};

Prepared prepare(const json& body, ApiRoute route, ServerState& state, std::vector<std::vector<TokenId>> prompts) {
  const auto json_grammar = parse_response_format(body);
  Prepared p;
  const RequestLimits limits = state.limits();
  const std::optional<int> truncate = truncate_prompt_tokens(body, limits.max_model_len);
  for (auto& prompt : prompts) {
    if (truncate && static_cast<int>(prompt.size()) > *truncate) {
      prompt.erase(prompt.begin(), prompt.end() - *truncate);  // keep the last tokens
    }
    check_length(static_cast<int>(prompt.size()), state);
    EngineRequest r;
    r.params = parse_sampling_params(body, route, limits, static_cast<int>(prompt.size()));
    r.json_grammar = json_grammar;
    p.prompt_tokens_total += static_cast<int>(prompt.size());
    r.prompt_token_ids = std::move(prompt);
    p.n = r.params.n;
    p.requests.push_back(std::move(r));
  }
  const StreamOptions so = parse_stream_options(body);
  p.stream = so.stream;
  p.include_usage = so.include_usage;
  return p;
}

// Submits every request; if one is refused, the ones already submitted are aborted.
// With --enable-log-requests, logs each prompt (its first 200 characters) and parameters.
std::vector<std::shared_ptr<OutputStream>> submit(ServerState& state, const Prepared& p, const std::string& id) {
  if (state.log_request) {
    for (size_t k = 0; k < p.requests.size(); ++k) {
      const auto& r = p.requests[k];
      std::string text = state.tokenizer().decode(r.prompt_token_ids);
      if (text.size() > 200) text = text.substr(0, 200) + "...";
      state.log_request(fmt::format("Received request {}{}: prompt: {}, params: {}, prompt_token_ids: {} tokens", id,
                                    p.requests.size() > 1 ? "-" + std::to_string(k) : "",
                                    json(text).dump(-1, ' ', false, json::error_handler_t::replace),
                                    describe_sampling_params(r.params), r.prompt_token_ids.size()));
    }
  }
  std::vector<std::shared_ptr<OutputStream>> streams;
  try {
    for (const auto& r : p.requests) streams.push_back(state.engine().submit(r));
    return streams;
  } catch (const std::invalid_argument& e) {
    for (const auto& s : streams) state.engine().abort(s->request_id());
    throw bad_request(e.what());
  } catch (const std::runtime_error& e) {
    for (const auto& s : streams) state.engine().abort(s->request_id());
    throw ApiError(503, "ServiceUnavailableError", e.what());
  }
}

// Characters (code points) of UTF-8 text, as Python's len() counts them: the unit of
// text_offset.
int count_chars(const std::string& text) {
  int n = 0;
  for (unsigned char c : text) n += (c & 0xC0) != 0x80;
  return n;
}

json byte_list(const std::string& text) {
  json out = json::array();
  for (unsigned char c : text) out.push_back(static_cast<int>(c));
  return out;
}

json logprob_entry_chat(const SampleResult& s, const Tokenizer& tok) {
  auto text = [&](TokenId id) { return tok.decode(std::span<const TokenId>(&id, 1)); };
  json top = json::array();
  for (const auto& t : s.top_logprobs) {
    const std::string tt = text(t.token);
    top.push_back({{"token", tt}, {"logprob", t.logprob}, {"bytes", byte_list(tt)}});
  }
  const std::string st = text(s.token);
  return {{"token", st}, {"logprob", s.logprob}, {"bytes", byte_list(st)}, {"top_logprobs", top}};
}

// Chat's logprobs object: {"content": [one entry per token]}.
json chat_logprobs(const std::vector<SampleResult>& samples, const Tokenizer& tok) {
  json content = json::array();
  for (const auto& s : samples) content.push_back(logprob_entry_chat(s, tok));
  return {{"content", content}};
}

// Completions' logprobs object. top_logprobs holds the top k and, as in vLLM, the sampled
// token too when it is not among them. `text_offset` counts characters from
// `*offset`, which advances past these tokens (streamed chunks continue it).
json logprobs_completion(const std::vector<SampleResult>& samples, const Tokenizer& tok, int* offset) {
  json tokens = json::array(), lps = json::array(), tops = json::array(), offsets = json::array();
  auto text = [&](TokenId id) { return tok.decode(std::span<const TokenId>(&id, 1)); };
  for (const auto& s : samples) {
    const std::string st = text(s.token);
    tokens.push_back(st);
    lps.push_back(s.logprob);
    offsets.push_back(*offset);
    *offset += count_chars(st);
    json top = json::object();
    for (const auto& t : s.top_logprobs) top[text(t.token)] = t.logprob;
    if (!top.contains(st)) top[st] = s.logprob;
    tops.push_back(top);
  }
  return {{"text_offset", offsets}, {"token_logprobs", lps}, {"tokens", tokens}, {"top_logprobs", tops}};
}

// `cached_tokens`: prompt tokens served from the prefix cache, reported as
// prompt_tokens_details with --enable-prompt-tokens-details (null: omitted, vLLM's default).
json usage_json(int prompt_tokens, int completion_tokens, std::optional<int> cached_tokens = std::nullopt) {
  json u = {{"prompt_tokens", prompt_tokens}, {"completion_tokens", completion_tokens},
            {"total_tokens", prompt_tokens + completion_tokens}};
  if (cached_tokens) u["prompt_tokens_details"] = {{"cached_tokens", *cached_tokens}};
  return u;
}

// Collects every output of a non-streamed request. Aborts it if the engine stalls.
struct Choice {
  std::string text;
  std::vector<SampleResult> logprobs;
  int num_tokens = 0;
  int cached_tokens = 0;  // of its prompt, from the prefix cache
  RequestOutput last;
};

// Cached prompt tokens over all prompts (choice k * n holds prompt k's count), when the
// server reports them.
std::optional<int> cached_total(const std::vector<Choice>& choices, int n, const ServerState& state) {
  if (!state.prompt_tokens_details) return std::nullopt;
  int total = 0;
  for (size_t i = 0; i < choices.size(); i += static_cast<size_t>(n)) total += choices[i].cached_tokens;
  return total;
}

// Choices of several prompts: prompt k's sample i is choice k * n + i (vLLM's order).
// A client that disconnects aborts every request at once (checked between outputs).
std::vector<Choice> collect(const std::vector<std::shared_ptr<OutputStream>>& streams, int n, ServerState& state,
                            const httplib::Request& req) {
  std::vector<Choice> choices(streams.size() * static_cast<size_t>(n));
  const int client_fd = find_connection_fd(req);
  for (size_t k = 0; k < streams.size(); ++k) {
    OutputStream& stream = *streams[k];
    auto next_check = std::chrono::steady_clock::now();
    while (!stream.done()) {
      auto o = stream.next(200ms);
      // Outputs may arrive every step: look at the socket every 200 ms regardless.
      if (const auto now = std::chrono::steady_clock::now(); now >= next_check) {
        next_check = now + 200ms;
        if (peer_closed(client_fd)) {
          for (const auto& s : streams) state.engine().abort(s->request_id());
          throw ApiError(499, "ClientClosedRequest", "the client closed the connection");
        }
      }
      if (!o) {
        if (!state.engine().alive()) throw ApiError(500, "InternalServerError", "the engine stopped");
        continue;
      }
      Choice& c = choices[k * static_cast<size_t>(n) + static_cast<size_t>(o->index)];
      c.text += o->text;
      c.num_tokens += static_cast<int>(o->token_ids.size());
      c.cached_tokens = std::max(c.cached_tokens, o->num_cached_tokens);
      c.logprobs.insert(c.logprobs.end(), o->logprobs.begin(), o->logprobs.end());
      if (!o->error.empty()) throw ApiError(500, "InternalServerError", o->error);
      if (o->finished) c.last = std::move(*o);
    }
  }
  return choices;
}

// The non-streamed response: `choice(c, i)` gives choice i's route-specific fields
// (text or message, logprobs); index, finish and stop reasons, and usage are shared.
json full_response(const std::string& id, const char* object, int64_t created, const ServerState& state,
                   const Prepared& p, const std::vector<Choice>& choices,
                   const std::function<json(const Choice&, size_t)>& choice) {
  json out_choices = json::array();
  int completion_tokens = 0;
  for (size_t i = 0; i < choices.size(); ++i) {
    const Choice& c = choices[i];
    completion_tokens += c.num_tokens;
    json j = {{"index", i}};
    j.update(choice(c, i));
    j["finish_reason"] = finish_reason_name(c.last.finish_reason);
    j["stop_reason"] = stop_reason_json(c.last);
    out_choices.push_back(std::move(j));
  }
  return {{"id", id}, {"object", object}, {"created", created}, {"model", state.served_model_name},
          {"choices", out_choices},
          {"usage", usage_json(p.prompt_tokens_total, completion_tokens, cached_total(choices, p.n, state))}};
}

// Streams SSE chunks built by `chunk(output, choice index)`; `first(index)` is sent once
// per choice before its first content (chat's role chunk); the usage chunk and [DONE]
// close it. Several streams (one per prompt) are read in turn; a client that goes away
// aborts every one of them in the engine.
void stream_response(httplib::Response& res, ServerState& state, std::vector<std::shared_ptr<OutputStream>> streams,
                     const Prepared& p, std::function<json(const RequestOutput&, int)> chunk,
                     std::function<json(int)> first, std::function<json(const json&)> usage_chunk) {
  res.set_header("Cache-Control", "no-cache");
  res.set_header("X-Accel-Buffering", "no");
  const int prompt_tokens = p.prompt_tokens_total;
  auto completion_tokens = std::make_shared<int>(0);
  auto cached = std::make_shared<std::vector<int>>(streams.size(), 0);  // per prompt
  const bool report_cached = state.prompt_tokens_details;
  auto abort_all = [&state, streams] {
    for (const auto& s : streams) {
      if (!s->done()) state.engine().abort(s->request_id());
    }
  };
  res.set_chunked_content_provider(
      "text/event-stream",
      [streams, p, chunk, first, usage_chunk, prompt_tokens, completion_tokens, cached, report_cached, abort_all,
       started = std::make_shared<std::vector<bool>>(streams.size() * static_cast<size_t>(p.n), false)](
          size_t, httplib::DataSink& sink) {
        auto send = [&](const json& j) {
          const std::string line = "data: " + j.dump() + "\n\n";
          return sink.write(line.data(), line.size());
        };
        // One stream waits long; several poll in turn so none holds up the others.
        const auto wait = streams.size() == 1 ? 200ms : 5ms;
        for (bool open = true; open;) {
          open = false;
          for (size_t k = 0; k < streams.size(); ++k) {
            OutputStream& stream = *streams[k];
            if (stream.done()) continue;
            open = true;
            auto o = stream.next(wait);
            if (!o) {
              if (!sink.is_writable()) {
                abort_all();
                return false;
              }
              continue;
            }
            const int index = static_cast<int>(k) * p.n + o->index;
            *completion_tokens += static_cast<int>(o->token_ids.size());
            (*cached)[k] = std::max((*cached)[k], o->num_cached_tokens);
            if (first && !(*started)[static_cast<size_t>(index)]) {
              (*started)[static_cast<size_t>(index)] = true;
              if (!send(first(index))) {
                abort_all();
                return false;
              }
            }
            if (!o->error.empty()) {
              send(error_body(500, "InternalServerError", o->error));
              continue;
            }
            if (o->text.empty() && !o->finished && o->logprobs.empty()) continue;  // no empty deltas
            if (!send(chunk(*o, index))) {
              abort_all();
              return false;
            }
          }
        }
        if (p.include_usage) {
          std::optional<int> cached_tokens;
          if (report_cached) cached_tokens = std::accumulate(cached->begin(), cached->end(), 0);
          send(usage_chunk(usage_json(prompt_tokens, *completion_tokens, cached_tokens)));
        }
        const std::string done = "data: [DONE]\n\n";
        sink.write(done.data(), done.size());
        sink.done();
        return true;
      },
      [streams, abort_all](bool) { abort_all(); });  // client went away: abort what is still running
}

}  // namespace

void handle_completions(const httplib::Request& req, httplib::Response& res, ServerState& state) {
  const json body = parse_request_body(req.body);
  check_model(body, state);
  if (body.contains("suffix") && !body["suffix"].is_null()) throw bad_request("suffix is not currently supported", "suffix");
  std::vector<std::vector<TokenId>> prompts =
      parse_completion_prompts(body, state.tokenizer(), state.engine().backend().vocab_size());
  const bool echo = bool_field(body, "echo", false);
  std::vector<std::string> echo_text;
  for (const auto& ids : prompts) echo_text.push_back(echo ? state.tokenizer().decode(ids) : "");
  Prepared p = prepare(body, ApiRoute::kCompletions, state, std::move(prompts));
  const std::string id = random_id("cmpl-");
  const int64_t created = std::time(nullptr);
  auto streams = submit(state, p, id);

  if (p.stream) {
    auto base = [id, created, &state](json choices) {
      return json{{"id", id}, {"object", "text_completion"}, {"created", created},
                  {"model", state.served_model_name}, {"choices", std::move(choices)}};
    };
    const int n = p.n;
    auto first = echo ? std::function<json(int)>([base, echo_text, n](int index) {
      return base(json::array({{{"index", index}, {"text", echo_text[static_cast<size_t>(index / n)]},
                                {"logprobs", nullptr}, {"finish_reason", nullptr}}}));
    }) : std::function<json(int)>();
    stream_response(
        res, state, streams, p,
        [base, &state, echo_text, n, offsets = std::make_shared<std::map<int, int>>()](const RequestOutput& o,
                                                                                       int index) {
          // text_offset continues across a choice's chunks, after its echoed prompt.
          auto [at, fresh] = offsets->try_emplace(index, count_chars(echo_text[static_cast<size_t>(index / n)]));
          json c = {{"index", index}, {"text", o.text},
                    {"logprobs", o.logprobs.empty() ? json(nullptr)
                                                    : logprobs_completion(o.logprobs, state.tokenizer(), &at->second)},
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
  const std::vector<Choice> choices = collect(streams, p.n, state, req);
  const bool logprobs = p.requests.front().params.logprobs.has_value();
  const json out = full_response(id, "text_completion", created, state, p, choices, [&](const Choice& c, size_t i) {
    const std::string& echoed = echo_text[i / static_cast<size_t>(p.n)];
    int offset = count_chars(echoed);
    return json{{"text", echoed + c.text},
                {"logprobs", logprobs ? logprobs_completion(c.logprobs, state.tokenizer(), &offset) : json(nullptr)}};
  });
  res.set_content(out.dump(), "application/json");
}

void handle_chat_completions(const httplib::Request& req, httplib::Response& res, ServerState& state) {
  const json body = parse_request_body(req.body);
  check_model(body, state);
  if (!state.chat_template) {
    throw bad_request("As of transformers v4.44, default chat template is no longer allowed, so you must provide a "
                      "chat template if the tokenizer does not define one.");
  }
  const chat::ChatRequest chat_req = parse_chat_request(body);
  std::string prompt_text;
  try {
    prompt_text = state.chat_template->apply(chat_req);
  } catch (const std::exception& e) {
    throw bad_request(e.what(), "messages");
  }
  Prepared p = prepare(body, ApiRoute::kChat, state,
                       {state.tokenizer().encode(prompt_text, bool_field(body, "add_special_tokens", false))});
  const std::string id = random_id("chatcmpl-");
  const int64_t created = std::time(nullptr);
  auto streams = submit(state, p, id);

  auto base = [id, created, &state](json choices) {
    return json{{"id", id}, {"object", "chat.completion.chunk"}, {"created", created},
                {"model", state.served_model_name}, {"choices", std::move(choices)}};
  };
  if (p.stream) {
    stream_response(
        res, state, streams, p,
        [base, &state](const RequestOutput& o, int index) {
          json delta = json::object();
          if (!o.text.empty()) delta["content"] = o.text;
          json c = {{"index", index}, {"delta", delta},
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
  const std::vector<Choice> choices = collect(streams, p.n, state, req);
  const bool logprobs = p.requests.front().params.logprobs.has_value();
  const json out = full_response(id, "chat.completion", created, state, p, choices, [&](const Choice& c, size_t) {
    return json{{"message", {{"role", "assistant"}, {"content", c.text}, {"tool_calls", json::array()}}},
                {"logprobs", logprobs ? chat_logprobs(c.logprobs, state.tokenizer()) : json(nullptr)}};
  });
  res.set_content(out.dump(), "application/json");
}

void handle_models(const httplib::Request&, httplib::Response& res, ServerState& state) {
  json card = {{"id", state.served_model_name}, {"object", "model"}, {"created", state.created_unix_s},
               {"owned_by", "vllmctl"}, {"root", state.model_root}, {"parent", nullptr},
               {"max_model_len", state.max_model_len()}, {"permission", json::array()}};
  res.set_content(json{{"object", "list"}, {"data", json::array({card})}}.dump(), "application/json");
}

void handle_tokenize(const httplib::Request& req, httplib::Response& res, ServerState& state) {
  const json body = parse_request_body(req.body);
  check_model(body, state);
  std::vector<TokenId> ids;
  if (auto it = body.find("prompt"); it != body.end() && it->is_string()) {
    try {
      ids = state.tokenizer().encode(it->get<std::string>(), bool_field(body, "add_special_tokens", true));
    } catch (const std::invalid_argument& e) {
      throw bad_request(e.what(), "prompt");
    }
  } else if (auto m = body.find("messages"); m != body.end() && m->is_array() && state.chat_template) {
    const chat::ChatRequest cr = parse_chat_request(body);
    try {
      ids = state.tokenizer().encode(state.chat_template->apply(cr), bool_field(body, "add_special_tokens", false));
    } catch (const std::exception& e) {
      throw bad_request(e.what(), "messages");
    }
  } else {
    throw bad_request("either prompt (a string) or messages is required", "prompt");
  }
  json out = {{"count", ids.size()}, {"max_model_len", state.max_model_len()}, {"tokens", ids}};
  if (bool_field(body, "return_token_strs", false)) {
    // The vocabulary's own strings (byte-level form, e.g. "Ġworld"), as HF's
    // convert_ids_to_tokens gives them.
    json strs = json::array();
    for (TokenId id : ids) {
      const auto t = state.tokenizer().id_to_token(id);
      strs.push_back(t ? json(std::string(*t)) : json(nullptr));
    }
    out["token_strs"] = strs;
  }
  res.set_content(out.dump(), "application/json");
}

void handle_detokenize(const httplib::Request& req, httplib::Response& res, ServerState& state) {
  const json body = parse_request_body(req.body);
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
