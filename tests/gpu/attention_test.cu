// GPU test of the attention launchers against their CPU twins: cuda::attention_prefill and
// cuda::attention_decode on random ragged batches (Qwen2.5 0.5B- and 7B-like GQA shapes,
// every dtype, block sizes 16 and 32, shuffled block tables, a NaN-filled cache outside the
// contexts), both prefill kernels (tensor-core and FMA), split-K up to 4096 tokens, padding
// slots, CUDA-graph capture, decode rows independent of the partition count, the host-side
// argument checks, and rough timings. Its own main; skips cleanly without a device.
#include <cuda_runtime.h>

#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <stdexcept>
#include <string>
#include <vector>

#include "kernels/attention_decode.h"
#include "kernels/attention_prefill.h"
#include "tests/gpu/gpu_check.h"
#include "tests/unit/kernels/attention_test_batch.h"

namespace {

using gpu_check::DeviceBuffer;
using vllmctl::kernels::AttentionBatch;
using vllmctl::kernels::DType;
using vllmctl::kernels::PagedKv;
using vllmctl::kernels::attention_test::Batch;
using vllmctl::kernels::attention_test::make_batch;
using vllmctl::kernels::attention_test::Rng;
using vllmctl::kernels::attention_test::SeqSpec;
using vllmctl::kernels::attention_test::to_f32;
namespace kcpu = vllmctl::kernels::cpu;
namespace kcuda = vllmctl::kernels::cuda;

struct Shape {
  const char* name;
  int num_heads, num_kv_heads, head_dim;
};
constexpr Shape kQwen05b{"0.5b", 14, 2, 64};
constexpr Shape kQwen7b{"7b", 28, 4, 128};

// Kernel vs twin: both accumulate in F32 and round once; they differ only in summation
// order and exp vs exp2 (~1e-6 relative), so at most one unit in the last place of the
// dtype (2^-7 bf16, 2^-10 f16), relative: attention outputs are small averages (often
// ~0.01), so the harness's absolute default for bf16 would hide real errors.
gpu_check::Tolerance tolerance(DType t) {
  switch (t) {
    case DType::kF32: return {2e-5, 2e-5};
    case DType::kF16: return {1e-5, 2e-3};
    case DType::kBF16: return {1e-5, 1e-2};
  }
  return {0, 0};
}

// A Batch's arrays on the device, with the PagedKv / AttentionBatch views the launchers take.
struct DeviceBatch {
  DeviceBuffer<uint8_t> q, k, v;
  DeviceBuffer<int32_t> query_start, context_lens, block_tables;
  PagedKv kv;
  AttentionBatch meta;
  explicit DeviceBatch(Batch& b)
      : q(b.q), k(b.k_cache), v(b.v_cache), query_start(b.query_start),
        context_lens(b.context_lens), block_tables(b.block_tables), kv(b.kv()), meta(b.batch()) {
    kv.k = k.get();
    kv.v = v.get();
    meta.query_start = query_start.get();
    meta.context_lens = context_lens.get();
    meta.block_tables = block_tables.get();
  }
};

std::string label(const char* what, const Shape& s, DType t, int block_size) {
  return std::string(what) + " " + s.name + " " + gpu_check::dtype_name(t) + " bs" +
         std::to_string(block_size);
}

float scale_for(const Shape& s) { return 1.0f / std::sqrt(static_cast<float>(s.head_dim)); }

// Runs launch(stream) on the default stream, or captured into a CUDA graph and replayed:
// global capture mode, so an allocation or a synchronization inside a launcher fails here.
template <class F>
void run(bool via_graph, F&& launch) {
  if (!via_graph) {
    launch(static_cast<cudaStream_t>(nullptr));
    CUDA_LAUNCH_OK();
    return;
  }
  cudaStream_t stream;
  CUDA_OK(cudaStreamCreateWithFlags(&stream, cudaStreamNonBlocking));
  cudaGraph_t graph;
  cudaGraphExec_t exec;
  CUDA_OK(cudaStreamBeginCapture(stream, cudaStreamCaptureModeGlobal));
  launch(stream);
  CUDA_OK(cudaStreamEndCapture(stream, &graph));
  CUDA_OK(cudaGraphInstantiate(&exec, graph, 0));
  CUDA_OK(cudaGraphLaunch(exec, stream));
  CUDA_OK(cudaStreamSynchronize(stream));
  CUDA_OK(cudaGraphExecDestroy(exec));
  CUDA_OK(cudaGraphDestroy(graph));
  CUDA_OK(cudaStreamDestroy(stream));
}

// max_query_len > 0 overrides the batch's (a grid with tiles past every sequence's rows).
void check_prefill(const Shape& s, DType t, int block_size, const std::vector<SeqSpec>& seqs,
                   uint64_t seed, const char* what = "prefill", int max_query_len = 0,
                   bool via_graph = false) {
  Batch b = make_batch(seed, t, s.head_dim, s.num_heads, s.num_kv_heads, block_size, seqs);
  if (max_query_len > 0) b.max_query_len = max_query_len;
  DeviceBatch d(b);
  DeviceBuffer<uint8_t> out(b.out_bytes());
  out.fill_bytes(0xff);  // NaN in every dtype: an unwritten row fails the comparison
  run(via_graph, [&](cudaStream_t stream) {
    kcuda::attention_prefill(out.get(), d.q.get(), d.kv, d.meta, s.num_heads, scale_for(s), stream);
  });
  std::vector<uint8_t> want(b.out_bytes());
  kcpu::attention_prefill(want.data(), b.q.data(), b.kv(), b.batch(), s.num_heads, scale_for(s));
  gpu_check::check_close(label(what, s, t, block_size), to_f32(out.download(), t),
                         to_f32(want, t), tolerance(t));
}

// Decode through cuda::attention_decode with a workspace sized for max_context_len (which
// may exceed every context, as in a CUDA-graph bucket); optionally through a captured graph.
void check_decode(const Shape& s, DType t, int block_size, const std::vector<SeqSpec>& seqs,
                  uint64_t seed, int max_context_len = 0, bool via_graph = false,
                  const char* what = "decode") {
  Batch b = make_batch(seed, t, s.head_dim, s.num_heads, s.num_kv_heads, block_size, seqs);
  if (max_context_len > 0) vllmctl::kernels::attention_test::widen_max_context_len(b, max_context_len);
  DeviceBatch d(b);
  const size_t ws_bytes = vllmctl::kernels::attention_decode_workspace_bytes(
      b.num_seqs(), s.num_heads, s.head_dim, d.meta.max_context_len);
  DeviceBuffer<uint8_t> workspace(ws_bytes);
  workspace.fill_bytes(0xff);
  DeviceBuffer<uint8_t> out(b.out_bytes());
  out.fill_bytes(0xff);
  void* ws = ws_bytes ? workspace.get() : nullptr;
  run(via_graph, [&](cudaStream_t stream) {
    kcuda::attention_decode(out.get(), d.q.get(), d.kv, d.meta, s.num_heads, scale_for(s), ws,
                            ws_bytes, stream);
  });
  std::vector<uint8_t> want(b.out_bytes()), host_ws(ws_bytes);
  kcpu::attention_decode(want.data(), b.q.data(), b.kv(), b.batch(), s.num_heads, scale_for(s),
                         host_ws.data(), ws_bytes);
  gpu_check::check_close(label(what, s, t, block_size), to_f32(out.download(), t),
                         to_f32(want, t), tolerance(t));
}

// Mixed prefill batches: fresh prompts, prefix-cached chunks, decode rows, no-row sequences.
std::vector<SeqSpec> mixed_seqs(uint64_t seed, int n, int max_context) {
  Rng rng(seed);
  std::vector<SeqSpec> seqs;
  for (int i = 0; i < n; ++i) {
    const int q_len = rng.uniform_int(1, 70);
    if (i % 3 == 0) seqs.push_back({q_len, q_len});
    if (i % 3 == 1) seqs.push_back({q_len, q_len + rng.uniform_int(1, max_context - 70)});
    if (i % 3 == 2) seqs.push_back({1, rng.uniform_int(1, max_context)});
  }
  seqs.push_back({0, 50});
  seqs.push_back({70, max_context});
  return seqs;
}

std::vector<SeqSpec> decode_seqs(uint64_t seed, int n, int max_context) {
  Rng rng(seed);
  std::vector<SeqSpec> seqs;
  for (int i = 0; i < n; ++i) seqs.push_back({1, rng.uniform_int(1, max_context)});
  if (max_context > vllmctl::kernels::kDecodePartitionSize) {  // the partition boundary
    seqs.push_back({1, vllmctl::kernels::kDecodePartitionSize});
    seqs.push_back({1, vllmctl::kernels::kDecodePartitionSize + 1});
  } else {
    seqs.push_back({1, max_context});
  }
  seqs.push_back({0, 40});  // no row this step
  seqs.push_back({1, 0});   // a padding slot
  return seqs;
}

// A row's decode output does not depend on the launch's partition count: the same batch
// launched for its own max_context_len (as an eager step is) and for a CUDA graph's
// max_model_len (more partitions, the reduce pass) is equal bit for bit, which is what lets
// the backend's graphs give the eager path's logits.
void check_decode_partition_invariance(const Shape& s, DType t, int max_context, int graph_context,
                                       uint64_t seed) {
  std::vector<uint8_t> outs[2];
  for (int wide = 0; wide < 2; ++wide) {
    Batch b = make_batch(seed, t, s.head_dim, s.num_heads, s.num_kv_heads, 16,
                         decode_seqs(seed, 12, max_context));
    if (wide) vllmctl::kernels::attention_test::widen_max_context_len(b, graph_context);
    DeviceBatch d(b);
    const size_t ws_bytes = vllmctl::kernels::attention_decode_workspace_bytes(
        b.num_seqs(), s.num_heads, s.head_dim, d.meta.max_context_len);
    DeviceBuffer<uint8_t> workspace(ws_bytes), out(b.out_bytes());
    workspace.fill_bytes(0xff);
    out.fill_bytes(0xff);
    kcuda::attention_decode(out.get(), d.q.get(), d.kv, d.meta, s.num_heads, scale_for(s),
                            ws_bytes ? workspace.get() : nullptr, ws_bytes, nullptr);
    CUDA_LAUNCH_OK();
    outs[wide] = out.download();
  }
  gpu_check::check_equal(label("decode-partitions", s, t, 16) + " ctx " + std::to_string(max_context),
                         to_f32(outs[1], t), to_f32(outs[0], t));
}

template <class F>
void check_throws(const char* name, const char* needle, F&& f) {
  std::string what;
  try {
    f();
  } catch (const std::invalid_argument& e) {
    what = e.what();
  }
  CHECK_MSG(what.find(needle) != std::string::npos, "%s: expected invalid_argument with '%s', got '%s'",
            name, needle, what.c_str());
}

void check_argument_errors() {
  Batch b = make_batch(1, DType::kBF16, 64, 4, 2, 16, {{1, 700}, {1, 30}});
  DeviceBatch d(b);
  DeviceBuffer<uint8_t> out(b.out_bytes() + 16);
  const size_t need = vllmctl::kernels::attention_decode_workspace_bytes(2, 4, 64, 700);
  DeviceBuffer<uint8_t> ws(need);
  PagedKv kv = d.kv;
  kv.head_dim = 96;
  check_throws("head_dim", "head_dim 96", [&] {
    kcuda::attention_prefill(out.get(), d.q.get(), kv, d.meta, 4, 0.125f, nullptr);
  });
  check_throws("misaligned", "not 16-byte aligned", [&] {
    kcuda::attention_prefill(out.get() + 2, d.q.get(), d.kv, d.meta, 4, 0.125f, nullptr);
  });
  AttentionBatch meta = d.meta;
  meta.max_query_len = 2;
  check_throws("decode rows", "max_query_len 2", [&] {
    kcuda::attention_decode(out.get(), d.q.get(), d.kv, meta, 4, 0.125f, ws.get(), need, nullptr);
  });
  check_throws("workspace", "workspace_bytes", [&] {
    kcuda::attention_decode(out.get(), d.q.get(), d.kv, d.meta, 4, 0.125f, ws.get(), need - 4,
                            nullptr);
  });
}

// Rough timings (not checks), bf16: decode of one and of 64 sequences of 4096 tokens (the
// latency and the bandwidth ends), and a 4096-token prefill on both prefill kernels.
void report_timings() {
  for (const Shape& s : {kQwen05b, kQwen7b}) {
    for (int num_seqs : {1, 64}) {
      Batch b = make_batch(7, DType::kBF16, s.head_dim, s.num_heads, s.num_kv_heads, 16,
                           std::vector<SeqSpec>(num_seqs, SeqSpec{1, 4096}), false);
      DeviceBatch d(b);
      const size_t ws_bytes = vllmctl::kernels::attention_decode_workspace_bytes(
          num_seqs, s.num_heads, s.head_dim, 4096);
      DeviceBuffer<uint8_t> ws(ws_bytes), out(b.out_bytes());
      const float ms = gpu_check::time_ms([&] {
        kcuda::attention_decode(out.get(), d.q.get(), d.kv, d.meta, s.num_heads, scale_for(s),
                                ws.get(), ws_bytes, nullptr);
      });
      const double kv_bytes = 2.0 * num_seqs * 4096 * s.num_kv_heads * s.head_dim * 2;
      std::printf("time decode %s bf16 %d x 4096: %.1f us, KV read %.0f GB/s\n", s.name, num_seqs,
                  ms * 1e3, kv_bytes / ms / 1e6);
    }
  }
  const Shape s = kQwen7b;
  Batch b = make_batch(8, DType::kBF16, s.head_dim, s.num_heads, s.num_kv_heads, 16,
                       {SeqSpec{4096, 4096}}, false);
  DeviceBatch d(b);
  DeviceBuffer<uint8_t> out(b.out_bytes());
  const double flops = 4.0 * s.num_heads * s.head_dim * 4096.0 * 4097.0 / 2;  // causal
  for (const char* no_mma : {"0", "1"}) {
    setenv("VLLMCTL_ATTENTION_NO_MMA", no_mma, 1);
    const float ms = gpu_check::time_ms([&] {
      kcuda::attention_prefill(out.get(), d.q.get(), d.kv, d.meta, s.num_heads, scale_for(s),
                               nullptr);
    });
    std::printf("time prefill 7b bf16 4096 tokens (%s kernel): %.3f ms, %.1f TFLOP/s\n",
                no_mma[0] == '1' ? "FMA" : "default", ms, flops / ms / 1e9);
  }
  unsetenv("VLLMCTL_ATTENTION_NO_MMA");
  CUDA_LAUNCH_OK();
}

}  // namespace

int main() {
  GPU_CHECK_REQUIRE_DEVICE();
  const bool quick = gpu_check::quick();  // under compute-sanitizer: the core cases only
  const DType dtypes[] = {DType::kF32, DType::kF16, DType::kBF16};

  uint64_t seed = 100;
  for (DType t : dtypes) {
    check_prefill(kQwen05b, t, 16, mixed_seqs(seed, quick ? 3 : 9, 1100), seed);
    check_prefill(kQwen7b, t, 32, mixed_seqs(seed + 1, quick ? 3 : 9, 1100), seed + 1);
    check_decode(kQwen05b, t, 32, decode_seqs(seed + 2, quick ? 4 : 24, 1100), seed + 2);
    check_decode(kQwen7b, t, 16, decode_seqs(seed + 3, quick ? 4 : 24, 1100), seed + 3);
    seed += 4;
  }
  // One partition (no workspace, no reduce); graph buckets sized past every context.
  check_decode(kQwen7b, DType::kBF16, 16, decode_seqs(16, 10, 250), 16, 0, false, "decode-1part");
  check_decode(kQwen7b, DType::kBF16, 16, decode_seqs(17, 10, 600), 17, 8192, true, "decode-graph");
  check_decode(kQwen05b, DType::kF16, 16, decode_seqs(18, 10, 250), 18, 256, true, "decode-graph-1part");
  check_prefill(kQwen05b, DType::kBF16, 16, mixed_seqs(24, 3, 600), 24, "prefill-graph", 0, true);
  // One partition eagerly vs 32 in a graph's grid; 3 vs 32 (every row through the reduce).
  check_decode_partition_invariance(kQwen7b, DType::kBF16, 250, 8192, 25);
  check_decode_partition_invariance(kQwen05b, DType::kF16, 600, 8192, 26);
  // The FMA prefill kernel for bf16/f16 too (the launcher prefers tensor cores on sm_80+).
  setenv("VLLMCTL_ATTENTION_NO_MMA", "1", 1);
  check_prefill(kQwen05b, DType::kBF16, 16, mixed_seqs(21, quick ? 3 : 9, 1100), 21, "prefill-fma");
  check_prefill(kQwen7b, DType::kF16, 32, mixed_seqs(22, quick ? 3 : 9, 1100), 22, "prefill-fma");
  if (!quick) check_prefill(kQwen7b, DType::kBF16, 16, {{700, 700}, {130, 1500}}, 23, "prefill-fma-long");
  unsetenv("VLLMCTL_ATTENTION_NO_MMA");
  check_argument_errors();
  if (!quick) {
    // Long contexts: 16 split-K partitions; a long fresh prompt and a long cached chunk.
    check_decode(kQwen7b, DType::kBF16, 16, decode_seqs(7, 16, 4096), 7, 0, false, "decode-4096");
    check_decode(kQwen05b, DType::kF16, 32, decode_seqs(8, 16, 4096), 8, 0, false, "decode-4096");
    check_prefill(kQwen7b, DType::kBF16, 16, {{1000, 1000}, {256, 2048}, {1, 4096}}, 9, "prefill-long");
    check_prefill(kQwen05b, DType::kF32, 32, {{777, 777}, {300, 3000}}, 10, "prefill-long");
    // Other groups: multi-head (1), 6, 8, 16 (two blocks per KV head in decode).
    check_prefill({"mha", 8, 8, 128}, DType::kBF16, 16, mixed_seqs(11, 6, 700), 11);
    check_prefill({"g8", 16, 2, 64}, DType::kF16, 32, mixed_seqs(12, 6, 700), 12);
    check_decode({"mha", 8, 8, 128}, DType::kBF16, 16, decode_seqs(13, 12, 1500), 13);
    check_decode({"g6", 12, 2, 128}, DType::kF32, 32, decode_seqs(14, 12, 1500), 14);
    check_decode({"g16", 32, 2, 64}, DType::kBF16, 16, decode_seqs(15, 12, 1500), 15);
    // The prefill launcher on an all-decode batch, and with a larger max_query_len than used.
    check_prefill(kQwen7b, DType::kBF16, 16, decode_seqs(19, 20, 2000), 19, "prefill-decode-rows");
    check_prefill(kQwen05b, DType::kBF16, 32, mixed_seqs(20, 6, 500), 20, "prefill-wide-grid", 300);
    CUDA_OK(cudaDeviceSynchronize());
    report_timings();
  }
  return gpu_check::finish();
}
