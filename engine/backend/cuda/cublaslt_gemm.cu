// CublasLtGemm: cuBLASLt opened with dlopen, one cached plan per GEMM shape.
#include "engine/backend/cuda/cublaslt_gemm.h"

#include <cublasLt.h>
#include <cuda_runtime.h>
#include <dlfcn.h>

#include <algorithm>
#include <map>
#include <stdexcept>
#include <string>
#include <tuple>

namespace vllmctl::cuda {

namespace {

// The cuBLASLt entry points used here, resolved from the shared library.
struct LtApi {
  void* lib = nullptr;
  decltype(&cublasLtCreate) create = nullptr;
  decltype(&cublasLtDestroy) destroy = nullptr;
  decltype(&cublasLtMatmulDescCreate) desc_create = nullptr;
  decltype(&cublasLtMatmulDescDestroy) desc_destroy = nullptr;
  decltype(&cublasLtMatmulDescSetAttribute) desc_set = nullptr;
  decltype(&cublasLtMatrixLayoutCreate) layout_create = nullptr;
  decltype(&cublasLtMatrixLayoutDestroy) layout_destroy = nullptr;
  decltype(&cublasLtMatmulPreferenceCreate) pref_create = nullptr;
  decltype(&cublasLtMatmulPreferenceDestroy) pref_destroy = nullptr;
  decltype(&cublasLtMatmulPreferenceSetAttribute) pref_set = nullptr;
  decltype(&cublasLtMatmulAlgoGetHeuristic) heuristic = nullptr;
  decltype(&cublasLtMatmul) matmul = nullptr;
  decltype(&cublasLtGetStatusName) status_name = nullptr;  // optional
  decltype(&cublasLtMatmulAlgoCheck) algo_check = nullptr;   // optional
};

const LtApi& lt_api() {
  static const LtApi api = [] {
    LtApi a;
    // Only the CUDA 13 soname: an unversioned libcublasLt.so may be another major version.
    a.lib = dlopen("libcublasLt.so.13", RTLD_NOW | RTLD_LOCAL);
    if (!a.lib) {
      throw std::runtime_error(std::string("cuBLASLt: cannot open libcublasLt.so.13 (") + dlerror() +
                               "); install the CUDA 13 toolkit's libcublas or add its lib64 to LD_LIBRARY_PATH");
    }
    auto sym = [&](auto& fn, const char* name, bool optional = false) {
      fn = reinterpret_cast<std::remove_reference_t<decltype(fn)>>(dlsym(a.lib, name));
      if (!fn && !optional) throw std::runtime_error(std::string("cuBLASLt: symbol ") + name + " not found");
    };
    sym(a.create, "cublasLtCreate");
    sym(a.destroy, "cublasLtDestroy");
    sym(a.desc_create, "cublasLtMatmulDescCreate");
    sym(a.desc_destroy, "cublasLtMatmulDescDestroy");
    sym(a.desc_set, "cublasLtMatmulDescSetAttribute");
    sym(a.layout_create, "cublasLtMatrixLayoutCreate");
    sym(a.layout_destroy, "cublasLtMatrixLayoutDestroy");
    sym(a.pref_create, "cublasLtMatmulPreferenceCreate");
    sym(a.pref_destroy, "cublasLtMatmulPreferenceDestroy");
    sym(a.pref_set, "cublasLtMatmulPreferenceSetAttribute");
    sym(a.heuristic, "cublasLtMatmulAlgoGetHeuristic");
    sym(a.matmul, "cublasLtMatmul");
    sym(a.status_name, "cublasLtGetStatusName", true);
    sym(a.algo_check, "cublasLtMatmulAlgoCheck", true);
    return a;
  }();
  return api;
}

cudaDataType_t cuda_type(kernels::DType t) {
  switch (t) {
    case kernels::DType::kF32: return CUDA_R_32F;
    case kernels::DType::kF16: return CUDA_R_16F;
    case kernels::DType::kBF16: return CUDA_R_16BF;
  }
  return CUDA_R_32F;
}

const char* dtype_name(kernels::DType t) {
  return t == kernels::DType::kF32 ? "f32" : t == kernels::DType::kF16 ? "f16" : "bf16";
}

using Key = std::tuple<int, int, int, int, int, bool, int>;  // m, n, k, in, out, bias, algo_m

struct Plan {
  cublasLtMatmulDesc_t desc = nullptr;
  cublasLtMatrixLayout_t a = nullptr, b = nullptr, d = nullptr;
  cublasLtMatmulAlgo_t algo{};
};

}  // namespace

struct CublasLtGemm::Impl {
  const LtApi* api = nullptr;
  cublasLtHandle_t handle = nullptr;
  void* workspace = nullptr;
  size_t workspace_bytes = 0;
  std::map<Key, Plan> plans;

  std::string shape(const Key& key) const {
    auto [m, n, k, in, out, bias, algo_m] = key;
    return "GEMM m=" + std::to_string(m) + " n=" + std::to_string(n) + " k=" + std::to_string(k) + " " +
           dtype_name(static_cast<kernels::DType>(in)) + "->" + dtype_name(static_cast<kernels::DType>(out)) +
           (bias ? " +bias" : "") + (algo_m != m ? " (algorithm of m=" + std::to_string(algo_m) + ")" : "");
  }

  void check(cublasStatus_t st, const char* what, const Key& key) const {
    if (st == CUBLAS_STATUS_SUCCESS) return;
    const std::string name = api->status_name ? api->status_name(st) : "status " + std::to_string(int(st));
    throw std::runtime_error("cuBLASLt " + std::string(what) + " failed for " + shape(key) + ": " + name);
  }

  void destroy(Plan& p) const {
    if (p.desc) api->desc_destroy(p.desc);
    if (p.a) api->layout_destroy(p.a);
    if (p.b) api->layout_destroy(p.b);
    if (p.d) api->layout_destroy(p.d);
  }

  // Gives p (the plan of `key`, layouts made) the algorithm of the plan for algo_m rows
  // when cuBLASLt accepts it for key's m within the workspace; false: p needs its own.
  bool shared_algo(const Key& key, Plan& p) {
    if (!api->algo_check) return false;
    auto [m, n, k, in, out, bias, algo_m] = key;
    const Plan& wide = plan(Key{algo_m, n, k, in, out, bias, algo_m});
    cublasLtMatmulHeuristicResult_t result{};
    const cublasStatus_t st = api->algo_check(handle, p.desc, p.a, p.b, p.d, p.d, &wide.algo, &result);
    if (st != CUBLAS_STATUS_SUCCESS || result.workspaceSize > workspace_bytes) return false;
    p.algo = wide.algo;
    return true;
  }

  // Column-major view: D^T [n, m] = W [n, k] (w row-major = col-major [k, n], transposed)
  //                                 · X^T [k, m] (x row-major = col-major [k, m]).
  Plan& plan(const Key& key) {
    auto it = plans.find(key);
    if (it != plans.end()) return it->second;
    auto [m, n, k, in, out, bias, algo_m] = key;
    const cudaDataType_t tin = cuda_type(static_cast<kernels::DType>(in));
    const cudaDataType_t tout = cuda_type(static_cast<kernels::DType>(out));
    Plan p;
    try {
      check(api->desc_create(&p.desc, CUBLAS_COMPUTE_32F, CUDA_R_32F), "MatmulDescCreate", key);
      const cublasOperation_t ta = CUBLAS_OP_T, tb = CUBLAS_OP_N;
      check(api->desc_set(p.desc, CUBLASLT_MATMUL_DESC_TRANSA, &ta, sizeof(ta)), "set TRANSA", key);
      check(api->desc_set(p.desc, CUBLASLT_MATMUL_DESC_TRANSB, &tb, sizeof(tb)), "set TRANSB", key);
      if (bias) {
        const cublasLtEpilogue_t epi = CUBLASLT_EPILOGUE_BIAS;
        check(api->desc_set(p.desc, CUBLASLT_MATMUL_DESC_EPILOGUE, &epi, sizeof(epi)), "set EPILOGUE", key);
        check(api->desc_set(p.desc, CUBLASLT_MATMUL_DESC_BIAS_DATA_TYPE, &tout, sizeof(tout)), "set BIAS_DATA_TYPE",
              key);
      }
      check(api->layout_create(&p.a, tin, k, n, k), "layout A", key);
      check(api->layout_create(&p.b, tin, k, m, k), "layout B", key);
      check(api->layout_create(&p.d, tout, n, m, n), "layout D", key);
      if (algo_m != m && shared_algo(key, p)) return plans.emplace(key, p).first->second;
      cublasLtMatmulPreference_t pref = nullptr;
      check(api->pref_create(&pref), "PreferenceCreate", key);
      const uint64_t ws = workspace_bytes;
      cublasStatus_t st = api->pref_set(pref, CUBLASLT_MATMUL_PREF_MAX_WORKSPACE_BYTES, &ws, sizeof(ws));
      cublasLtMatmulHeuristicResult_t result{};
      int found = 0;
      if (st == CUBLAS_STATUS_SUCCESS) {
        st = api->heuristic(handle, p.desc, p.a, p.b, p.d, p.d, pref, 1, &result, &found);
      }
      api->pref_destroy(pref);
      check(st, "AlgoGetHeuristic", key);
      if (found == 0) check(CUBLAS_STATUS_NOT_SUPPORTED, "AlgoGetHeuristic (no algorithm)", key);
      p.algo = result.algo;
    } catch (...) {
      destroy(p);
      throw;
    }
    return plans.emplace(key, p).first->second;
  }
};

CublasLtGemm::CublasLtGemm(size_t workspace_bytes) : impl_(std::make_unique<Impl>()) {
  impl_->api = &lt_api();
  const cublasStatus_t st = impl_->api->create(&impl_->handle);
  if (st != CUBLAS_STATUS_SUCCESS) {
    throw std::runtime_error("cuBLASLt: cublasLtCreate failed (status " + std::to_string(int(st)) + ")");
  }
  if (workspace_bytes > 0) {
    const cudaError_t err = cudaMalloc(&impl_->workspace, workspace_bytes);
    if (err != cudaSuccess) {
      impl_->api->destroy(impl_->handle);
      throw std::runtime_error(std::string("cuBLASLt workspace: cudaMalloc failed: ") + cudaGetErrorString(err));
    }
  }
  impl_->workspace_bytes = workspace_bytes;
}

CublasLtGemm::~CublasLtGemm() {
  for (auto& [key, plan] : impl_->plans) impl_->destroy(plan);
  if (impl_->workspace) cudaFree(impl_->workspace);
  if (impl_->handle) impl_->api->destroy(impl_->handle);
}

size_t CublasLtGemm::num_cached_plans() const { return impl_->plans.size(); }

void CublasLtGemm::matmul(void* out, kernels::DType out_dtype, const void* x, const void* w, const void* bias,
                          int m, int n, int k, kernels::DType in_dtype, cudaStream_t stream, int algo_m) {
  const Key key{m, n, k, static_cast<int>(in_dtype), static_cast<int>(out_dtype), bias != nullptr,
                std::max(algo_m, m)};
  if (m <= 0 || n <= 0 || k <= 0 || in_dtype == kernels::DType::kF32 ||
      (out_dtype != in_dtype && out_dtype != kernels::DType::kF32)) {
    throw std::runtime_error("cuBLASLt: unsupported " + impl_->shape(key));
  }
  Plan& p = impl_->plan(key);
  if (bias) {
    impl_->check(impl_->api->desc_set(p.desc, CUBLASLT_MATMUL_DESC_BIAS_POINTER, &bias, sizeof(bias)),
                 "set BIAS_POINTER", key);
  }
  const float alpha = 1.0f, beta = 0.0f;
  impl_->check(impl_->api->matmul(impl_->handle, p.desc, &alpha, w, p.a, x, p.b, &beta, out, p.d, out, p.d, &p.algo,
                                  impl_->workspace, impl_->workspace_bytes, stream),
               "Matmul", key);
}

}  // namespace vllmctl::cuda
