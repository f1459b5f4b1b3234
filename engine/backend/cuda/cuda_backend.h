// CudaBackend: the decoder forward pass on one NVIDIA GPU in bf16 (F32 accumulation), over
// a paged KV cache sized from gpu_memory_utilization. Mirrors CpuBackend step by step; the
// CPU backend is its reference (tests/gpu/backend_test.cu). Host code only: the kernels are
// kernels/*.cu, GEMMs go through cuBLASLt. Unless enforce_eager, decode steps of up to
// min(max_num_seqs, 512) sequences replay CUDA graphs captured at start-up per batch-size
// bucket (engine/backend/cuda/decode_graphs.h), with the eager path's numerics.
// REQUIRES: engine thread (one forward at a time).
#pragma once

#include "engine/backend/backend.h"
#include "engine/backend/cuda/cublaslt_gemm.h"
#include "engine/backend/cuda/decode_graphs.h"
#include "engine/backend/cuda/device_sampler.h"
#include "engine/backend/cuda_backend_factory.h"
#include "engine/backend/cuda_plan.h"
#include "engine/model/model_config.h"
#include "kernels/kernel_types.h"

#include <cstdint>
#include <memory>
#include <string>
#include <vector>

namespace vllmctl::cuda {

class CudaBackend final : public Backend {
 public:
  CudaBackend(const ModelDir& model, const CudaBackendOptions& options);
  ~CudaBackend() override;
  CudaBackend(const CudaBackend&) = delete;
  CudaBackend& operator=(const CudaBackend&) = delete;

  std::span<float> forward(const ForwardBatch& batch) override;
  bool samples_on_device() const override { return true; }
  SampledStep forward_sampled(const ForwardBatch& batch, const DeviceSampling& sampling) override;
  int vocab_size() const override { return static_cast<int>(config_.vocab_size); }
  int num_kv_blocks() const override { return num_kv_blocks_; }
  int block_size() const override { return options_.block_size; }
  std::string describe() const override;

  uint64_t weight_bytes() const { return weight_bytes_; }
  uint64_t kv_cache_bytes() const { return kv_bytes_; }
  // How many decode batch sizes replay a CUDA graph (0 with enforce_eager or a failed capture).
  int num_decode_graphs() const { return graphs_.num_graphs(); }

 private:
  // Device offsets (bytes) into the weights arena; SIZE_MAX for an absent tensor.
  struct LayerOffsets {
    size_t input_norm, qkv, qkv_bias, q_norm, k_norm, o_proj, o_bias, post_norm, gate_up, down;
  };
  void upload_weights(const ModelDir& model);
  void log(const std::string& line) const;  // through options_.log, if any
  void* alloc(size_t bytes);  // tracked, freed by release()
  void release();             // frees everything; safe to call twice
  void* w(size_t offset) const;
  // The forward pass up to the final norm over n rows (x_ then holds the hidden states of
  // every row); algo_m: the GEMMs' algorithm rows (a step's graph bucket, so that a decode
  // step computes alike eagerly and replayed). Launches only: capturable.
  void run_decoder(const cuda_plan::StepLayout& step, int n, int algo_m);
  // The step up to F32 logits of its sample rows in logits_ (graph replay or eager), not
  // synchronised.
  void compute_logits(const ForwardBatch& batch);
  // Runs step(); on an exception waits for the stream before rethrowing.
  template <typename F>
  auto synchronised(F&& step) -> decltype(step());
  void layer(int l, const cuda_plan::StepLayout& step, int n, int algo_m);
  void capture_decode_graphs();

  ModelConfig config_;
  CudaBackendOptions options_;
  cuda_plan::ActivationShape shape_;
  std::string device_name_;
  cudaStream_t stream_ = nullptr;
  std::unique_ptr<CublasLtGemm> gemm_;
  std::vector<void*> allocations_;

  char* weights_ = nullptr;
  uint64_t weight_bytes_ = 0;
  size_t embed_ = 0, final_norm_ = 0, lm_head_ = 0;
  std::vector<LayerOffsets> layers_;
  float* inv_freq_ = nullptr;

  int num_kv_blocks_ = 0;
  uint64_t kv_bytes_ = 0;
  std::vector<kernels::PagedKv> kv_;  // per layer, views into one allocation

  // Scratch (bf16 unless noted), sized for shape_ once.
  void *residual_ = nullptr, *x_ = nullptr, *qkv_ = nullptr, *q_ = nullptr, *k_ = nullptr, *attn_ = nullptr,
       *gate_up_ = nullptr, *act_ = nullptr, *rows_ = nullptr;
  float* logits_ = nullptr;  // device f32 [max_num_seqs, vocab]
  void* decode_ws_ = nullptr;
  size_t decode_ws_bytes_ = 0;
  int32_t* meta_ = nullptr;          // device copy of the staging buffer
  int32_t* staging_ = nullptr;       // pinned host
  size_t staging_ints_ = 0;
  float* host_logits_ = nullptr;     // pinned host, what forward() returns
  DeviceSampler sampler_;            // forward_sampled's packed rows and tokens

  std::vector<int> graph_buckets_;  // decode batch sizes padded to (also with enforce_eager)
  DecodeGraphs graphs_;             // empty with enforce_eager or after a failed capture
};

}  // namespace vllmctl::cuda
