// Sampling on the GPU, one 1024-thread block per row (see sampling.h for the contract):
// copy the row to scratch, apply bias / mask / penalties, then either the argmax or
// temperature -> softmax (exp values kept in scratch, probabilities p = e * inv on the
// fly) -> min-p -> top-k (radix_cut by count) -> top-p (radix_cut by mass) -> the draw
// (radix_cut by renormalised mass when sorted, an index-order walk otherwise).
// Every F32 step rounds where sample_token rounds (explicit _rn intrinsics: no FMA
// contraction); sums of many terms are exact fixed point or a fixed-order double tree.
#include <cmath>

#include "kernels/block_select.cuh"
#include "kernels/device_common.cuh"
#include "kernels/sampling.h"

namespace vllmctl::kernels {
namespace {

using device::block_reduce;
using device::kSelectThreads;
using device::Max;
using device::Min;
using device::Plus;
using device::prob;

__device__ __forceinline__ bool in_vocab(int32_t t, int vocab) { return t >= 0 && t < vocab; }

// Bias (in list order, one thread), mask, penalties (distinct tokens: one thread each).
__device__ void process_row(float* x, const SamplingRows& p, int r, int vocab) {
  if (p.bias_offsets && threadIdx.x == 0) {
    for (int32_t e = p.bias_offsets[r]; e < p.bias_offsets[r + 1]; ++e) {
      const int32_t t = p.bias_tokens[e];
      if (in_vocab(t, vocab)) x[t] = __fadd_rn(x[t], p.bias_values[e]);
    }
  }
  __syncthreads();
  if (p.mask_offsets) {
    for (int32_t e = p.mask_offsets[r] + threadIdx.x; e < p.mask_offsets[r + 1]; e += blockDim.x) {
      if (in_vocab(p.mask_tokens[e], vocab)) x[p.mask_tokens[e]] = -INFINITY;
    }
  }
  __syncthreads();
  if (p.penalty_offsets) {
    const float rep = p.repetition_penalty[r];
    const float freq = p.frequency_penalty[r], pres = p.presence_penalty[r];
    for (int32_t e = p.penalty_offsets[r] + threadIdx.x; e < p.penalty_offsets[r + 1]; e += blockDim.x) {
      const int32_t t = p.penalty_tokens[e];
      if (!in_vocab(t, vocab)) continue;
      float v = x[t];
      if (rep != 1.0f) v = v > 0.0f ? __fdiv_rn(v, rep) : __fmul_rn(v, rep);
      const int32_t c = p.penalty_output_counts[e];
      if ((freq != 0.0f || pres != 0.0f) && c > 0) {
        v = __fsub_rn(v, __fadd_rn(__fmul_rn(freq, static_cast<float>(c)), pres));
      }
      x[t] = v;
    }
  }
  __syncthreads();
}

__global__ void __launch_bounds__(kSelectThreads)
    sample_kernel(int32_t* tokens, const float* logits, float* scratch, SamplingRows rows, int vocab) {
  __shared__ device::SelectShared sh;
  const int r = blockIdx.x;
  const int64_t row = static_cast<int64_t>(r) * vocab;
  float* x = scratch + row;
  if (x != logits + row) {
    for (int i = threadIdx.x; i < vocab; i += blockDim.x) x[i] = logits[row + i];
  }
  __syncthreads();
  process_row(x, rows, r, vocab);

  const float temperature = rows.temperature[r];
  const bool greedy = temperature < 1e-5f;
  const float inv_t = greedy ? 1.0f : __fdiv_rn(1.0f, temperature);
  float m = -INFINITY;
  for (int i = threadIdx.x; i < vocab; i += blockDim.x) {
    m = fmaxf(m, greedy ? x[i] : __fmul_rn(x[i], inv_t));
  }
  m = block_reduce(m, sh.red_f32, Max{});
  if (m == -INFINITY) {  // every token masked
    if (threadIdx.x == 0) tokens[r] = -1;
    return;
  }
  if (greedy) {  // the lowest index holding the maximum
    int best = vocab;
    for (int i = threadIdx.x; i < vocab; i += blockDim.x) {
      if (x[i] == m) {
        best = i;
        break;
      }
    }
    best = block_reduce(best, sh.red_i32, Min{});
    if (threadIdx.x == 0) tokens[r] = best;
    return;
  }

  // Softmax: e = exp(x * inv_t - m) kept in scratch; p = e * inv with inv = 1 / sum(e).
  double sum = 0.0;
  for (int i = threadIdx.x; i < vocab; i += blockDim.x) {
    const float e = expf(__fsub_rn(__fmul_rn(x[i], inv_t), m));
    x[i] = e;
    sum += e;
  }
  sum = block_reduce(sum, sh.red_f64, Plus{});
  const float inv = static_cast<float>(1.0 / sum);
  const float* e = x;

  // min-p: at least min_p times the most likely token's probability (exp(0) * inv).
  const float min_p = rows.min_p[r];
  const float threshold = min_p > 0.0f ? __fmul_rn(min_p, inv) : 0.0f;
  auto candidate = [threshold](int, float p) { return p > 0.0f && p >= threshold; };
  // The kept set: candidates up to and including the cut (key, index) in sorted order;
  // key 0 keeps every candidate (their p > 0).
  unsigned cut_key = 0;
  int cut_index = -1;
  auto kept = [&](int i, float p) {
    const unsigned key = device::key_of(p);
    return candidate(i, p) && (key > cut_key || (key == cut_key && i <= cut_index));
  };
  auto fix_p = [](float p) { return device::to_fix(p); };

  int num_candidates = 0;
  for (int i = threadIdx.x; i < vocab; i += blockDim.x) num_candidates += candidate(i, prob(e, inv, i));
  num_candidates = block_reduce(num_candidates, sh.red_i32, Plus{});

  const int top_k = rows.top_k[r];
  const bool top_k_applied = top_k > 0 && top_k < num_candidates;
  if (top_k_applied) {
    const auto k = static_cast<unsigned long long>(top_k);
    const device::Cut c = device::radix_cut(
        e, inv, vocab, candidate, device::UnitWeight{},
        [k](unsigned long long n) { return n >= k; }, sh);
    cut_key = c.key;
    cut_index = c.index;
  }

  const float top_p = rows.top_p[r];
  if (top_p < 1.0f) {  // the most likely kept tokens until their mass reaches top_p of it
    double mass = 0.0;
    for (int i = threadIdx.x; i < vocab; i += blockDim.x) {
      const float p = prob(e, inv, i);
      if (kept(i, p)) mass += p;
    }
    mass = block_reduce(mass, sh.red_f64, Plus{});
    const double target = static_cast<double>(top_p) * mass;
    const device::Cut c = device::radix_cut(
        e, inv, vocab, kept, fix_p,
        [target](unsigned long long cum) { return static_cast<double>(cum) * device::kFixInv >= target; }, sh);
    if (c.index >= 0) {
      cut_key = c.key;
      cut_index = c.index;
    }
  }

  // The draw over the kept tokens, renormalised: q = float(p / kept_mass).
  double kept_mass = 0.0;
  int last_index = -1;  // the last kept token in index order
  for (int i = threadIdx.x; i < vocab; i += blockDim.x) {
    const float p = prob(e, inv, i);
    if (kept(i, p)) {
      kept_mass += p;
      last_index = i;
    }
  }
  kept_mass = block_reduce(kept_mass, sh.red_f64, Plus{});
  last_index = block_reduce(last_index, sh.red_i32, Max{});
  auto fix_q = [kept_mass](float p) {
    return device::to_fix(static_cast<float>(static_cast<double>(p) / kept_mass));
  };
  const double u = rows.uniform[r];
  auto passed_u = [u](unsigned long long cum) { return u < static_cast<double>(cum) * device::kFixInv; };
  int token;
  if (top_k_applied || top_p < 1.0f) {  // walk by probability
    const device::Cut c = device::radix_cut(e, inv, vocab, kept, fix_q, passed_u, sh);
    token = c.index;
    if (token < 0) {  // rounding left u past the end: the last kept token in sorted order
      token = cut_index;
      if (token < 0) {  // no cut: the least likely candidate, highest index among equals
        int low = 0x7fffffff;  // keys of p >= 0 fit in an int
        for (int i = threadIdx.x; i < vocab; i += blockDim.x) {
          const float p = prob(e, inv, i);
          if (kept(i, p)) low = min(low, static_cast<int>(device::key_of(p)));
        }
        low = block_reduce(low, sh.red_i32, Min{});
        int idx = -1;
        for (int i = threadIdx.x; i < vocab; i += blockDim.x) {
          const float p = prob(e, inv, i);
          if (kept(i, p) && static_cast<int>(device::key_of(p)) == low) idx = i;
        }
        token = block_reduce(idx, sh.red_i32, Max{});
      }
    }
  } else {  // walk in token order
    token = device::walk_index_order(e, inv, vocab, kept, fix_q, passed_u, sh);
    if (token < 0) token = last_index;
  }
  if (threadIdx.x == 0) tokens[r] = token;
}

// Log-softmax of the raw row: the chosen token's logprob, then num_top argmax passes,
// each the best element sorting after the previous one (higher logit, lower index).
__global__ void __launch_bounds__(kSelectThreads)
    logprobs_kernel(float* token_logprobs, int32_t* top_tokens, float* top_logprobs,
                    const float* logits, const int32_t* tokens, int vocab, int num_top) {
  __shared__ float red_f32[device::kSelectWarps];
  __shared__ double red_f64[device::kSelectWarps];
  __shared__ int red_i32[device::kSelectWarps];
  const int r = blockIdx.x;
  const float* x = logits + static_cast<int64_t>(r) * vocab;
  float m = -INFINITY;
  for (int i = threadIdx.x; i < vocab; i += blockDim.x) m = fmaxf(m, x[i]);
  m = block_reduce(m, red_f32, Max{});
  double sum = 0.0;
  for (int i = threadIdx.x; i < vocab; i += blockDim.x) {
    sum += exp(static_cast<double>(__fsub_rn(x[i], m)));
  }
  sum = block_reduce(sum, red_f64, Plus{});
  const float log_z = __fadd_rn(m, static_cast<float>(log(sum)));
  if (threadIdx.x == 0) {
    const int32_t t = tokens[r];
    token_logprobs[r] = in_vocab(t, vocab) ? __fsub_rn(x[t], log_z) : 0.0f;
  }
  float prev_v = INFINITY;
  int prev_i = -1;
  for (int j = 0; j < num_top; ++j) {
    float best_v = -INFINITY;
    int best_i = vocab;  // the thread's lowest index holding best_v
    for (int i = threadIdx.x; i < vocab; i += blockDim.x) {
      const float v = x[i];
      const bool after_prev = v < prev_v || (v == prev_v && i > prev_i);
      if (after_prev && (v > best_v || (v == best_v && i < best_i))) {
        best_v = v;
        best_i = i;
      }
    }
    const float v = block_reduce(best_v, red_f32, Max{});
    const int i = block_reduce(best_v == v ? best_i : vocab, red_i32, Min{});
    if (threadIdx.x == 0) {
      top_tokens[static_cast<int64_t>(r) * num_top + j] = i < vocab ? i : -1;
      top_logprobs[static_cast<int64_t>(r) * num_top + j] = __fsub_rn(v, log_z);
    }
    prev_v = v;
    prev_i = i;
  }
}

}  // namespace

namespace cuda {

void sample(int32_t* tokens, const float* logits, float* scratch, const SamplingRows& rows,
            int num_rows, int vocab, cudaStream_t stream) {
  using device::require;
  require(num_rows >= 0, "sample", "num_rows", num_rows);
  require(vocab > 0, "sample", "vocab", vocab);
  require(rows.temperature && rows.top_k && rows.top_p && rows.min_p && rows.uniform, "sample",
          "null per-row parameter array, num_rows", num_rows);
  require(!rows.bias_offsets || (rows.bias_tokens && rows.bias_values), "sample",
          "null bias_tokens/bias_values with bias_offsets, num_rows", num_rows);
  require(!rows.mask_offsets || rows.mask_tokens, "sample", "null mask_tokens, num_rows", num_rows);
  require(!rows.penalty_offsets || (rows.penalty_tokens && rows.penalty_output_counts &&
                                    rows.repetition_penalty && rows.frequency_penalty &&
                                    rows.presence_penalty),
          "sample", "null penalty arrays with penalty_offsets, num_rows", num_rows);
  if (num_rows == 0) return;
  sample_kernel<<<num_rows, kSelectThreads, 0, stream>>>(tokens, logits, scratch, rows, vocab);
  device::check_launch("sample");
}

void logprobs(float* token_logprobs, int32_t* top_tokens, float* top_logprobs,
              const float* logits, const int32_t* tokens, int num_rows, int vocab, int num_top,
              cudaStream_t stream) {
  using device::require;
  require(num_rows >= 0, "logprobs", "num_rows", num_rows);
  require(vocab > 0, "logprobs", "vocab", vocab);
  require(num_top >= 0 && num_top <= vocab, "logprobs", "num_top", num_top);
  require(num_top == 0 || (top_tokens && top_logprobs), "logprobs", "null top outputs, num_top", num_top);
  if (num_rows == 0) return;
  logprobs_kernel<<<num_rows, kSelectThreads, 0, stream>>>(token_logprobs, top_tokens, top_logprobs,
                                                            logits, tokens, vocab, num_top);
  device::check_launch("logprobs");
}

}  // namespace cuda
}  // namespace vllmctl::kernels
