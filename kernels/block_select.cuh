// Block-wide building blocks of the sampling kernels (one block per vocabulary row):
// deterministic reductions and scans, and radix_cut, which finds where a running weight,
// accumulated over a row's members in sorted order, first reaches a target. Include only
// from .cu files.
#pragma once

#include <cuda_runtime.h>

#include <cstdint>

namespace vllmctl::kernels::device {

constexpr unsigned kFullMask = 0xffffffffu;
constexpr int kSelectThreads = 1024;  // blockDim.x of every kernel using this file
constexpr int kSelectWarps = kSelectThreads / 32;

// Masses as 2^-56 fixed point: integer sums are exact and order-free, so the radix
// passes agree with each other and results do not depend on scheduling. Rounded up, so
// every positive probability weighs at least one unit (a draw of u = 0 then takes the
// first kept token, as on the host); a row's sum is off by at most vocab * 2^-56.
constexpr double kFixScale = 72057594037927936.0;  // 2^56
constexpr double kFixInv = 1.0 / kFixScale;
__device__ __forceinline__ unsigned long long to_fix(double p) {
  return static_cast<unsigned long long>(ceil(p * kFixScale));
}

struct SelectShared {
  unsigned long long hist_w[256];
  unsigned int hist_n[256];
  unsigned long long red_u64[kSelectWarps];
  double red_f64[kSelectWarps];
  float red_f32[kSelectWarps];
  int red_i32[kSelectWarps];
  int digit;
  unsigned long long cum;
  unsigned int ties;
  int index;
};

// The reduction of v over the block, the same value in every thread, in a fixed order (so
// floating-point sums are reproducible). `red`: kSelectWarps elements of shared memory.
template <class T, class Op>
__device__ __forceinline__ T block_reduce(T v, T* red, Op op) {
  for (int o = 16; o > 0; o >>= 1) v = op(v, __shfl_xor_sync(kFullMask, v, o));
  __syncthreads();  // red may still be read by a previous call
  if ((threadIdx.x & 31) == 0) red[threadIdx.x >> 5] = v;
  __syncthreads();
  v = red[0];
  for (int w = 1; w < kSelectWarps; ++w) v = op(v, red[w]);
  return v;
}

struct Plus {
  template <class T> __device__ T operator()(T a, T b) const { return a + b; }
};
struct Max {
  template <class T> __device__ T operator()(T a, T b) const { return a > b ? a : b; }
};
struct Min {
  template <class T> __device__ T operator()(T a, T b) const { return a < b ? a : b; }
};

// Exclusive prefix sum of v over threads in index order.
__device__ __forceinline__ unsigned long long block_exclusive_scan(unsigned long long v,
                                                                   unsigned long long* red) {
  const int lane = threadIdx.x & 31, warp = threadIdx.x >> 5;
  unsigned long long inc = v;
  for (int o = 1; o < 32; o <<= 1) {
    const unsigned long long n = __shfl_up_sync(kFullMask, inc, o);
    if (lane >= o) inc += n;
  }
  __syncthreads();
  if (lane == 31) red[warp] = inc;
  __syncthreads();
  unsigned long long before = 0;
  for (int w = 0; w < warp; ++w) before += red[w];
  return before + inc - v;
}

// Thread t's contiguous slice [lo, hi) of a row (for walks that must follow index order).
struct Chunk {
  int lo, hi;
  __device__ explicit Chunk(int n) {
    const int size = (n + static_cast<int>(blockDim.x) - 1) / static_cast<int>(blockDim.x);
    lo = min(static_cast<int>(threadIdx.x) * size, n);
    hi = min(lo + size, n);
  }
};

// An element of the row: its probability p = e[i] * inv and the sort key (p's bits; p >= 0,
// so the bits order like the values).
__device__ __forceinline__ float prob(const float* e, float inv, int i) { return __fmul_rn(e[i], inv); }
__device__ __forceinline__ unsigned key_of(float p) { return __float_as_uint(p); }

// The weight of a count: every member weighs 1 (the histogram then needs no sums).
struct UnitWeight {
  __device__ unsigned long long operator()(float) const { return 1ull; }
};
template <class W> constexpr bool kUnitWeight = false;
template <> constexpr bool kUnitWeight<UnitWeight> = true;

struct Cut {
  unsigned key;  // the element's probability bits
  int index;     // -1: the total weight never reached the target
};

// Walks the members of the row (member(i, p)) in sorted order, probability descending and
// index ascending among equals, adding weight(p) (an integer) to a running sum, and
// returns the first member at which reached(sum) holds. REQUIRES: reached monotone in sum;
// all threads of the block call it. Four passes of 8-bit digits over the keys (a
// histogram of counts and weights in shared memory, warp-aggregated atomics), then the
// rank among equal keys (equal weights) and its index by an ordered scan.
template <class Member, class Weight, class Reached>
__device__ Cut radix_cut(const float* e, float inv, int vocab, Member member, Weight weight,
                         Reached reached, SelectShared& sh) {
  const int lane = threadIdx.x & 31;
  unsigned prefix = 0, mask = 0;
  unsigned long long cum_above = 0;  // weight of members whose keys sort before the prefix
  for (int shift = 24; shift >= 0; shift -= 8) {
    for (int d = threadIdx.x; d < 256; d += blockDim.x) {
      sh.hist_n[d] = 0;
      sh.hist_w[d] = 0;
    }
    __syncthreads();
    for (int base = 0; base < vocab; base += blockDim.x) {  // warp-uniform trip count
      const int i = base + static_cast<int>(threadIdx.x);
      int digit = -1;
      unsigned long long w = 0;
      if (i < vocab) {
        const float p = prob(e, inv, i);
        const unsigned key = key_of(p);
        if ((key & mask) == prefix && member(i, p)) {
          digit = static_cast<int>((key >> shift) & 255u);
          w = weight(p);
        }
      }
      // Warp-aggregated: one pair of shared atomics per distinct digit in the warp.
      unsigned pending = __ballot_sync(kFullMask, digit >= 0);
      while (pending) {  // warp-uniform
        const int leader = __ffs(pending) - 1;
        const int d = __shfl_sync(kFullMask, digit, leader);
        const unsigned group = __ballot_sync(kFullMask, digit == d);
        unsigned long long sum = digit == d ? w : 0ull;
        if (!kUnitWeight<Weight>) {
          for (int o = 16; o > 0; o >>= 1) sum += __shfl_xor_sync(kFullMask, sum, o);
        }
        if (lane == leader) {
          const auto n = static_cast<unsigned>(__popc(group));
          atomicAdd(&sh.hist_n[d], n);
          atomicAdd(&sh.hist_w[d], kUnitWeight<Weight> ? static_cast<unsigned long long>(n) : sum);
        }
        pending &= ~group;
      }
    }
    __syncthreads();
    if (threadIdx.x == 0) {
      int chosen = -1;
      unsigned long long cum = cum_above;
      for (int d = 255; d >= 0; --d) {  // high keys first
        if (sh.hist_n[d] == 0) continue;
        if (reached(cum + sh.hist_w[d])) {
          chosen = d;
          break;
        }
        cum += sh.hist_w[d];
      }
      sh.digit = chosen;
      sh.cum = cum;
      sh.ties = chosen >= 0 ? sh.hist_n[chosen] : 0u;
    }
    __syncthreads();
    const int d = sh.digit;
    if (d < 0) return Cut{0u, -1};
    cum_above = sh.cum;
    prefix |= static_cast<unsigned>(d) << shift;
    mask |= 255u << shift;
  }
  // `ties` members share the key `prefix` and one weight; in index order, the first j
  // (1-based) with reached(cum_above + j * w) exists because the last digit reached.
  const unsigned ties = sh.ties;
  const unsigned long long w = weight(__uint_as_float(prefix));
  unsigned lo = 1, hi = ties;
  while (lo < hi) {  // every thread computes the same answer
    const unsigned mid = lo + (hi - lo) / 2;
    if (reached(cum_above + mid * w)) hi = mid; else lo = mid + 1;
  }
  const unsigned rank = lo - 1;
  // The rank-th tie in index order: count per contiguous chunk, scan, walk one chunk.
  const Chunk c(vocab);
  unsigned long long count = 0;
  for (int i = c.lo; i < c.hi; ++i) {
    const float p = prob(e, inv, i);
    if (key_of(p) == prefix && member(i, p)) ++count;
  }
  if (threadIdx.x == 0) sh.index = -1;
  const unsigned long long before = block_exclusive_scan(count, sh.red_u64);
  if (before <= rank && rank < before + count) {
    unsigned long long seen = before;
    for (int i = c.lo; i < c.hi; ++i) {
      const float p = prob(e, inv, i);
      if (key_of(p) == prefix && member(i, p) && seen++ == rank) {
        sh.index = i;
        break;
      }
    }
  }
  __syncthreads();
  const int index = sh.index;
  __syncthreads();  // sh.index is rewritten by the next call
  return Cut{prefix, index};
}

// The first member in index order at which the running weight reaches the target, or -1.
template <class Member, class Weight, class Reached>
__device__ int walk_index_order(const float* e, float inv, int vocab, Member member,
                                Weight weight, Reached reached, SelectShared& sh) {
  const Chunk c(vocab);
  unsigned long long sum = 0;
  for (int i = c.lo; i < c.hi; ++i) {
    const float p = prob(e, inv, i);
    if (member(i, p)) sum += weight(p);
  }
  if (threadIdx.x == 0) sh.index = -1;
  const unsigned long long before = block_exclusive_scan(sum, sh.red_u64);
  if (!reached(before) && reached(before + sum)) {  // exactly one chunk, sums being exact
    unsigned long long cum = before;
    for (int i = c.lo; i < c.hi; ++i) {
      const float p = prob(e, inv, i);
      if (!member(i, p)) continue;
      cum += weight(p);
      if (reached(cum)) {
        sh.index = i;
        break;
      }
    }
  }
  __syncthreads();
  const int index = sh.index;
  __syncthreads();
  return index;
}

}  // namespace vllmctl::kernels::device
