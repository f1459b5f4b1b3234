// CudaBackend: weights upload, memory sizing, and forward as a sequence of kernel launches
// and cuBLASLt GEMMs on one stream, synchronised once per step (the logits copy); a decode
// step replays its bucket's CUDA graph instead of launching the layers one by one.
#include "engine/backend/cuda/cuda_backend.h"

#include "engine/backend/cpu/cpu_weights.h"
#include "engine/backend/sampling_pack.h"
#include "engine/backend/rope.h"
#include "kernels/activation.h"
#include "kernels/attention_decode.h"
#include "kernels/attention_prefill.h"
#include "kernels/embedding.h"
#include "kernels/kv_cache_write.h"
#include "kernels/rms_norm.h"
#include "kernels/rope.h"

#include <cuda_runtime.h>
#include <fmt/format.h>

#include <cmath>
#include <cstring>
#include <stdexcept>
#include <string>

namespace vllmctl::cuda {

namespace {

constexpr auto kBF16 = kernels::DType::kBF16;
constexpr size_t kAbsent = SIZE_MAX;

void cuda_ok(cudaError_t err, const char* what) {
  if (err != cudaSuccess) {
    throw std::runtime_error(fmt::format("cuda backend: {}: {} ({})", what, cudaGetErrorString(err), cudaGetErrorName(err)));
  }
}

template <typename T>
T* at(int32_t* meta, size_t offset) {
  return reinterpret_cast<T*>(meta + offset);
}

}  // namespace

void CudaBackend::log(const std::string& line) const {
  if (options_.log) options_.log(line);
}

void* CudaBackend::alloc(size_t bytes) {
  void* p = nullptr;
  cuda_ok(cudaMalloc(&p, std::max<size_t>(bytes, 16)), fmt::format("cudaMalloc({} bytes)", bytes).c_str());
  allocations_.push_back(p);
  return p;
}

void* CudaBackend::w(size_t offset) const { return offset == kAbsent ? nullptr : weights_ + offset; }

CudaBackend::CudaBackend(const ModelDir& model, const CudaBackendOptions& options)
    : config_(model.config), options_(options) {
  if (const std::string why = cuda_model_unsupported(config_); !why.empty()) {
    throw std::runtime_error(fmt::format("cuda backend: {}; use --device cpu", why));
  }
  const int hd = static_cast<int>(config_.head_dim);
  if (options.block_size < 1 || options.max_num_batched_tokens < 1 || options.max_num_seqs < 1 ||
      options.max_model_len < 1) {
    throw std::runtime_error("cuda backend: block_size, max_num_batched_tokens, max_num_seqs, max_model_len must be >= 1");
  }
  shape_ = {options.max_num_batched_tokens, options.max_num_seqs, options.max_model_len, options.block_size};

  cuda_ok(cudaSetDevice(options.device), "cudaSetDevice");
  cudaDeviceProp prop{};
  cuda_ok(cudaGetDeviceProperties(&prop, options.device), "cudaGetDeviceProperties");
  device_name_ = prop.name;
  cuda_ok(cudaFree(nullptr), "creating the CUDA context");
  size_t free_bytes = 0, total_bytes = 0;
  cuda_ok(cudaMemGetInfo(&free_bytes, &total_bytes), "cudaMemGetInfo");  // before our allocations

  try {
    cuda_ok(cudaStreamCreateWithFlags(&stream_, cudaStreamNonBlocking), "cudaStreamCreate");
    upload_weights(model);

    // Activations: sized once for the largest step (cuda_plan::activation_bytes is the estimate).
    const auto t = static_cast<size_t>(shape_.max_num_batched_tokens), s = static_cast<size_t>(shape_.max_num_seqs);
    const auto hidden = static_cast<size_t>(config_.hidden_size), q = static_cast<size_t>(config_.q_size());
    const auto kv = static_cast<size_t>(config_.kv_size()), inter = static_cast<size_t>(config_.intermediate_size);
    const auto vocab = static_cast<size_t>(config_.vocab_size);
    residual_ = alloc(t * hidden * 2);
    x_ = alloc(t * hidden * 2);
    qkv_ = alloc(t * (q + 2 * kv) * 2);
    q_ = alloc(t * q * 2);
    k_ = alloc(t * kv * 2);
    attn_ = alloc(t * q * 2);
    gate_up_ = alloc(t * 2 * inter * 2);
    act_ = alloc(t * inter * 2);
    rows_ = alloc(s * hidden * 2);
    logits_ = static_cast<float*>(alloc(s * vocab * 4));
    decode_ws_bytes_ = kernels::attention_decode_workspace_bytes(
        shape_.max_num_seqs, static_cast<int>(config_.num_attention_heads), hd, shape_.max_model_len);
    if (decode_ws_bytes_ > 0) decode_ws_ = alloc(decode_ws_bytes_);
    staging_ints_ = cuda_plan::max_metadata_ints(shape_);
    meta_ = static_cast<int32_t*>(alloc(staging_ints_ * 4));
    cuda_ok(cudaHostAlloc(reinterpret_cast<void**>(&staging_), staging_ints_ * 4, cudaHostAllocDefault),
            "cudaHostAlloc(staging)");
    cuda_ok(cudaHostAlloc(reinterpret_cast<void**>(&host_logits_), s * vocab * 4, cudaHostAllocDefault),
            "cudaHostAlloc(logits)");
    gemm_ = std::make_unique<CublasLtGemm>(cuda_plan::kGemmWorkspaceBytes);

    // KV cache: one allocation, [layer][k|v][num_blocks, block_size, kv_heads, head_dim].
    const uint64_t block_bytes = cuda_plan::kv_block_bytes(config_, options.block_size);
    if (options.num_kv_blocks > 0) {
      num_kv_blocks_ = options.num_kv_blocks;
    } else {
      const cuda_plan::KvCachePlan plan = cuda_plan::plan_kv_cache(
          total_bytes, free_bytes, options.gpu_memory_utilization, weight_bytes_,
          cuda_plan::activation_bytes(config_, shape_).total(), block_bytes);
      num_kv_blocks_ = plan.num_blocks;
    }
    kv_bytes_ = static_cast<uint64_t>(num_kv_blocks_) * block_bytes;
    char* cache = static_cast<char*>(alloc(kv_bytes_));
    const uint64_t half_layer = kv_bytes_ / static_cast<uint64_t>(config_.num_hidden_layers) / 2;
    for (int64_t l = 0; l < config_.num_hidden_layers; ++l) {
      kernels::PagedKv p;
      p.k = cache + (2 * l) * half_layer;
      p.v = cache + (2 * l + 1) * half_layer;
      p.dtype = kBF16;
      p.num_blocks = num_kv_blocks_;
      p.block_size = options.block_size;
      p.num_kv_heads = static_cast<int>(config_.num_key_value_heads);
      p.head_dim = hd;
      kv_.push_back(p);
    }
    graph_buckets_ = cuda_plan::decode_graph_buckets(shape_);
    if (!options.enforce_eager) capture_decode_graphs();
  } catch (...) {
    release();
    throw;
  }
}

CudaBackend::~CudaBackend() { release(); }

void CudaBackend::release() {
  graphs_.clear();  // before the memory and the stream their nodes use
  gemm_.reset();
  for (void* p : allocations_) cudaFree(p);
  allocations_.clear();
  if (staging_) cudaFreeHost(staging_);
  if (host_logits_) cudaFreeHost(host_logits_);
  staging_ = nullptr;
  host_logits_ = nullptr;
  if (stream_) cudaStreamDestroy(stream_);
  stream_ = nullptr;
}

void CudaBackend::upload_weights(const ModelDir& model) {
  // The CPU loader reads, validates and fuses (q|k|v, gate|up) exactly as the reference does;
  // each tensor then goes to bf16 and into one arena. Costs a transient host copy.
  const cpu::CpuWeights host = cpu::load_cpu_weights(model);
  cuda_plan::ArenaPlan plan;
  struct Piece {
    size_t offset;
    std::vector<uint16_t> data;
  };
  std::vector<Piece> pieces;
  auto add = [&](std::vector<uint16_t> data) -> size_t {
    if (data.empty()) return kAbsent;
    const size_t offset = plan.add(data.size() * 2);
    pieces.push_back({offset, std::move(data)});
    return offset;
  };
  embed_ = add(cuda_plan::to_bf16(host.embed_tokens));
  final_norm_ = add(cuda_plan::to_bf16(host.final_norm));
  lm_head_ = host.lm_head.rows() > 0 ? add(cuda_plan::to_bf16(host.lm_head)) : embed_;
  for (const cpu::LayerWeights& l : host.layers) {
    LayerOffsets o{};
    o.input_norm = add(cuda_plan::to_bf16(l.input_norm));
    o.qkv = add(cuda_plan::to_bf16(l.qkv));
    o.qkv_bias = add(cuda_plan::to_bf16(l.qkv_bias));
    o.q_norm = add(cuda_plan::to_bf16(l.q_norm));
    o.k_norm = add(cuda_plan::to_bf16(l.k_norm));
    o.o_proj = add(cuda_plan::to_bf16(l.o_proj));
    o.o_bias = add(cuda_plan::to_bf16(l.o_bias));
    o.post_norm = add(cuda_plan::to_bf16(l.post_attention_norm));
    o.gate_up = add(cuda_plan::to_bf16(l.gate_up));
    o.down = add(cuda_plan::to_bf16(l.down));
    layers_.push_back(o);
  }
  weight_bytes_ = plan.total_bytes();
  weights_ = static_cast<char*>(alloc(weight_bytes_));
  for (const Piece& p : pieces) {
    cuda_ok(cudaMemcpy(weights_ + p.offset, p.data.data(), p.data.size() * 2, cudaMemcpyHostToDevice),
            "uploading weights");
  }
  const std::vector<float> inv_freq = rope_inv_freq(config_);
  inv_freq_ = static_cast<float*>(alloc(inv_freq.size() * 4));
  cuda_ok(cudaMemcpy(inv_freq_, inv_freq.data(), inv_freq.size() * 4, cudaMemcpyHostToDevice), "uploading inv_freq");
}

std::string CudaBackend::describe() const { return fmt::format("cuda ({}, bf16)", device_name_); }

void CudaBackend::layer(int l, const cuda_plan::StepLayout& step, int n, int algo_m) {
  const LayerOffsets& o = layers_[static_cast<size_t>(l)];
  const int hidden = static_cast<int>(config_.hidden_size), nh = static_cast<int>(config_.num_attention_heads);
  const int nkv = static_cast<int>(config_.num_key_value_heads), hd = static_cast<int>(config_.head_dim);
  const int q_size = nh * hd, kv_size = nkv * hd, qkv_size = q_size + 2 * kv_size;
  const int inter = static_cast<int>(config_.intermediate_size);
  const auto eps = static_cast<float>(config_.rms_norm_eps);
  const int32_t* positions = at<int32_t>(meta_, step.positions);

  if (l == 0) {
    kernels::cuda::rms_norm(x_, residual_, w(o.input_norm), n, hidden, eps, kBF16, stream_);
  } else {
    kernels::cuda::add_rms_norm(x_, residual_, w(o.input_norm), n, hidden, eps, kBF16, stream_);
  }
  gemm_->matmul(qkv_, kBF16, x_, w(o.qkv), w(o.qkv_bias), n, qkv_size, hidden, kBF16, stream_, algo_m);
  // q and k out of the fused rows: attention reads q contiguous, Qwen3 normalises whole heads.
  cuda_ok(cudaMemcpy2DAsync(q_, size_t(q_size) * 2, qkv_, size_t(qkv_size) * 2, size_t(q_size) * 2, size_t(n),
                            cudaMemcpyDeviceToDevice, stream_), "split q");
  cuda_ok(cudaMemcpy2DAsync(k_, size_t(kv_size) * 2, static_cast<char*>(qkv_) + size_t(q_size) * 2,
                            size_t(qkv_size) * 2, size_t(kv_size) * 2, size_t(n), cudaMemcpyDeviceToDevice, stream_),
          "split k");
  if (o.q_norm != kAbsent) {
    kernels::cuda::rms_norm(q_, q_, w(o.q_norm), n * nh, hd, eps, kBF16, stream_);
    kernels::cuda::rms_norm(k_, k_, w(o.k_norm), n * nkv, hd, eps, kBF16, stream_);
  }
  kernels::cuda::rope_neox(q_, k_, positions, inv_freq_, n, nh, nkv, hd, q_size, kv_size, kBF16, stream_);
  const void* v = static_cast<char*>(qkv_) + size_t(q_size + kv_size) * 2;
  kernels::cuda::write_kv(kv_[static_cast<size_t>(l)], k_, v, at<int32_t>(meta_, step.slot_mapping), n, kv_size,
                          qkv_size, stream_);

  kernels::AttentionBatch ab;
  ab.query_start = at<int32_t>(meta_, step.query_start);
  ab.context_lens = at<int32_t>(meta_, step.context_lens);
  ab.block_tables = at<int32_t>(meta_, step.block_tables);
  ab.num_seqs = step.num_seqs;
  ab.max_blocks_per_seq = step.max_blocks_per_seq;
  ab.max_query_len = step.max_query_len;
  ab.max_context_len = step.max_context_len;
  const float scale = 1.0f / std::sqrt(static_cast<float>(hd));
  if (step.all_decode) {
    kernels::cuda::attention_decode(attn_, q_, kv_[static_cast<size_t>(l)], ab, nh, scale, decode_ws_,
                                    decode_ws_bytes_, stream_);
  } else {
    kernels::cuda::attention_prefill(attn_, q_, kv_[static_cast<size_t>(l)], ab, nh, scale, stream_);
  }
  gemm_->matmul(x_, kBF16, attn_, w(o.o_proj), w(o.o_bias), n, hidden, q_size, kBF16, stream_, algo_m);

  kernels::cuda::add_rms_norm(x_, residual_, w(o.post_norm), n, hidden, eps, kBF16, stream_);
  gemm_->matmul(gate_up_, kBF16, x_, w(o.gate_up), nullptr, n, 2 * inter, hidden, kBF16, stream_, algo_m);
  kernels::cuda::silu_and_mul(act_, gate_up_, n, inter, kBF16, stream_);
  gemm_->matmul(x_, kBF16, act_, w(o.down), nullptr, n, hidden, inter, kBF16, stream_, algo_m);
}

void CudaBackend::run_decoder(const cuda_plan::StepLayout& step, int n, int algo_m) {
  const int hidden = static_cast<int>(config_.hidden_size);
  kernels::cuda::embedding(residual_, w(embed_), at<int32_t>(meta_, step.token_ids), n, hidden, kBF16, stream_);
  for (int l = 0; l < static_cast<int>(config_.num_hidden_layers); ++l) layer(l, step, n, algo_m);
  kernels::cuda::add_rms_norm(x_, residual_, w(final_norm_), n, hidden, static_cast<float>(config_.rms_norm_eps),
                              kBF16, stream_);
}

void CudaBackend::capture_decode_graphs() {
  if (graph_buckets_.empty()) return;
  size_t free_before = 0, free_after = 0, total = 0;
  cuda_ok(cudaMemGetInfo(&free_before, &total), "cudaMemGetInfo");
  // Each bucket's warm-up and capture run over an all-padding step (slot -1: no KV written,
  // context 0: none read) at the bucket's fixed layout in meta_.
  auto prepare = [this](int bucket) {
    ForwardBatch padding;
    padding.query_start = {0};
    const cuda_plan::StepLayout step = cuda_plan::pack_decode_step(padding, shape_, bucket, staging_, staging_ints_);
    cuda_ok(cudaMemcpyAsync(meta_, staging_, step.num_ints * 4, cudaMemcpyHostToDevice, stream_), "metadata upload");
    cuda_ok(cudaStreamSynchronize(stream_), "metadata upload");  // staging_ is rewritten next
  };
  auto record = [this](int bucket) { run_decoder(cuda_plan::decode_graph_layout(shape_, bucket), bucket, bucket); };
  const bool captured = graphs_.capture(stream_, graph_buckets_, prepare, record);
  cuda_ok(cudaMemGetInfo(&free_after, &total), "cudaMemGetInfo");
  if (!captured) {
    log(fmt::format("WARNING: cuda backend: CUDA graph capture failed ({}); decode steps run eagerly",
                               graphs_.failure()));
    return;
  }
  const double used_gib = free_before > free_after ? double(free_before - free_after) / (1 << 30) : 0.0;
  log(fmt::format("cuda backend: captured {} CUDA graphs (decode batch sizes {}..{}) in {:.2f} s, {:.2f} GiB",
                          graphs_.num_graphs(), graph_buckets_.front(), graph_buckets_.back(),
                          graphs_.capture_seconds(), used_gib));
}

void CudaBackend::compute_logits(const ForwardBatch& batch) {
  // The engine thread is not the thread that built the backend: CUDA's current device is
  // per thread, so set it here (cheap) or a GPU other than 0 would get the launches.
  cuda_ok(cudaSetDevice(options_.device), "cudaSetDevice");
  const int n = batch.num_tokens();
  for (int32_t id : batch.token_ids) {
    if (id < 0 || id >= config_.vocab_size) {
      throw std::invalid_argument(fmt::format("token id {} is outside the vocabulary (0..{})", id, config_.vocab_size - 1));
    }
  }
  const size_t num_rows = batch.sample_rows.size();
  const auto vocab = static_cast<size_t>(config_.vocab_size);

  // A decode step replays its bucket's graph: the step padded to the bucket at the fixed
  // layout the graph reads. Eagerly it runs unpadded, with the bucket's GEMM algorithms.
  const int bucket = cuda_plan::decode_graph_bucket(batch, shape_, graph_buckets_);
  const bool replay = bucket > 0 && graphs_.has(bucket);
  // The previous step ended with a stream sync, so the staging buffer is free to rewrite.
  const cuda_plan::StepLayout step = replay
      ? cuda_plan::pack_decode_step(batch, shape_, bucket, staging_, staging_ints_)
      : cuda_plan::pack_step(batch, shape_, staging_, staging_ints_);
  cuda_ok(cudaMemcpyAsync(meta_, staging_, step.num_ints * 4, cudaMemcpyHostToDevice, stream_), "metadata upload");

  const int hidden = static_cast<int>(config_.hidden_size);
  if (replay) {
    graphs_.launch(bucket, stream_);
  } else {
    run_decoder(step, n, bucket > 0 ? bucket : n);
  }
  if (num_rows > 0) {
    // The LM head only for the rows that sample: gather them (the embedding kernel is a row
    // gather), then one GEMM straight to F32 logits.
    kernels::cuda::embedding(rows_, x_, at<int32_t>(meta_, step.sample_rows), static_cast<int>(num_rows), hidden,
                             kBF16, stream_);
    gemm_->matmul(logits_, kernels::DType::kF32, rows_, w(lm_head_), nullptr, static_cast<int>(num_rows),
                  static_cast<int>(vocab), hidden, kBF16, stream_);
  }
  cuda_ok(cudaGetLastError(), "kernel launch");
}

// A step that throws after queueing work must not leave it running: the next step
// rewrites the pinned staging buffer its upload may still read, and its write_kv would
// then scatter another step's slots into live requests' KV.
template <typename F>
auto CudaBackend::synchronised(F&& step) -> decltype(step()) {
  try {
    return step();
  } catch (...) {
    cudaStreamSynchronize(stream_);  // its own error, if any, is the one already thrown
    cudaGetLastError();
    throw;
  }
}

std::span<float> CudaBackend::forward(const ForwardBatch& batch) {
  if (batch.num_tokens() == 0) return {host_logits_, 0};
  return synchronised([&]() -> std::span<float> {
    compute_logits(batch);
    const size_t count = batch.sample_rows.size() * static_cast<size_t>(config_.vocab_size);
    if (count > 0) {
      cuda_ok(cudaMemcpyAsync(host_logits_, logits_, count * 4, cudaMemcpyDeviceToHost, stream_), "logits download");
    }
    cuda_ok(cudaStreamSynchronize(stream_), "forward");
    return {host_logits_, count};
  });
}

SampledStep CudaBackend::forward_sampled(const ForwardBatch& batch, const DeviceSampling& sampling) {
  SampledStep out;
  if (batch.num_tokens() == 0) return out;
  // Rows are checked before any work is queued.
  const auto num_rows = static_cast<int>(batch.sample_rows.size());
  check_sampling_rows(sampling, num_rows);
  return synchronised([&] {
    compute_logits(batch);
    // The host rows' logits first: the same stream orders the copies before the sampling
    // kernel, which overwrites the logits in place.
    const auto vocab = static_cast<size_t>(config_.vocab_size);
    for (size_t i = 0; i < sampling.host_rows.size(); ++i) {
      const auto r = static_cast<size_t>(sampling.host_rows[i]);
      cuda_ok(cudaMemcpyAsync(host_logits_ + i * vocab, logits_ + r * vocab, vocab * 4, cudaMemcpyDeviceToHost,
                              stream_),
              "logits download");
    }
    out.tokens = sampler_.sample(logits_, num_rows, static_cast<int>(vocab), sampling, stream_);  // synchronises
    out.host_logits = {host_logits_, sampling.host_rows.size() * vocab};
    return out;
  });
}

}  // namespace vllmctl::cuda

namespace vllmctl {

bool cuda_backend_built() { return true; }

std::unique_ptr<Backend> make_cuda_backend(const ModelDir& model, const CudaBackendOptions& options) {
  return std::make_unique<cuda::CudaBackend>(model, options);
}

}  // namespace vllmctl
