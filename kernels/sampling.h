// Sampling over F32 logits, one row per sequence, with the semantics of
// vllmctl::sample_token (engine/core/sampler.cpp): logit bias, min_tokens masking,
// repetition / frequency / presence penalties, then greedy argmax, or temperature, min-p,
// top-k, top-p and a draw from a uniform number the host supplies per row. Plus the
// log-softmax of the raw logits (the chosen token's logprob and the top-n).
#pragma once

#include <cstdint>
#include <vector>

#include "kernels/kernel_types.h"

namespace vllmctl::kernels {

// Per-row parameters (device pointers for the CUDA launcher, host pointers for the twin).
// A CSR list gives row r the entries [offsets[r], offsets[r + 1]); a null `offsets`
// means no entries for any row. Tokens outside [0, vocab) are ignored, as the CPU
// sampler ignores them.
struct SamplingRows {
  const float* temperature = nullptr;         // [num_rows]; < 1e-5: greedy
  const int32_t* top_k = nullptr;             // [num_rows]; <= 0: off
  const float* top_p = nullptr;               // [num_rows]; 1: off
  const float* min_p = nullptr;               // [num_rows]; 0: off
  const float* repetition_penalty = nullptr;  // [num_rows]; 1: off
  const float* frequency_penalty = nullptr;   // [num_rows]; 0: off
  const float* presence_penalty = nullptr;    // [num_rows]; 0: off
  const double* uniform = nullptr;            // [num_rows] in [0, 1): the draw (unused when greedy)

  // Logit bias, added in list order (a repeated token is added twice, as on the CPU).
  const int32_t* bias_offsets = nullptr;  // [num_rows + 1]
  const int32_t* bias_tokens = nullptr;
  const float* bias_values = nullptr;
  // Tokens set to -inf after the bias: EOS and stop tokens while under min_tokens.
  const int32_t* mask_offsets = nullptr;  // [num_rows + 1]
  const int32_t* mask_tokens = nullptr;
  // Penalties: each DISTINCT token of the prompt and output once (REQUIRED distinct
  // per row), with its count in the output (0: prompt only). Repetition applies to every
  // entry, frequency and presence to entries with a count > 0. See append_penalty_entries.
  const int32_t* penalty_offsets = nullptr;  // [num_rows + 1]
  const int32_t* penalty_tokens = nullptr;
  const int32_t* penalty_output_counts = nullptr;
};

// tokens: [num_rows] out; logits: [num_rows, vocab] F32, read only; scratch:
// [num_rows, vocab] F32, overwritten (may equal logits when the raw logits are not needed
// afterwards, e.g. for logprobs). A row whose logits are all -inf after masking gets -1.
// Order of operations, rounding and ties as sample_token: argmax keeps the lowest index;
// the draw walks the kept tokens in token order, or by probability (highest first, lower
// index first among equals) when top-k or top-p applied, and takes the first token whose
// cumulative probability exceeds uniform[r] (the last one if none does).
namespace cpu {
void sample(int32_t* tokens, const float* logits, float* scratch, const SamplingRows& rows,
            int num_rows, int vocab);
}  // namespace cpu

// On the GPU: one 1024-thread block per row, top-k / top-p / the draw by radix selection
// over the probabilities' bits with exact integer (2^-56 fixed-point) masses, so results are
// deterministic. CUDA's expf and the summation order differ from the host in the last bits:
// the token differs from the twin's only when uniform[r] (or the top-p mass) lies within
// ~1e-6 of a boundary of the cumulative distribution, or a probability within an ulp of a cut.
namespace cuda {
void sample(int32_t* tokens, const float* logits, float* scratch, const SamplingRows& rows,
            int num_rows, int vocab, cudaStream_t stream);
}  // namespace cuda

// Log-softmax of the raw logits, as sample_token's logprobs: token_logprobs[r] of
// tokens[r] (0 when tokens[r] is -1, i.e. nothing was picked); top_tokens / top_logprobs: [num_rows, num_top], best first (higher logit,
// then lower index); may be null when num_top == 0. logits: [num_rows, vocab] F32.
// REQUIRES: 0 <= num_top <= vocab.
namespace cpu {
void logprobs(float* token_logprobs, int32_t* top_tokens, float* top_logprobs,
              const float* logits, const int32_t* tokens, int num_rows, int vocab, int num_top);
}  // namespace cpu
// One block per row; the top-n by n block-wide argmax passes (n is small: vLLM caps it at 20).
namespace cuda {
void logprobs(float* token_logprobs, int32_t* top_tokens, float* top_logprobs,
              const float* logits, const int32_t* tokens, int num_rows, int vocab, int num_top,
              cudaStream_t stream);
}  // namespace cuda

// Host helper for building the penalty CSR: appends one row's entries (each distinct token
// of prompt and output, in first-seen order, with its count in the output).
void append_penalty_entries(const int32_t* prompt, int64_t num_prompt, const int32_t* output,
                            int64_t num_output, std::vector<int32_t>& tokens,
                            std::vector<int32_t>& output_counts);

}  // namespace vllmctl::kernels
