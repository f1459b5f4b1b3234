// `vllmctl bench serve`: the online benchmark client, like `vllm bench serve`. Sends
// --num-prompts streamed /v1/completions requests with random prompts to any
// OpenAI-compatible server, at --request-rate (Poisson arrivals; inf: all at once) with at
// most --concurrency in flight, and reports TTFT, TPOT, ITL and E2E latency percentiles
// and throughput.
#include "cli/bench/latency_summary.h"
#include "cli/bench/length_range.h"
#include "cli/bench/stream_timing.h"
#include "cli/commands.h"
#include "cli/common/builtin_model.h"
#include "engine/text/tokenizer.h"

#include <fmt/format.h>
#include <nlohmann/json.hpp>

#include <atomic>
#include <chrono>
#include <cmath>
#include <limits>
#include <random>
#include <thread>

namespace vllmctl {

namespace {

struct ServeBenchArgs {
  std::string base_url = "http://127.0.0.1:8000";
  std::string model;      // the API's model name; default: the first of /v1/models
  std::string tokenizer;  // a local tokenizer (dir or ORG/NAME) for exact prompt lengths
  std::string api_key;
  int num_prompts = 100;
  int concurrency = 0;    // 0: no limit
  double request_rate = std::numeric_limits<double>::infinity();
  std::string input_len = "128";
  std::string output_len = "128";
  uint64_t seed = 0;
  bool json = false;
};

// Without a tokenizer, prompts are random common English words: about one token each in
// the BPE vocabularies of Qwen, Llama and GPT models. The token counts reported always
// come from the server's usage.
std::string word_prompt(int words, std::mt19937_64& rng) {
  static const char* const kWords[] = {
      "the",   "of",     "and",   "to",    "in",    "is",    "you",   "that",  "it",    "he",   "was",   "for",
      "on",    "are",    "as",    "with",  "his",   "they",  "at",    "be",    "this",  "have", "from",  "or",
      "one",   "had",    "by",    "word",  "but",   "not",   "what",  "all",   "were",  "we",   "when",  "your",
      "can",   "said",   "there", "use",   "an",    "each",  "which", "she",   "do",    "how",  "their", "if",
      "will",  "up",     "other", "about", "out",   "many",  "then",  "them",  "these", "so",   "some",  "her",
      "would", "make",   "like",  "him",   "into",  "time",  "has",   "look",  "two",   "more", "write", "go",
      "see",   "number", "no",    "way",   "could", "people", "my",   "than",  "first", "water", "been", "call",
      "who",   "oil",    "its",   "now",   "find",  "long",  "down",  "day",   "did",   "get",  "come",  "made"};
  constexpr size_t kCount = sizeof(kWords) / sizeof(kWords[0]);
  std::string out;
  for (int i = 0; i < words; ++i) {
    out += (i ? " " : "");
    out += kWords[rng() % kCount];
  }
  return out;
}

// vLLM's random dataset: random ordinary token ids, decoded, re-encoded and cut to
// exactly `tokens` tokens.
std::string token_prompt(const Tokenizer& tok, int tokens, std::mt19937_64& rng) {
  std::vector<int32_t> ids;
  while (static_cast<int>(ids.size()) < tokens) {
    const auto id = static_cast<int32_t>(rng() % static_cast<uint64_t>(tok.size()));
    if (tok.added_token(id) || !tok.id_to_token(id)) continue;
    ids.push_back(id);
  }
  auto again = tok.encode(tok.decode(ids), false);
  if (static_cast<int>(again.size()) > tokens) again.resize(static_cast<size_t>(tokens));
  return tok.decode(again);
}

std::string first_model(HttpSession& session, const std::string& base_url, const std::string& api_key) {
  HttpRequest req;
  req.url = base_url + "/v1/models";
  if (!api_key.empty()) req.headers.push_back("Authorization: Bearer " + api_key);
  HttpResponse res;
  try {
    res = session.perform(req);
  } catch (const std::exception& e) {
    throw std::runtime_error(fmt::format("cannot reach {}: {} (is the server up? check --base-url)", base_url, e.what()));
  }
  if (res.status != 200) {
    throw std::runtime_error(fmt::format("GET {}/v1/models answered {} (pass --api-key or --model?)", base_url, res.status));
  }
  const auto j = nlohmann::json::parse(res.body, nullptr, false);
  if (j.is_discarded() || !j.contains("data") || !j["data"].is_array() || j["data"].empty() ||
      !j["data"][0].contains("id")) {
    throw std::runtime_error(fmt::format("{}/v1/models lists no model; pass --model", base_url));
  }
  return j["data"][0]["id"].get<std::string>();
}

int run_serve_bench(ServeBenchArgs a) {
  if (a.num_prompts < 1) throw std::runtime_error("--num-prompts must be at least 1");
  if (a.concurrency < 0) throw std::runtime_error("--concurrency must be 0 (no limit) or more");
  if (!(a.request_rate > 0)) throw std::runtime_error("--request-rate must be positive (or inf)");
  const LengthRange in = parse_length_range(a.input_len, "--input-len");
  const LengthRange out = parse_length_range(a.output_len, "--output-len");
  while (!a.base_url.empty() && a.base_url.back() == '/') a.base_url.pop_back();
  if (a.base_url.size() >= 3 && a.base_url.ends_with("/v1")) a.base_url.resize(a.base_url.size() - 3);

  HttpSession probe("vllmctl-bench");
  if (a.model.empty()) a.model = first_model(probe, a.base_url, a.api_key);
  std::optional<Tokenizer> tok;
  if (!a.tokenizer.empty()) tok = Tokenizer::from_file(resolve_model_argument(a.tokenizer) / "tokenizer.json");

  // The workload, fixed by the seed: prompts, output lengths, arrival times.
  std::mt19937_64 rng(a.seed);
  std::vector<nlohmann::json> bodies;
  std::vector<double> arrival_s;
  std::exponential_distribution<double> gap(std::isinf(a.request_rate) ? 1.0 : a.request_rate);
  double t = 0;
  for (int i = 0; i < a.num_prompts; ++i) {
    const int il = std::uniform_int_distribution<int>(in.min, in.max)(rng);
    const int ol = std::uniform_int_distribution<int>(out.min, out.max)(rng);
    const std::string prompt = tok ? token_prompt(*tok, il, rng) : word_prompt(il, rng);
    bodies.push_back({{"model", a.model}, {"prompt", prompt}, {"max_tokens", ol}, {"ignore_eos", true},
                      {"temperature", 0.0}});
    arrival_s.push_back(t);
    if (!std::isinf(a.request_rate)) t += gap(rng);
  }

  const int workers = a.concurrency > 0 ? std::min(a.concurrency, a.num_prompts) : a.num_prompts;
  if (!a.json) {
    fmt::print("{} requests to {} (model {}), request rate {}, concurrency {}\n", a.num_prompts, a.base_url, a.model,
               std::isinf(a.request_rate) ? "inf" : fmt::format("{}/s", a.request_rate),
               a.concurrency > 0 ? std::to_string(a.concurrency) : "unlimited");
  }
  std::vector<RequestTiming> results(static_cast<size_t>(a.num_prompts));
  std::atomic<int> next{0};
  const auto start = std::chrono::steady_clock::now();
  std::vector<std::thread> pool;
  for (int w = 0; w < workers; ++w) {
    pool.emplace_back([&] {
      HttpSession session("vllmctl-bench");
      for (int i; (i = next.fetch_add(1)) < a.num_prompts;) {
        std::this_thread::sleep_until(start + std::chrono::duration<double>(arrival_s[static_cast<size_t>(i)]));
        results[static_cast<size_t>(i)] = timed_completion(session, a.base_url, a.api_key, bodies[static_cast<size_t>(i)]);
      }
    });
  }
  for (auto& th : pool) th.join();
  const double duration = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();

  const BenchSummary s = summarize(results, duration);
  if (a.json) {
    nlohmann::json j = summary_json(s);
    j["base_url"] = a.base_url;
    j["model"] = a.model;
    j["num_prompts"] = a.num_prompts;
    j["concurrency"] = a.concurrency;
    j["request_rate"] = std::isinf(a.request_rate) ? nlohmann::json("inf") : nlohmann::json(a.request_rate);
    fmt::print("{}\n", j.dump(2));
  } else {
    fmt::print("{}", format_summary(s));
  }
  return s.failed == 0 ? 0 : 1;
}

}  // namespace

void add_bench_serve_command(CLI::App& bench, CliContext& ctx) {
  auto a = std::make_shared<ServeBenchArgs>();
  auto* cmd = bench.add_subcommand("serve", "Online benchmark of a running OpenAI-compatible server (TTFT, TPOT, ITL, E2E)");
  cmd->add_option("--base-url", a->base_url, "Server to benchmark")->capture_default_str();
  cmd->add_option("--model", a->model, "Model name in requests (default: the first of GET /v1/models)");
  cmd->add_option("--tokenizer", a->tokenizer,
                  "Tokenizer (dir or ORG/NAME) for exact prompt lengths (default: ~1-token words)");
  cmd->add_option("--api-key", a->api_key, "Bearer key for the server")->envname("OPENAI_API_KEY");
  cmd->add_option("--num-prompts", a->num_prompts, "Requests to send")->capture_default_str();
  cmd->add_option("--concurrency,--max-concurrency", a->concurrency, "Requests in flight at most (0: no limit)")
      ->capture_default_str();
  cmd->add_option("--request-rate", a->request_rate, "Poisson arrivals per second (inf: all at once)")
      ->capture_default_str();
  cmd->add_option("--input-len", a->input_len, "Prompt length, N or MIN:MAX")->capture_default_str();
  cmd->add_option("--output-len", a->output_len, "Output tokens, N or MIN:MAX (ignore_eos)")->capture_default_str();
  cmd->add_option("--seed", a->seed, "Seed of the workload")->capture_default_str();
  cmd->add_flag("--json", a->json, "Print the result as JSON (vLLM's keys)");
  ctx.on_run(cmd, [a] { return run_serve_bench(*a); });
}

}  // namespace vllmctl
