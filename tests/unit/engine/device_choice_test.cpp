// serve --device: which backend for which host, and the reason a person reads in the log.
// Hosts are described by hand (DeviceFacts), so every case runs without a GPU.
#include "engine/runtime/cuda_self_check.h"
#include "engine/runtime/device_choice.h"
#include "engine/runtime/engine_loader.h"

#include <doctest/doctest.h>

using namespace vllmctl;

namespace {

CudaDevice gpu(int index, const char* name, int major, int minor) {
  return CudaDevice{index, name, major, minor, 80ull << 30};
}

// A host where everything CUDA needs is present: an H200, the driver, cuBLASLt, the build.
DeviceFacts good_host() {
  DeviceFacts f;
  f.cuda_backend_built = true;
  f.probe.usable = true;
  f.probe.driver_version = 13000;
  f.probe.status = "usable";
  f.probe.devices = {gpu(0, "NVIDIA H200", 9, 0)};
  f.probe.cublaslt_found = true;
  f.probe.cublaslt = "libcublasLt.so.13 13.1.0";
  return f;
}

// The same host before the NVIDIA driver is installed.
DeviceFacts no_driver_host() {
  DeviceFacts f = good_host();
  f.probe.usable = false;
  f.probe.driver_version = 0;
  f.probe.devices.clear();
  f.probe.status = "none: no NVIDIA driver found (libcuda.so.1)";
  return f;
}

}  // namespace

TEST_CASE("auto picks the GPU only when the build, a GPU, cuBLASLt and the model all allow it") {
  SUBCASE("everything present") {
    const DeviceChoice c = choose_device("auto", good_host());
    CHECK(c.device == "cuda");
    CHECK(c.cuda_device == 0);
    CHECK(c.reason == "GPU 0 (NVIDIA H200, compute 9.0) with libcublasLt.so.13 13.1.0");
  }
  SUBCASE("a build without nvcc") {
    DeviceFacts f = good_host();
    f.cuda_backend_built = false;
    const DeviceChoice c = choose_device("auto", f);
    CHECK(c.device == "cpu");
    CHECK(c.reason.find("built without nvcc") != std::string::npos);
  }
  SUBCASE("no driver") {
    const DeviceChoice c = choose_device("auto", no_driver_host());
    CHECK(c.device == "cpu");
    CHECK(c.reason == "no usable GPU: no NVIDIA driver found (libcuda.so.1)");
  }
  SUBCASE("only a compute 7.0 GPU") {
    DeviceFacts f = good_host();
    f.probe.usable = false;
    f.probe.devices = {gpu(0, "Tesla V100", 7, 0)};
    f.probe.status = "unusable: no GPU has compute capability 7.5 or newer (CUDA 13's floor)";
    const DeviceChoice c = choose_device("auto", f);
    CHECK(c.device == "cpu");
    CHECK(c.reason.find("7.5 or newer") != std::string::npos);
  }
  SUBCASE("cuBLASLt missing") {
    DeviceFacts f = good_host();
    f.probe.cublaslt_found = false;
    f.probe.cublaslt = "libcublasLt.so.13 not found (...); install CUDA 13's cuBLAS";
    const DeviceChoice c = choose_device("auto", f);
    CHECK(c.device == "cpu");
    CHECK(c.reason.find("cuBLASLt is missing: libcublasLt.so.13 not found") != std::string::npos);
  }
  SUBCASE("a model the kernels cannot run") {
    DeviceFacts f = good_host();
    f.model_unsupported = "the CUDA attention kernels take head_dim 64 or 128, and this model's is 16";
    const DeviceChoice c = choose_device("auto", f);
    CHECK(c.device == "cpu");
    CHECK(c.reason.find("cannot run this model: the CUDA attention kernels") != std::string::npos);
  }
  SUBCASE("the first GPU is too old, the second is not") {
    DeviceFacts f = good_host();
    f.probe.devices = {gpu(0, "Tesla V100", 7, 0), gpu(1, "NVIDIA L4", 8, 9)};
    const DeviceChoice c = choose_device("auto", f);
    CHECK(c.device == "cuda");
    CHECK(c.cuda_device == 1);
    CHECK(c.reason.find("GPU 1 (NVIDIA L4, compute 8.9)") == 0);
  }
}

TEST_CASE("--device cpu and --device cuda are obeyed, or refused with the reason and the fix") {
  CHECK(choose_device("cpu", good_host()).device == "cpu");
  CHECK(choose_device("cpu", DeviceFacts{}).reason == "--device cpu was given");
  const DeviceChoice c = choose_device("cuda", good_host());
  CHECK(c.device == "cuda");
  CHECK(c.reason.find("--device cuda was given; GPU 0 (NVIDIA H200") == 0);

  CHECK_THROWS_WITH(choose_device("cuda", no_driver_host()),
                    "--device cuda: no usable GPU: no NVIDIA driver found (libcuda.so.1); use --device cpu");
  CHECK_THROWS_WITH(choose_device("gpu", good_host()), "--device 'gpu' is not one of auto, cpu, cuda");
}

TEST_CASE("the CUDA self-check never throws; without a GPU it says it could not run, and why") {
  const CudaSelfCheck r = run_cuda_self_check({0, false});
  if (r.passed) {
    MESSAGE("this host has a working GPU: " << r.detail);
    CHECK(r.ran);
    return;
  }
  if (probe_cuda().usable) return;  // a GPU that failed the check: the numbers are in r.detail
  CHECK_FALSE(r.ran);
  // The CUDA backend's own error, or the CPU-only build's.
  CHECK(r.detail.find("cuda") != std::string::npos);
}

TEST_CASE("load_engine: a bad --gpu-memory-utilization or --device is a one-line error") {
  // Options are checked before any file is read: no model is needed.
  EngineLoadOptions o;
  o.model_dir = "/nonexistent";
  o.gpu_memory_utilization = 1.5;
  CHECK_THROWS_WITH(load_engine(o), "--gpu-memory-utilization 1.5 must be in (0, 1], e.g. 0.9");
  o.gpu_memory_utilization = 0.9;
  o.device = "tpu";
  CHECK_THROWS_WITH(load_engine(o), "--device 'tpu' is not one of auto, cpu, cuda");
}
