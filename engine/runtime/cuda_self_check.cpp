// run_cuda_self_check: a throw-away model in a private temporary folder, two backends, one
// comparison. Tolerances are those of tests/gpu/backend_test (bf16 against an F32
// reference), with a looser greedy-agreement floor: near-ties may flip under bf16.
#include "engine/runtime/cuda_self_check.h"

#include "engine/backend/backend_parity.h"
#include "engine/backend/cpu/cpu_backend.h"
#include "engine/backend/cuda_backend_factory.h"
#include "engine/model/model_dir.h"
#include "engine/model/random_model.h"

#include <fmt/format.h>
#include <nlohmann/json.hpp>

#include <chrono>
#include <cstdlib>
#include <filesystem>
#include <string>
#include <system_error>

namespace vllmctl {

namespace {

namespace fs = std::filesystem;

constexpr int kBlockSize = 16;
constexpr int kBlocksPerSeq = 32;       // 512 tokens per sequence, as compare_backends needs
constexpr int kKvBlocks = 3 * kBlocksPerSeq;
constexpr float kTolerance = 0.05f;     // of the largest logit
constexpr double kMinAgreement = 0.8;   // of the rows' greedy tokens

nlohmann::json self_check_config() {
  return {{"architectures", {"Qwen2ForCausalLM"}}, {"model_type", "qwen2"}, {"hidden_size", 256},
          {"intermediate_size", 512}, {"num_hidden_layers", 2}, {"num_attention_heads", 4},
          {"num_key_value_heads", 2}, {"vocab_size", 512}, {"max_position_embeddings", 4096},
          {"rms_norm_eps", 1e-6}, {"rope_theta", 10000.0}, {"tie_word_embeddings", true},
          {"torch_dtype", "bfloat16"}, {"hidden_act", "silu"}, {"bos_token_id", 1}, {"eos_token_id", 2}};
}

// A private folder under the temporary directory, removed with this object.
class TempDir {
 public:
  TempDir() {
    std::string pattern = (fs::temp_directory_path() / "vllmctl-self-check-XXXXXX").string();
    if (mkdtemp(pattern.data()) == nullptr) {
      throw std::runtime_error(fmt::format("cannot create {} (is TMPDIR writable?)", pattern));
    }
    path_ = pattern;
  }
  ~TempDir() {
    std::error_code ec;
    fs::remove_all(path_, ec);
  }
  TempDir(const TempDir&) = delete;
  TempDir& operator=(const TempDir&) = delete;
  const fs::path& path() const { return path_; }

 private:
  fs::path path_;
};

}  // namespace

CudaSelfCheck run_cuda_self_check(const CudaSelfCheckOptions& options) {
  CudaSelfCheck result;
  const auto start = std::chrono::steady_clock::now();
  try {
    const TempDir dir;
    write_random_model(dir.path(), self_check_config(), DType::kBF16, 7);
    const ModelDir model = open_model_dir(dir.path());
    cpu::CpuBackend reference(model, cpu::CpuBackendOptions{kKvBlocks, kBlockSize});
    CudaBackendOptions co;
    co.device = options.device;
    co.block_size = kBlockSize;
    co.max_num_batched_tokens = 512;
    co.max_num_seqs = 8;
    co.max_model_len = kBlocksPerSeq * kBlockSize;
    co.num_kv_blocks = kKvBlocks;
    co.enforce_eager = options.enforce_eager;
    auto candidate = make_cuda_backend(model, co);
    const ParityReport report = compare_backends(reference, *candidate, ParityOptions{kBlocksPerSeq, 3});
    result.ran = true;
    result.passed = report.within(kTolerance, kMinAgreement);
    result.detail = report.summary();
  } catch (const std::exception& e) {
    result.passed = false;
    result.detail = e.what();
  }
  result.seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  return result;
}

}  // namespace vllmctl
