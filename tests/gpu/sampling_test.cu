// GPU tests of sampling and logprobs against their CPU twins (which the unit tests tie to
// vllmctl::sample_token): random rows with every filter, penalties, bias and masks, greedy
// rows exact; a sampled token may differ from the twin's only when the twin itself picks
// the GPU's token for a uniform within 1e-6 (expf and summation order differ in the last
// bits), and such boundary cases must stay rare. Then timings at Qwen2.5's vocabulary.
#include <algorithm>
#include <string>

#include "kernels/sampling.h"
#include "tests/gpu/gpu_check.h"

namespace k = vllmctl::kernels;
using gpu_check::DeviceBuffer;
using gpu_check::Rng;

namespace {

template <class T>
T pick(Rng& rng, std::initializer_list<T> options) {
  return options.begin()[rng.uniform_int(0, static_cast<int>(options.size()) - 1)];
}

// A batch on the host (vectors) and on the device (buffers), SamplingRows for each.
struct Batch {
  int num_rows = 0, vocab = 0;
  std::vector<float> logits, temperature, top_p, min_p, rep, freq, pres, bias_values;
  std::vector<int32_t> top_k, bias_offsets{0}, bias_tokens, mask_offsets{0}, mask_tokens,
      penalty_offsets{0}, penalty_tokens, penalty_counts;
  std::vector<double> uniform;

  k::SamplingRows host_rows() const {
    return {temperature.data(), top_k.data(), top_p.data(), min_p.data(), rep.data(), freq.data(),
            pres.data(), uniform.data(), bias_offsets.data(), bias_tokens.data(), bias_values.data(),
            mask_offsets.data(), mask_tokens.data(), penalty_offsets.data(), penalty_tokens.data(),
            penalty_counts.data()};
  }
};

// Device copies of every array of a Batch (kept alive with it).
struct DeviceBatch {
  DeviceBuffer<float> logits, temperature, top_p, min_p, rep, freq, pres, bias_values;
  DeviceBuffer<int32_t> top_k, bias_offsets, bias_tokens, mask_offsets, mask_tokens, penalty_offsets,
      penalty_tokens, penalty_counts;
  DeviceBuffer<double> uniform;
  template <class T>
  static DeviceBuffer<T> up(const std::vector<T>& v) {  // never a zero-size allocation
    return v.empty() ? DeviceBuffer<T>(std::vector<T>{T{}}) : DeviceBuffer<T>(v);
  }
  explicit DeviceBatch(const Batch& b)
      : logits(up(b.logits)), temperature(up(b.temperature)), top_p(up(b.top_p)), min_p(up(b.min_p)),
        rep(up(b.rep)), freq(up(b.freq)), pres(up(b.pres)), bias_values(up(b.bias_values)),
        top_k(up(b.top_k)), bias_offsets(up(b.bias_offsets)), bias_tokens(up(b.bias_tokens)),
        mask_offsets(up(b.mask_offsets)), mask_tokens(up(b.mask_tokens)),
        penalty_offsets(up(b.penalty_offsets)), penalty_tokens(up(b.penalty_tokens)),
        penalty_counts(up(b.penalty_counts)), uniform(up(b.uniform)) {}
  k::SamplingRows rows() const {
    return {temperature.get(), top_k.get(), top_p.get(), min_p.get(), rep.get(), freq.get(),
            pres.get(), uniform.get(), bias_offsets.get(), bias_tokens.get(), bias_values.get(),
            mask_offsets.get(), mask_tokens.get(), penalty_offsets.get(), penalty_tokens.get(),
            penalty_counts.get()};
  }
};

Batch random_batch(int num_rows, int vocab, Rng& rng) {
  Batch b;
  b.num_rows = num_rows;
  b.vocab = vocab;
  auto token = [&] { return rng.uniform_int(-2, vocab + 1); };  // a few out of range
  for (int r = 0; r < num_rows; ++r) {
    b.temperature.push_back(pick(rng, {0.0f, 0.3f, 0.7f, 1.0f, 1.0f, 1.5f}));
    b.top_k.push_back(pick(rng, {0, 0, -1, 1, 20, 50, vocab, vocab + 3}));
    b.top_p.push_back(pick(rng, {1.0f, 1.0f, 0.95f, 0.8f, 0.3f}));
    b.min_p.push_back(pick(rng, {0.0f, 0.0f, 0.05f, 0.2f}));
    b.rep.push_back(pick(rng, {1.0f, 1.2f, 0.9f}));
    b.freq.push_back(pick(rng, {0.0f, 0.5f, -0.3f}));
    b.pres.push_back(pick(rng, {0.0f, 0.6f, -1.0f}));
    b.uniform.push_back(rng.uniform01());
    for (int i = pick(rng, {0, 0, 3, 20}); i > 0; --i) {
      b.bias_tokens.push_back(i % 5 == 1 && !b.bias_tokens.empty() ? b.bias_tokens.back() : token());
      b.bias_values.push_back(rng.uniform(-20, 20));
    }
    b.bias_offsets.push_back(static_cast<int32_t>(b.bias_tokens.size()));
    for (int i = pick(rng, {0, 0, 3}); i > 0 && vocab > 4; --i) b.mask_tokens.push_back(token());
    b.mask_offsets.push_back(static_cast<int32_t>(b.mask_tokens.size()));
    std::vector<int32_t> prompt, output;
    for (int i = pick(rng, {0, 10, 200}); i > 0; --i) prompt.push_back(token());
    for (int i = pick(rng, {0, 5, 100}); i > 0; --i) output.push_back(token());
    k::append_penalty_entries(prompt.data(), static_cast<int64_t>(prompt.size()), output.data(),
                              static_cast<int64_t>(output.size()), b.penalty_tokens, b.penalty_counts);
    b.penalty_offsets.push_back(static_cast<int32_t>(b.penalty_tokens.size()));
    const float scale = pick(rng, {0.5f, 2.0f, 8.0f});
    const bool bf16 = pick(rng, {false, true});  // bf16-rounded logits: many exact ties
    for (int i = 0; i < vocab; ++i) {
      const float x = rng.normal() * scale;
      b.logits.push_back(bf16 ? gpu_check::round_to({x}, gpu_check::DType::kBF16)[0] : x);
    }
  }
  return b;
}

// The twin's token for row r of `b` with uniform u.
int32_t twin_token(const Batch& b, int r, double u) {
  Batch one = b;
  one.uniform[static_cast<size_t>(r)] = u;
  std::vector<int32_t> tokens(static_cast<size_t>(b.num_rows));
  std::vector<float> scratch(b.logits.size());
  k::cpu::sample(tokens.data(), one.logits.data(), scratch.data(), one.host_rows(), b.num_rows, b.vocab);
  return tokens[static_cast<size_t>(r)];
}

void test_sample(Rng& rng) {
  int rows_total = 0, boundary = 0, failures = 0;
  for (int vocab : {1, 7, 1000, 32000, 151936}) {
    const int batches = gpu_check::quick() ? 1 : vocab >= 100000 ? 4 : 20;
    for (int bi = 0; bi < batches; ++bi) {
      const int num_rows = vocab >= 100000 ? 8 : rng.uniform_int(1, 16);
      const Batch b = random_batch(num_rows, vocab, rng);
      std::vector<int32_t> want(static_cast<size_t>(num_rows));
      std::vector<float> scratch(b.logits.size());
      k::cpu::sample(want.data(), b.logits.data(), scratch.data(), b.host_rows(), num_rows, vocab);

      DeviceBatch d(b);
      DeviceBuffer<float> d_scratch(b.logits.size());
      DeviceBuffer<int32_t> d_tokens(static_cast<size_t>(num_rows));
      k::cuda::sample(d_tokens.get(), d.logits.get(), d_scratch.get(), d.rows(), num_rows, vocab, nullptr);
      const auto got = d_tokens.download();
      // In place (scratch == logits): the same tokens.
      k::cuda::sample(d_tokens.get(), d.logits.get(), d.logits.get(), d.rows(), num_rows, vocab, nullptr);
      CHECK(d_tokens.download() == got);
      for (int r = 0; r < num_rows; ++r) {
        ++rows_total;
        const auto g = got[static_cast<size_t>(r)], w = want[static_cast<size_t>(r)];
        if (g == w) continue;
        const double u = b.uniform[static_cast<size_t>(r)];
        const bool greedy = b.temperature[static_cast<size_t>(r)] < 1e-5f;
        if (!greedy && (twin_token(b, r, std::max(0.0, u - 1e-6)) == g || twin_token(b, r, std::min(1.0 - 1e-12, u + 1e-6)) == g)) {
          ++boundary;
          continue;
        }
        ++failures;
        std::printf("FAIL sample vocab=%d row=%d: gpu %d, twin %d (T=%g k=%d p=%g min_p=%g u=%.17g)\n",
                    vocab, r, g, w, b.temperature[static_cast<size_t>(r)], b.top_k[static_cast<size_t>(r)],
                    b.top_p[static_cast<size_t>(r)], b.min_p[static_cast<size_t>(r)], u);
      }
    }
  }
  std::printf("%-4s sample: %d rows, %d boundary cases, %d mismatches\n", failures ? "FAIL" : "ok",
              rows_total, boundary, failures);
  CHECK(failures == 0);
  CHECK_MSG(boundary * 100 <= rows_total, "%d boundary cases in %d rows", boundary, rows_total);
}

void test_logprobs(Rng& rng) {
  for (int vocab : {1, 5, 1000, 151936}) {
    const int num_rows = 4, num_top = std::min(vocab, 20);
    const Batch b = random_batch(num_rows, vocab, rng);
    std::vector<int32_t> tokens(num_rows);
    for (auto& t : tokens) t = rng.uniform_int(0, vocab - 1);
    tokens[0] = -1;  // nothing picked: logprob 0
    std::vector<float> lp(num_rows), top_lp(static_cast<size_t>(num_rows * num_top));
    std::vector<int32_t> top(static_cast<size_t>(num_rows * num_top));
    k::cpu::logprobs(lp.data(), top.data(), top_lp.data(), b.logits.data(), tokens.data(), num_rows, vocab, num_top);
    DeviceBuffer<float> d_logits(b.logits), d_lp(lp.size()), d_top_lp(top_lp.size());
    DeviceBuffer<int32_t> d_tokens(tokens), d_top(top.size());
    k::cuda::logprobs(d_lp.get(), d_top.get(), d_top_lp.get(), d_logits.get(), d_tokens.get(), num_rows,
                      vocab, num_top, nullptr);
    const std::string v = " vocab=" + std::to_string(vocab);
    gpu_check::check_close("logprobs token" + v, d_lp.download(), lp, {1e-5, 1e-6});
    gpu_check::check_close("logprobs top" + v, d_top_lp.download(), top_lp, {1e-5, 1e-6});
    CHECK(d_top.download() == top);
  }
}

void report_timing(Rng& rng) {
  const int vocab = 151936;
  for (int num_rows : {1, 64, 256}) {
    Batch b = random_batch(num_rows, vocab, rng);
    for (const char* mode : {"greedy", "plain", "top_k=50 top_p=0.9", "top_p=0.95"}) {
      const std::string m = mode;
      for (int r = 0; r < num_rows; ++r) {
        b.temperature[static_cast<size_t>(r)] = m == "greedy" ? 0.0f : 0.8f;
        b.top_k[static_cast<size_t>(r)] = m == "top_k=50 top_p=0.9" ? 50 : 0;
        b.top_p[static_cast<size_t>(r)] = m == "top_k=50 top_p=0.9" ? 0.9f : m == "top_p=0.95" ? 0.95f : 1.0f;
        b.min_p[static_cast<size_t>(r)] = 0.0f;
      }
      DeviceBatch d(b);
      DeviceBuffer<float> d_scratch(b.logits.size());
      DeviceBuffer<int32_t> d_tokens(static_cast<size_t>(num_rows));
      const float ms = gpu_check::time_ms([&] {
        k::cuda::sample(d_tokens.get(), d.logits.get(), d_scratch.get(), d.rows(), num_rows, vocab, nullptr);
      }, 5);
      std::printf("timing: sample %d rows x %d, %s: %.1f us\n", num_rows, vocab, mode, ms * 1e3);
    }
  }
}

}  // namespace

int main() {
  GPU_CHECK_REQUIRE_DEVICE();
  Rng rng(777);
  test_sample(rng);
  test_logprobs(rng);
  if (!gpu_check::quick()) report_timing(rng);
  CUDA_OK(cudaDeviceSynchronize());
  return gpu_check::finish();
}
