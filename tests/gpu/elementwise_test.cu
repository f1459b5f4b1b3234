// GPU tests of the element-wise kernels (embedding, rms_norm, add_rms_norm, rope_neox,
// silu_and_mul, write_kv, convert): each launcher against its CPU twin on fresh random
// inputs, every dtype, sizes from odd ones (the scalar paths) to Qwen2.5-0.5B/7B shapes
// (the 16-byte paths), plus a bandwidth line for the norms and the activation.
#include <algorithm>
#include <numeric>
#include <stdexcept>
#include <string>

#include "kernels/activation.h"
#include "kernels/convert.h"
#include "kernels/embedding.h"
#include "kernels/kv_cache_write.h"
#include "kernels/rms_norm.h"
#include "kernels/rope.h"
#include "tests/gpu/gpu_check.h"

namespace k = vllmctl::kernels;
using gpu_check::DeviceBuffer;
using gpu_check::DeviceTensor;
using gpu_check::DType;
using gpu_check::Rng;

namespace {

constexpr DType kDTypes[] = {DType::kF32, DType::kF16, DType::kBF16};

std::string label(const char* op, DType t, const std::string& shape) {
  return std::string(op) + " " + gpu_check::dtype_name(t) + " " + shape;
}

// Twin inputs: the F32 values rounded to dtype, as raw bytes (what the GPU also sees).
std::vector<uint8_t> bytes_of(const std::vector<float>& v, DType t) { return gpu_check::to_dtype(v, t); }

void test_embedding(Rng& rng) {
  for (DType t : kDTypes) {
    for (int hidden : {1, 7, 896, 3584}) {
      const int vocab = 1000, num_tokens = 37;
      const auto table = gpu_check::random_floats(static_cast<size_t>(vocab) * hidden, -1, 1, rng);
      std::vector<int32_t> ids(num_tokens);
      for (auto& id : ids) id = rng.uniform_int(0, vocab - 1);
      DeviceTensor d_table(t, table), d_out(t, static_cast<size_t>(num_tokens) * hidden);
      DeviceBuffer<int32_t> d_ids(ids);
      k::cuda::embedding(d_out.get(), d_table.get(), d_ids.get(), num_tokens, hidden, t, nullptr);
      auto tb = bytes_of(table, t);
      std::vector<uint8_t> want(static_cast<size_t>(num_tokens) * hidden * k::dtype_size(t));
      k::cpu::embedding(want.data(), tb.data(), ids.data(), num_tokens, hidden, t);
      gpu_check::check_equal(label("embedding", t, std::to_string(hidden)), d_out.download(),
                             gpu_check::from_dtype(want, t));
    }
  }
}

void test_rms_norm(Rng& rng) {
  const float eps = 1e-6f;
  for (DType t : kDTypes) {
    for (int hidden : {1, 7, 895, 896, 3584, 4096}) {
      for (int num_tokens : {1, 5, 129}) {
        if (gpu_check::quick() && num_tokens > 5) continue;
        const std::string shape = std::to_string(num_tokens) + "x" + std::to_string(hidden);
        const size_t n = static_cast<size_t>(num_tokens) * hidden;
        const auto x = gpu_check::random_floats(n, -4, 4, rng);
        const auto res = gpu_check::random_floats(n, -4, 4, rng);
        const auto w = gpu_check::random_floats(static_cast<size_t>(hidden), 0.2f, 2, rng);
        auto xb = bytes_of(x, t), rb = bytes_of(res, t), wb = bytes_of(w, t), ob = xb;
        DeviceTensor d_x(t, x), d_res(t, res), d_w(t, w), d_out(t, n);

        k::cuda::rms_norm(d_out.get(), d_x.get(), d_w.get(), num_tokens, hidden, eps, t, nullptr);
        k::cpu::rms_norm(ob.data(), xb.data(), wb.data(), num_tokens, hidden, eps, t);
        gpu_check::check_close(label("rms_norm", t, shape), d_out.download(),
                               gpu_check::from_dtype(ob, t), gpu_check::tolerance(t));

        k::cuda::add_rms_norm(d_x.get(), d_res.get(), d_w.get(), num_tokens, hidden, eps, t, nullptr);
        k::cpu::add_rms_norm(xb.data(), rb.data(), wb.data(), num_tokens, hidden, eps, t);
        gpu_check::check_equal(label("add_rms_norm residual", t, shape), d_res.download(),
                               gpu_check::from_dtype(rb, t));
        gpu_check::check_close(label("add_rms_norm out", t, shape), d_x.download(),
                               gpu_check::from_dtype(xb, t), gpu_check::tolerance(t));
      }
    }
  }
}

void test_rope(Rng& rng) {
  struct Shape { int num_heads, num_kv_heads, head_dim; };
  for (DType t : kDTypes) {
    for (Shape s : {Shape{14, 2, 64}, Shape{28, 4, 128}, Shape{32, 8, 128}, Shape{3, 1, 6}, Shape{2, 0, 256}}) {
      for (int num_tokens : {1, 17, 300}) {
        if (gpu_check::quick() && num_tokens > 17) continue;
        for (bool fused : {false, true}) {  // q and k inside [q | k | v] rows, or alone
          const int half = s.head_dim / 2;
          const int64_t qw = static_cast<int64_t>(s.num_heads) * s.head_dim;
          const int64_t kw = static_cast<int64_t>(s.num_kv_heads) * s.head_dim;
          const int64_t q_stride = fused ? qw + 2 * kw : qw, k_stride = fused ? qw + 2 * kw : kw;
          const size_t q_n = static_cast<size_t>(num_tokens * q_stride);
          const size_t k_n = fused ? 0 : static_cast<size_t>(num_tokens * kw);
          const auto q = gpu_check::random_floats(q_n, -2, 2, rng);
          const auto kv = gpu_check::random_floats(k_n, -2, 2, rng);
          std::vector<int32_t> pos(static_cast<size_t>(num_tokens));
          for (auto& p : pos) p = rng.uniform_int(0, 131072);
          pos[0] = 0;
          std::vector<float> inv_freq(static_cast<size_t>(half));
          for (int i = 0; i < half; ++i) inv_freq[static_cast<size_t>(i)] = static_cast<float>(std::pow(1e6, -2.0 * i / s.head_dim));
          DeviceTensor d_q(t, q), d_k(t, kv.empty() ? std::vector<float>{1} : kv);
          DeviceBuffer<int32_t> d_pos(pos);
          DeviceBuffer<float> d_inv(inv_freq);
          const int esize = k::dtype_size(t);
          auto* gq = static_cast<uint8_t*>(d_q.get());
          void* gk = s.num_kv_heads == 0 ? nullptr : fused ? static_cast<void*>(gq + qw * esize) : d_k.get();
          k::cuda::rope_neox(gq, gk, d_pos.get(), d_inv.get(), num_tokens, s.num_heads, s.num_kv_heads,
                             s.head_dim, q_stride, k_stride, t, nullptr);
          auto qb = bytes_of(q, t), kb = bytes_of(kv, t);
          void* ck = s.num_kv_heads == 0 ? nullptr : fused ? static_cast<void*>(qb.data() + qw * esize) : kb.data();
          k::cpu::rope_neox(qb.data(), ck, pos.data(), inv_freq.data(), num_tokens, s.num_heads,
                            s.num_kv_heads, s.head_dim, q_stride, k_stride, t);
          const std::string shape = std::to_string(num_tokens) + "x(" + std::to_string(s.num_heads) + "+" +
                                    std::to_string(s.num_kv_heads) + ")x" + std::to_string(s.head_dim) +
                                    (fused ? " fused" : "");
          gpu_check::check_close(label("rope q", t, shape), d_q.download(), gpu_check::from_dtype(qb, t),
                                 gpu_check::tolerance(t));
          if (!fused && s.num_kv_heads > 0) {
            gpu_check::check_close(label("rope k", t, shape), d_k.download(), gpu_check::from_dtype(kb, t),
                                   gpu_check::tolerance(t));
          }
        }
      }
    }
  }
}

void test_silu_and_mul(Rng& rng) {
  for (DType t : kDTypes) {
    for (int inter : {1, 7, 4864, 18944}) {
      for (int num_tokens : {1, 33}) {
        const auto gu = gpu_check::random_floats(static_cast<size_t>(num_tokens) * 2 * inter, -8, 8, rng);
        DeviceTensor d_gu(t, gu), d_out(t, static_cast<size_t>(num_tokens) * inter);
        k::cuda::silu_and_mul(d_out.get(), d_gu.get(), num_tokens, inter, t, nullptr);
        auto gb = bytes_of(gu, t);
        std::vector<uint8_t> ob(static_cast<size_t>(num_tokens) * inter * k::dtype_size(t));
        k::cpu::silu_and_mul(ob.data(), gb.data(), num_tokens, inter, t);
        gpu_check::check_close(label("silu_and_mul", t, std::to_string(num_tokens) + "x" + std::to_string(inter)),
                               d_out.download(), gpu_check::from_dtype(ob, t), gpu_check::tolerance(t));
      }
    }
  }
}

void test_write_kv(Rng& rng) {
  struct Shape { int num_kv_heads, head_dim; };
  for (DType t : kDTypes) {
    for (Shape s : {Shape{2, 64}, Shape{4, 128}, Shape{1, 3}}) {
      for (bool fused : {false, true}) {
        const int block_size = 16, num_blocks = 64, num_tokens = 300;
        const int64_t row = static_cast<int64_t>(s.num_kv_heads) * s.head_dim;
        const int64_t stride = fused ? 7 * row : row;  // fused: k, v inside wider qkv rows
        const auto k_in = gpu_check::random_floats(static_cast<size_t>(num_tokens * stride), -1, 1, rng);
        const auto v_in = gpu_check::random_floats(static_cast<size_t>(num_tokens * stride), -1, 1, rng);
        std::vector<int32_t> slots(static_cast<size_t>(num_blocks * block_size));
        std::iota(slots.begin(), slots.end(), 0);
        for (size_t i = slots.size() - 1; i > 0; --i) std::swap(slots[i], slots[static_cast<size_t>(rng.uniform_int(0, static_cast<int>(i)))]);
        slots.resize(num_tokens);
        for (int i = 0; i < num_tokens; i += 7) slots[static_cast<size_t>(i)] = -1;
        const size_t cache_n = static_cast<size_t>(num_blocks) * block_size * static_cast<size_t>(row);
        const auto init = gpu_check::random_floats(cache_n, 5, 6, rng);
        DeviceTensor dk(t, init), dv(t, init), d_kin(t, k_in), d_vin(t, v_in);
        DeviceBuffer<int32_t> d_slots(slots);
        k::PagedKv gc{dk.get(), dv.get(), t, num_blocks, block_size, s.num_kv_heads, s.head_dim};
        k::cuda::write_kv(gc, d_kin.get(), d_vin.get(), d_slots.get(), num_tokens, stride, stride, nullptr);
        auto kc = bytes_of(init, t), vc = kc, kb = bytes_of(k_in, t), vb = bytes_of(v_in, t);
        k::PagedKv cc{kc.data(), vc.data(), t, num_blocks, block_size, s.num_kv_heads, s.head_dim};
        k::cpu::write_kv(cc, kb.data(), vb.data(), slots.data(), num_tokens, stride, stride);
        const std::string shape = std::to_string(s.num_kv_heads) + "x" + std::to_string(s.head_dim) + (fused ? " fused" : "");
        gpu_check::check_equal(label("write_kv k", t, shape), dk.download(), gpu_check::from_dtype(kc, t));
        gpu_check::check_equal(label("write_kv v", t, shape), dv.download(), gpu_check::from_dtype(vc, t));
      }
    }
  }
}

void test_convert(Rng& rng) {
  for (DType src : kDTypes) {
    for (DType dst : kDTypes) {
      for (int64_t n : {int64_t{1}, int64_t{3}, int64_t{4096}, int64_t{1000003}}) {
        for (int offset : {0, 1}) {  // offset 1: unaligned, the element-wise path
          auto v = gpu_check::random_floats(static_cast<size_t>(n + offset), -70000, 70000, rng);
          for (size_t i = 0; i < v.size(); i += 3) v[i] *= 1e-9f;  // small values, f16 subnormals
          DeviceTensor d_src(src, v), d_dst(dst, v.size());
          const int ss = k::dtype_size(src), ds = k::dtype_size(dst);
          k::cuda::convert(static_cast<uint8_t*>(d_dst.get()) + offset * ds, dst,
                           static_cast<uint8_t*>(d_src.get()) + offset * ss, src, n, nullptr);
          auto sb = bytes_of(v, src);
          std::vector<uint8_t> want(v.size() * static_cast<size_t>(ds));
          k::cpu::convert(want.data() + offset * ds, dst, sb.data() + offset * ss, src, n);
          auto got = d_dst.download();
          auto w = gpu_check::from_dtype(want, dst);
          got.erase(got.begin(), got.begin() + offset);
          w.erase(w.begin(), w.begin() + offset);
          gpu_check::check_equal(std::string("convert ") + gpu_check::dtype_name(src) + "->" +
                                     gpu_check::dtype_name(dst) + " n=" + std::to_string(n) +
                                     (offset ? " unaligned" : ""),
                                 got, w);
        }
      }
    }
  }
}

// Launchers reject bad shapes with std::invalid_argument before touching the device.
void test_preconditions() {
  auto throws = [](const char* what, auto&& f) {
    bool thrown = false;
    try {
      f();
    } catch (const std::invalid_argument&) {
      thrown = true;
    }
    CHECK_MSG(thrown, "%s did not throw std::invalid_argument", what);
  };
  const DType t = DType::kBF16;
  throws("rms_norm hidden 0", [&] { k::cuda::rms_norm(nullptr, nullptr, nullptr, 1, 0, 1e-6f, t, nullptr); });
  throws("rope odd head_dim", [&] {
    k::cuda::rope_neox(nullptr, nullptr, nullptr, nullptr, 1, 1, 1, 7, 7, 7, t, nullptr);
  });
  throws("rope q_stride", [&] {
    k::cuda::rope_neox(nullptr, nullptr, nullptr, nullptr, 1, 2, 1, 8, 8, 8, t, nullptr);
  });
  throws("silu inter 0", [&] { k::cuda::silu_and_mul(nullptr, nullptr, 1, 0, t, nullptr); });
  throws("write_kv k_stride", [&] {
    k::PagedKv c{nullptr, nullptr, t, 1, 16, 2, 64};
    k::cuda::write_kv(c, nullptr, nullptr, nullptr, 1, 64, 128, nullptr);
  });
  throws("convert n < 0", [&] { k::cuda::convert(nullptr, t, nullptr, DType::kF32, -1, nullptr); });
  throws("embedding num_tokens < 0", [&] { k::cuda::embedding(nullptr, nullptr, nullptr, -1, 8, t, nullptr); });
}

// Effective bandwidth of the memory-bound kernels at Qwen2.5-7B shapes, bf16 (informative).
void report_bandwidth(Rng& rng) {
  const int tokens = 4096, hidden = 3584, inter = 18944;
  const DType t = DType::kBF16;
  DeviceTensor x(t, gpu_check::random_floats(static_cast<size_t>(tokens) * hidden, -1, 1, rng));
  DeviceTensor res(t, gpu_check::random_floats(static_cast<size_t>(tokens) * hidden, -1, 1, rng));
  DeviceTensor w(t, gpu_check::random_floats(static_cast<size_t>(hidden), -1, 1, rng));
  DeviceTensor gu(t, gpu_check::random_floats(static_cast<size_t>(tokens) * 2 * inter, -1, 1, rng));
  DeviceTensor act(t, static_cast<size_t>(tokens) * inter);
  const double norm_bytes = 2.0 * tokens * hidden * 2 * 2;  // x, residual: read + write
  const float ms_norm = gpu_check::time_ms([&] {
    k::cuda::add_rms_norm(x.get(), res.get(), w.get(), tokens, hidden, 1e-6f, t, nullptr);
  });
  const double act_bytes = 2.0 * tokens * inter * 3;  // gate_up read, out written
  const float ms_act = gpu_check::time_ms([&] {
    k::cuda::silu_and_mul(act.get(), gu.get(), tokens, inter, t, nullptr);
  });
  std::printf("bandwidth: add_rms_norm %dx%d bf16 %.1f us (%.0f GB/s); silu_and_mul %dx%d %.1f us (%.0f GB/s)\n",
              tokens, hidden, ms_norm * 1e3, norm_bytes / ms_norm * 1e-6, tokens, inter, ms_act * 1e3,
              act_bytes / ms_act * 1e-6);
}

}  // namespace

int main() {
  GPU_CHECK_REQUIRE_DEVICE();
  Rng rng(20240601);
  test_embedding(rng);
  test_rms_norm(rng);
  test_rope(rng);
  test_silu_and_mul(rng);
  test_write_kv(rng);
  test_convert(rng);
  test_preconditions();
  CUDA_OK(cudaDeviceSynchronize());
  if (!gpu_check::quick()) report_bandwidth(rng);
  CUDA_OK(cudaDeviceSynchronize());
  return gpu_check::finish();
}
