// /metrics: vLLM v0.14's default vllm:* families with exactly its names, types, labels and
// buckets, printed as prometheus_client prints them, and accepted by promtool.
#include "cli/serve/cache_config_labels.h"
#include "cli/serve/prom_text.h"
#include "cli/serve/vllm_metrics.h"
#include "tests/unit/test_support.h"

#include <doctest/doctest.h>

#include <cmath>
#include <cstdlib>
#include <limits>
#include <map>
#include <set>

using namespace vllmctl;
using prometheus::MetricType;

TEST_CASE("numbers print as prometheus_client's floatToGoString") {
  CHECK(float_to_go_string(0.0) == "0.0");
  CHECK(float_to_go_string(1.0) == "1.0");
  CHECK(float_to_go_string(80.0) == "80.0");
  CHECK(float_to_go_string(2.5) == "2.5");
  CHECK(float_to_go_string(0.001) == "0.001");
  CHECK(float_to_go_string(1e-05) == "1e-05");
  CHECK(float_to_go_string(0.0001) == "0.0001");
  CHECK(float_to_go_string(0.6530455880475035) == "0.6530455880475035");
  CHECK(float_to_go_string(123456.0) == "123456.0");
  CHECK(float_to_go_string(1234567.0) == "1.234567e+06");
  CHECK(float_to_go_string(1000000.0) == "1e+06");
  CHECK(float_to_go_string(2097152.0) == "2.097152e+06");
  CHECK(float_to_go_string(12345678901.0) == "1.2345678901e+010");
  CHECK(float_to_go_string(1768000000.123456) == "1.768000000123456e+09");
  CHECK(float_to_go_string(1e16) == "1e+16");
  CHECK(float_to_go_string(-3.5) == "-3.5");
  CHECK(float_to_go_string(std::numeric_limits<double>::infinity()) == "+Inf");
  CHECK(float_to_go_string(std::nan("")) == "NaN");
}

namespace {

// vllm-metrics.md section 5.1, the default set at v0.14: name -> type.
const std::vector<std::pair<std::string, MetricType>> kReferenceFamilies = {
    {"vllm:num_requests_running", MetricType::Gauge},
    {"vllm:num_requests_waiting", MetricType::Gauge},
    {"vllm:engine_sleep_state", MetricType::Gauge},
    {"vllm:kv_cache_usage_perc", MetricType::Gauge},
    {"vllm:prefix_cache_queries_total", MetricType::Counter},
    {"vllm:prefix_cache_hits_total", MetricType::Counter},
    {"vllm:external_prefix_cache_queries_total", MetricType::Counter},
    {"vllm:external_prefix_cache_hits_total", MetricType::Counter},
    {"vllm:mm_cache_queries_total", MetricType::Counter},
    {"vllm:mm_cache_hits_total", MetricType::Counter},
    {"vllm:num_preemptions_total", MetricType::Counter},
    {"vllm:prompt_tokens_total", MetricType::Counter},
    {"vllm:generation_tokens_total", MetricType::Counter},
    {"vllm:request_success_total", MetricType::Counter},
    {"vllm:request_prompt_tokens", MetricType::Histogram},
    {"vllm:request_generation_tokens", MetricType::Histogram},
    {"vllm:iteration_tokens_total", MetricType::Histogram},
    {"vllm:request_max_num_generation_tokens", MetricType::Histogram},
    {"vllm:request_params_n", MetricType::Histogram},
    {"vllm:request_params_max_tokens", MetricType::Histogram},
    {"vllm:time_to_first_token_seconds", MetricType::Histogram},
    {"vllm:inter_token_latency_seconds", MetricType::Histogram},
    {"vllm:request_time_per_output_token_seconds", MetricType::Histogram},
    {"vllm:e2e_request_latency_seconds", MetricType::Histogram},
    {"vllm:request_queue_time_seconds", MetricType::Histogram},
    {"vllm:request_inference_time_seconds", MetricType::Histogram},
    {"vllm:request_prefill_time_seconds", MetricType::Histogram},
    {"vllm:request_decode_time_seconds", MetricType::Histogram},
    {"vllm:request_prefill_kv_computed_tokens", MetricType::Histogram},
    {"vllm:cache_config_info", MetricType::Gauge},
};

// Section 4, as `le` strings (without +Inf).
const std::map<std::string, std::string> kReferenceBuckets = {
    {"vllm:time_to_first_token_seconds",
     "0.001,0.005,0.01,0.02,0.04,0.06,0.08,0.1,0.25,0.5,0.75,1.0,2.5,5.0,7.5,10.0,20.0,40.0,80.0,160.0,640.0,2560.0"},
    {"vllm:inter_token_latency_seconds",
     "0.01,0.025,0.05,0.075,0.1,0.15,0.2,0.3,0.4,0.5,0.75,1.0,2.5,5.0,7.5,10.0,20.0,40.0,80.0"},
    {"vllm:e2e_request_latency_seconds",
     "0.3,0.5,0.8,1.0,1.5,2.0,2.5,5.0,10.0,15.0,20.0,30.0,40.0,50.0,60.0,120.0,240.0,480.0,960.0,1920.0,7680.0"},
    {"vllm:iteration_tokens_total", "1.0,8.0,16.0,32.0,64.0,128.0,256.0,512.0,1024.0,2048.0,4096.0,8192.0,16384.0"},
    {"vllm:request_params_n", "1.0,2.0,5.0,10.0,20.0"},
    // 1-2-5 up to max_model_len 4096.
    {"vllm:request_prompt_tokens", "1.0,2.0,5.0,10.0,20.0,50.0,100.0,200.0,500.0,1000.0,2000.0"},
};

std::string bucket_list(const prometheus::MetricFamily& f) {
  std::string out;
  for (const auto& b : f.metric.front().histogram.bucket) {
    if (std::isinf(b.upper_bound)) continue;
    out += (out.empty() ? "" : ",") + float_to_go_string(b.upper_bound);
  }
  return out;
}

VllmMetricsInfo test_info() {
  CacheConfigFacts cache;
  cache.num_blocks = 100;
  return {"demo", "0", cache_config_labels(cache)};
}

}  // namespace

TEST_CASE("the default vllm: families, in order, with vLLM's types, labels and buckets") {
  EngineStats stats(4096);
  auto families = vllm_metric_families(stats, test_info());
  REQUIRE(families.size() == kReferenceFamilies.size());
  for (size_t i = 0; i < families.size(); ++i) {
    INFO(families[i].name);
    CHECK(families[i].name == kReferenceFamilies[i].first);
    CHECK(families[i].type == kReferenceFamilies[i].second);
    REQUIRE_FALSE(families[i].metric.empty());  // present from start-up
    std::set<std::string> labels;
    for (const auto& l : families[i].metric.front().label) labels.insert(l.name);
    if (families[i].name == "vllm:cache_config_info") {
      // vllm-metrics.md: the label set of vllm:cache_config_info at v0.14.
      CHECK(labels == std::set<std::string>{
                          "block_size", "cache_dtype", "calculate_kv_scales", "cpu_kvcache_space_bytes",
                          "cpu_offload_gb", "enable_prefix_caching", "engine", "gpu_memory_utilization",
                          "is_attention_free", "kv_cache_memory_bytes", "kv_offloading_backend",
                          "kv_offloading_size", "kv_sharing_fast_prefill", "mamba_block_size", "mamba_cache_dtype",
                          "mamba_page_size_padded", "mamba_ssm_cache_dtype", "num_cpu_blocks", "num_gpu_blocks",
                          "num_gpu_blocks_override", "prefix_caching_hash_algo", "sliding_window", "swap_space"});
    } else if (families[i].name == "vllm:request_success_total") {
      CHECK(labels == std::set<std::string>{"engine", "finished_reason", "model_name"});
      std::set<std::string> reasons;
      for (const auto& m : families[i].metric) reasons.insert(m.label.back().value);
      CHECK(reasons == std::set<std::string>{"stop", "length", "abort", "error"});
    } else if (families[i].name == "vllm:engine_sleep_state") {
      CHECK(labels == std::set<std::string>{"engine", "model_name", "sleep_state"});
      CHECK(families[i].metric.size() == 3);
    } else {
      CHECK(labels == std::set<std::string>{"engine", "model_name"});
    }
    if (auto it = kReferenceBuckets.find(families[i].name); it != kReferenceBuckets.end()) {
      CHECK(bucket_list(families[i]) == it->second);
    }
  }
}

TEST_CASE("values come from the stats snapshot; the text is prometheus_client's shape") {
  EngineStats stats(4096);
  stats.num_requests_running = 3;
  stats.prompt_tokens_total = 80;
  stats.request_success_total[0] = 7;
  stats.time_to_first_token_seconds.observe(0.2);
  stats.time_to_first_token_seconds.observe(3.0);
  const std::string text = serialize_prometheus_text(vllm_metric_families(stats, test_info()),
                                                     std::vector<double>(40, 1768000000.5));
  auto has = [&](const std::string& line) {
    INFO(line);
    CHECK(text.find(line + "\n") != std::string::npos);
  };
  has("# TYPE vllm:num_requests_running gauge");
  has("vllm:num_requests_running{engine=\"0\",model_name=\"demo\"} 3.0");
  has("# TYPE vllm:prompt_tokens_total counter");
  has("vllm:prompt_tokens_total{engine=\"0\",model_name=\"demo\"} 80.0");
  has("# TYPE vllm:prompt_tokens_created gauge");
  has("vllm:prompt_tokens_created{engine=\"0\",model_name=\"demo\"} 1.7680000005e+09");
  has("vllm:request_success_total{engine=\"0\",finished_reason=\"stop\",model_name=\"demo\"} 7.0");
  has("vllm:request_success_total{engine=\"0\",finished_reason=\"abort\",model_name=\"demo\"} 0.0");
  has("vllm:time_to_first_token_seconds_bucket{engine=\"0\",le=\"0.1\",model_name=\"demo\"} 0.0");
  has("vllm:time_to_first_token_seconds_bucket{engine=\"0\",le=\"0.25\",model_name=\"demo\"} 1.0");
  has("vllm:time_to_first_token_seconds_bucket{engine=\"0\",le=\"1.0\",model_name=\"demo\"} 1.0");
  has("vllm:time_to_first_token_seconds_bucket{engine=\"0\",le=\"+Inf\",model_name=\"demo\"} 2.0");
  has("vllm:time_to_first_token_seconds_count{engine=\"0\",model_name=\"demo\"} 2.0");
  has("vllm:time_to_first_token_seconds_sum{engine=\"0\",model_name=\"demo\"} 3.2");
  has("vllm:time_to_first_token_seconds_created{engine=\"0\",model_name=\"demo\"} 1.7680000005e+09");
  has("vllm:iteration_tokens_total_created{engine=\"0\",model_name=\"demo\"} 1.7680000005e+09");
  has("# HELP vllm:cache_config_info Information of the LLMEngine CacheConfig");
  has("vllm:cache_config_info{block_size=\"16\",cache_dtype=\"auto\",calculate_kv_scales=\"False\","
      "cpu_kvcache_space_bytes=\"None\",cpu_offload_gb=\"0\",enable_prefix_caching=\"True\",engine=\"0\","
      "gpu_memory_utilization=\"0.9\",is_attention_free=\"False\",kv_cache_memory_bytes=\"None\","
      "kv_offloading_backend=\"None\",kv_offloading_size=\"None\",kv_sharing_fast_prefill=\"False\","
      "mamba_block_size=\"None\",mamba_cache_dtype=\"auto\",mamba_page_size_padded=\"None\","
      "mamba_ssm_cache_dtype=\"auto\",num_cpu_blocks=\"None\",num_gpu_blocks=\"100\","
      "num_gpu_blocks_override=\"None\",prefix_caching_hash_algo=\"builtin\",sliding_window=\"None\","
      "swap_space=\"0\"} 1.0");
  CHECK(text.find("le=\"1\"") == std::string::npos);

  // promtool (Debian's prometheus package) must find nothing but what vLLM's own names
  // trigger: the colon in every name, and the histogram vLLM named iteration_tokens_total.
  if (std::system("command -v promtool >/dev/null 2>&1") != 0) {
    std::fprintf(stderr, "SKIPPED: promtool not installed (packaging/setup.sh --test installs prometheus)\n");
    return;
  }
  vllmctl::test::TempDir dir;
  vllmctl::test::write_file(dir / "metrics.txt", text);
  const std::string cmd = "promtool check metrics < " + (dir / "metrics.txt").string() + " > " +
                          (dir / "lint.txt").string() + " 2>&1";
  const int rc = std::system(cmd.c_str());
  const std::string lint = vllmctl::test::read_file(dir / "lint.txt");
  size_t pos = 0;
  int other = 0;
  for (size_t nl; (nl = lint.find('\n', pos)) != std::string::npos; pos = nl + 1) {
    const std::string line = lint.substr(pos, nl - pos);
    const bool vllms_own = line.find("should not contain ':'") != std::string::npos ||
                           line == "vllm:iteration_tokens_total non-counter metrics should not have \"_total\" suffix";
    if (!line.empty() && !vllms_own) {
      ++other;
      INFO(line);
      CHECK(false);
    }
  }
  CHECK(other == 0);
  CHECK(rc != 0);  // the colon lint itself: promtool exits non-zero on lint findings
}

TEST_CASE("--legacy-metrics adds the pre-V1 names, from the same data, after the default set") {
  EngineStats stats(4096);
  stats.kv_cache_usage_perc = 0.25;
  stats.inter_token_latency_seconds.observe(0.03);
  stats.avg_generation_throughput_toks_per_s = 42.5;
  VllmMetricsInfo info = test_info();
  CHECK(vllm_metric_families(stats, info).size() == kReferenceFamilies.size());  // off by default
  info.legacy = true;
  const auto families = vllm_metric_families(stats, info);
  std::map<std::string, const prometheus::MetricFamily*> by_name;
  for (const auto& f : families) by_name[f.name] = &f;
  stats.prefix_cache_queries_total = 64;
  stats.prefix_cache_hits_total = 16;
  const auto with_cache = vllm_metric_families(stats, info);
  REQUIRE(families.size() == kReferenceFamilies.size() + 8);
  for (const auto& f : with_cache) by_name[f.name] = &f;
  CHECK(by_name["vllm:gpu_prefix_cache_queries_total"]->metric.front().counter.value == 64);
  CHECK(by_name["vllm:gpu_prefix_cache_hits_total"]->metric.front().counter.value == 16);
  CHECK(by_name["vllm:num_requests_swapped"]->metric.front().gauge.value == 0);
  REQUIRE(by_name.count("vllm:gpu_cache_usage_perc"));
  CHECK(by_name["vllm:gpu_cache_usage_perc"]->metric.front().gauge.value == 0.25);
  CHECK(by_name["vllm:cpu_cache_usage_perc"]->metric.front().gauge.value == 0.0);
  CHECK(by_name["vllm:avg_generation_throughput_toks_per_s"]->metric.front().gauge.value == 42.5);
  REQUIRE(by_name.count("vllm:avg_prompt_throughput_toks_per_s"));
  const auto* tpot = by_name["vllm:time_per_output_token_seconds"];
  REQUIRE(tpot);
  CHECK(tpot->type == MetricType::Histogram);
  CHECK(bucket_list(*tpot) == kReferenceBuckets.at("vllm:inter_token_latency_seconds"));
  CHECK(tpot->metric.front().histogram.sample_count == 1);
}
