// run_cuda_self_check: before `serve --device auto` trusts a GPU, the CUDA backend runs a
// small random model (head_dim 64, GQA, qkv bias: the Qwen2 family) through the scripted
// workload of compare_backends (backend_parity.h) against the CPU backend. A GPU, driver
// or build whose kernels compute something else is caught at start-up, and auto falls
// back to the CPU with the numbers in the log, instead of serving wrong tokens.
// Costs well under a second after the CUDA context exists.
#pragma once

#include <string>

namespace vllmctl {

struct CudaSelfCheck {
  bool passed = false;
  bool ran = false;    // the comparison ran (false: the backend or its model could not be built)
  std::string detail;  // the parity summary, or the error that stopped the check
  double seconds = 0;
};

struct CudaSelfCheckOptions {
  int device = 0;
  bool enforce_eager = false;  // as the serving backend will run (CUDA graphs or not)
};

// Never throws: any failure (no GPU, a CUDA error, wrong logits) is passed = false.
CudaSelfCheck run_cuda_self_check(const CudaSelfCheckOptions& options);

}  // namespace vllmctl
