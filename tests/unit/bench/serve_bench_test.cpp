// `bench serve`: percentiles as numpy computes them, the summary's arithmetic, and SSE
// timing from a body that arrives in arbitrary pieces.
#include "cli/bench/latency_summary.h"
#include "cli/bench/stream_timing.h"

#include <doctest/doctest.h>

using namespace vllmctl;

TEST_CASE("percentiles interpolate linearly between ranks, as numpy.percentile") {
  CHECK(percentile({}, 50) == 0.0);
  CHECK(percentile({7}, 99) == 7.0);
  CHECK(percentile({1, 2, 3, 4}, 50) == doctest::Approx(2.5));
  CHECK(percentile({4, 1, 3, 2}, 90) == doctest::Approx(3.7));
  CHECK(percentile({10, 20, 30, 40, 50}, 99) == doctest::Approx(49.6));
  const LatencyStats s = latency_stats({0.1, 0.2, 0.3});
  CHECK(s.mean_ms == doctest::Approx(200));
  CHECK(s.median_ms == doctest::Approx(200));
  CHECK(s.std_ms == doctest::Approx(81.6497).epsilon(1e-4));
}

TEST_CASE("the summary counts tokens, throughput and TPOT over successful requests only") {
  RequestTiming a;
  a.ok = true;
  a.ttft_s = 0.1;
  a.e2e_s = 1.1;
  a.itl_s = {0.25, 0.25, 0.25, 0.25};
  a.prompt_tokens = 10;
  a.output_tokens = 5;
  RequestTiming b = a;
  b.ttft_s = 0.3;
  b.e2e_s = 0.3;
  b.output_tokens = 1;  // one token: no TPOT sample
  b.itl_s.clear();
  RequestTiming failed;
  failed.error = "HTTP 500: boom";
  const BenchSummary s = summarize({a, b, failed, failed}, 2.0);
  CHECK(s.completed == 2);
  CHECK(s.failed == 2);
  CHECK(s.errors == std::vector<std::string>{"HTTP 500: boom"});
  CHECK(s.total_input_tokens == 20);
  CHECK(s.total_output_tokens == 6);
  CHECK(s.request_throughput == doctest::Approx(1.0));
  CHECK(s.output_throughput == doctest::Approx(3.0));
  CHECK(s.total_token_throughput == doctest::Approx(13.0));
  CHECK(s.tpot.mean_ms == doctest::Approx(250));  // (1.1 - 0.1) / 4
  CHECK(s.ttft.mean_ms == doctest::Approx(200));
  CHECK(s.itl.p99_ms == doctest::Approx(250));
  const auto j = summary_json(s);
  CHECK(j["completed"] == 2);
  CHECK(j.contains("p99_ttft_ms"));
  CHECK(j.contains("median_e2el_ms"));
  CHECK(format_summary(s).find("Successful requests:                     2") != std::string::npos);
}

TEST_CASE("stream timing: first text chunk is TTFT, later ones are ITL gaps, usage gives the counts") {
  StreamTimer t(100.0);
  const std::string body =
      "data: {\"choices\":[{\"index\":0,\"text\":\"\"}]}\n\n"  // empty text: not a token
      "data: {\"choices\":[{\"index\":0,\"text\":\"He\"}]}\n\n"
      "data: {\"choices\":[{\"index\":0,\"text\":\"llo\"}]}\r\n\r\n"
      ": a comment line\n\n"
      "data: {\"choices\":[],\"usage\":{\"prompt_tokens\":7,\"completion_tokens\":2}}\n\n"
      "data: [DONE]\n\n";
  // Deliver in pieces that split events: times advance with each piece.
  const size_t cut1 = body.find("He") + 1, cut2 = body.find("llo") + 10;
  CHECK(t.feed(body.data(), cut1, 100.5));
  CHECK(t.feed(body.data() + cut1, cut2 - cut1, 100.75));
  CHECK(t.feed(body.data() + cut2, body.size() - cut2, 101.0));
  const RequestTiming r = t.finish(101.25);
  CHECK(r.ok);
  CHECK(r.ttft_s == doctest::Approx(0.75));
  REQUIRE(r.itl_s.size() == 1);
  CHECK(r.itl_s[0] == doctest::Approx(0.25));
  CHECK(r.e2e_s == doctest::Approx(1.25));
  CHECK(r.prompt_tokens == 7);
  CHECK(r.output_tokens == 2);
}

TEST_CASE("stream timing: errors, missing [DONE] and servers without usage") {
  {
    StreamTimer t(0);
    const std::string body = "data: {\"error\":{\"message\":\"bad\",\"code\":500}}\n\n";
    CHECK_FALSE(t.feed(body.data(), body.size(), 1));
    const auto r = t.finish(1);
    CHECK_FALSE(r.ok);
    CHECK(r.error.find("bad") != std::string::npos);
  }
  {
    StreamTimer t(0);
    const std::string body = "data: {\"choices\":[{\"text\":\"a\"}]}\n\n";
    CHECK(t.feed(body.data(), body.size(), 1));
    const auto r = t.finish(2);
    CHECK_FALSE(r.ok);
    CHECK(r.error.find("[DONE]") != std::string::npos);
  }
  {
    StreamTimer t(0);
    const std::string body = "data: {\"choices\":[{\"text\":\"a\"}]}\n\ndata: {\"choices\":[{\"text\":\"b\"}]}\n\ndata: [DONE]\n\n";
    CHECK(t.feed(body.data(), body.size(), 1));
    const auto r = t.finish(2);
    CHECK(r.ok);
    CHECK(r.output_tokens == 2);  // counted chunks
  }
  {
    StreamTimer t(0);
    const std::string body = "data: {not json\n\n";
    CHECK_FALSE(t.feed(body.data(), body.size(), 1));
    CHECK(t.finish(1).error.find("malformed") != std::string::npos);
  }
}
