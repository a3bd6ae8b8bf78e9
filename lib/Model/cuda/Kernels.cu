//===- Kernels.cu - Element-wise and attention kernels (GPU forward) ------===//
//
// Written for clarity first: one block per row for the norms, one thread per
// element for the element-wise steps, and an attention kernel that gives
// each (sequence, query, head) one block whose warps stream over the keys
// with an online softmax, so any cache length works without shared memory
// that grows with it. Rounding to fp16 happens where transformers rounds
// (after the norm, after RoPE, after each linear) so logits can be compared.
//
//===----------------------------------------------------------------------===//

// Programmatic dependent launch (sm_90+): the kernels that run right before
// a quantized matmul (norms, attention, the SiLU product, the act-order
// gather) call qmm::allow_dependent_grids() first, so the matmul, launched
// as their programmatic dependent, issues its first weight loads and then
// waits in qmm::wait_for_prior_grids() for this grid to complete and its
// writes to be visible before it reads x. A no-op for any other launch.

#include "Kernels.h"
#include "qmm/gather_columns.cuh"
#include "qmm/types.cuh"

#include <cuda_fp16.h>

#include <algorithm>

namespace gptq::model::cuda {

namespace {

__device__ inline float load(const half_t *p, int64_t i) {
  return __half2float(reinterpret_cast<const __half *>(p)[i]);
}
__device__ inline void store(half_t *p, int64_t i, float v) {
  reinterpret_cast<__half *>(p)[i] = __float2half_rn(v);
}
__device__ inline float roundHalf(float v) {
  return __half2float(__float2half_rn(v));
}

unsigned blocksFor(int64_t count, unsigned threads) {
  return unsigned((count + threads - 1) / threads);
}

__device__ float blockSum(float value, float *scratch) {
  for (int offset = 16; offset > 0; offset /= 2)
    value += __shfl_xor_sync(0xffffffffu, value, offset);
  const int warp = threadIdx.x / 32, lane = threadIdx.x % 32;
  __syncthreads(); // scratch may still be read by a previous call
  if (lane == 0)
    scratch[warp] = value;
  __syncthreads();
  float total = 0.0f;
  for (int w = 0; w < int(blockDim.x / 32); ++w)
    total += scratch[w];
  return total;
}

__global__ void embedKernel(const int32_t *tokens, int64_t T, int64_t start,
                            const half_t *table, const half_t *positions,
                            int64_t offset, int64_t hidden, half_t *out) {
  const int64_t row = blockIdx.x;
  const int64_t token = tokens[row];
  const int64_t position = start + row % T + offset;
  for (int64_t i = threadIdx.x; i < hidden; i += blockDim.x) {
    float value = load(table, token * hidden + i);
    if (positions)
      value += load(positions, position * hidden + i);
    store(out, row * hidden + i, value);
  }
}

__global__ void rmsNormKernel(half_t *x, const half_t *delta,
                              const half_t *weight, const int32_t *perm,
                              int64_t hidden, float eps, half_t *out) {
  qmm::allow_dependent_grids();
  __shared__ float scratch[32];
  const int64_t row = blockIdx.x;
  float sum = 0.0f;
  for (int64_t i = threadIdx.x; i < hidden; i += blockDim.x) {
    float v = load(x, row * hidden + i);
    if (delta) {
      // The residual add first, rounded to fp16 as residualAddKernel
      // stores it; blockSum's barriers make the row visible to the loop
      // below, whose threads read other columns.
      v = roundHalf(v + load(delta, row * hidden + i));
      store(x, row * hidden + i, v);
    }
    sum += v * v;
  }
  const float scale = rsqrtf(blockSum(sum, scratch) / float(hidden) + eps);
  // With `perm`, column i of the output is column perm[i] of the norm's:
  // the same values the norm followed by gatherColumns would give.
  for (int64_t i = threadIdx.x; i < hidden; i += blockDim.x) {
    const int64_t j = perm ? perm[i] : i;
    store(out, row * hidden + i,
          load(weight, j) * roundHalf(load(x, row * hidden + j) * scale));
  }
}

/// rmsNormKernel with the row in registers (kPer values per thread of
/// kNormThreads; hidden <= kPer * kNormThreads): every global load (x, the
/// residual delta, the weight and the permutation) is issued before the
/// reduction, so a row costs one round trip to memory instead of two (a
/// decode step's norms are one block each: 7.3 us under ncu at batch 1,
/// Llama-2-7B, with the loop version). With `perm` the row also goes
/// through shared memory, where other threads gather it from.
constexpr int kNormThreads = 1024;

template <int kPer>
__global__ void __launch_bounds__(kNormThreads)
    rmsNormRowKernel(half_t *x, const half_t *delta, const half_t *weight,
                     const int32_t *perm, int64_t hidden, float eps,
                     half_t *out) {
  qmm::allow_dependent_grids();
  __shared__ float scratch[32];
  __shared__ float rowValues[kPer * kNormThreads];
  const int64_t row = blockIdx.x;
  float value[kPer], scaleOf[kPer];
  int32_t column[kPer];
  float sum = 0.0f;
#pragma unroll
  for (int k = 0; k < kPer; ++k) {
    const int64_t i = threadIdx.x + int64_t(k) * kNormThreads;
    if (i >= hidden)
      continue;
    column[k] = perm ? perm[i] : int32_t(i);
    scaleOf[k] = load(weight, column[k]);
    float v = load(x, row * hidden + i);
    if (delta) {
      v = roundHalf(v + load(delta, row * hidden + i));
      store(x, row * hidden + i, v);
    }
    value[k] = v;
    if (perm)
      rowValues[i] = v;
    sum += v * v;
  }
  // blockSum's barriers also publish rowValues.
  const float scale = rsqrtf(blockSum(sum, scratch) / float(hidden) + eps);
#pragma unroll
  for (int k = 0; k < kPer; ++k) {
    const int64_t i = threadIdx.x + int64_t(k) * kNormThreads;
    if (i >= hidden)
      continue;
    const float v = perm ? rowValues[column[k]] : value[k];
    store(out, row * hidden + i, scaleOf[k] * roundHalf(v * scale));
  }
}

/// rmsNormKernel or, up to 8 values per thread, rmsNormRowKernel.
void launchRmsNorm(half_t *x, const half_t *delta, const half_t *weight,
                   int64_t rows, int64_t hidden, float eps, half_t *out,
                   cudaStream_t stream, const int32_t *perm) {
  const int64_t per = (hidden + kNormThreads - 1) / kNormThreads;
  const unsigned blocks = unsigned(rows);
  if (per <= 1)
    rmsNormRowKernel<1><<<blocks, kNormThreads, 0, stream>>>(
        x, delta, weight, perm, hidden, eps, out);
  else if (per <= 2)
    rmsNormRowKernel<2><<<blocks, kNormThreads, 0, stream>>>(
        x, delta, weight, perm, hidden, eps, out);
  else if (per <= 4)
    rmsNormRowKernel<4><<<blocks, kNormThreads, 0, stream>>>(
        x, delta, weight, perm, hidden, eps, out);
  else if (per <= 8)
    rmsNormRowKernel<8><<<blocks, kNormThreads, 0, stream>>>(
        x, delta, weight, perm, hidden, eps, out);
  else
    rmsNormKernel<<<blocks, kNormThreads, 0, stream>>>(x, delta, weight, perm,
                                                       hidden, eps, out);
}

__global__ void layerNormKernel(const half_t *x, const half_t *weight,
                                const half_t *bias, int64_t hidden, float eps,
                                half_t *out) {
  qmm::allow_dependent_grids();
  __shared__ float scratch[32];
  const int64_t row = blockIdx.x;
  float sum = 0.0f;
  for (int64_t i = threadIdx.x; i < hidden; i += blockDim.x)
    sum += load(x, row * hidden + i);
  const float mean = blockSum(sum, scratch) / float(hidden);
  float squares = 0.0f;
  for (int64_t i = threadIdx.x; i < hidden; i += blockDim.x) {
    const float d = load(x, row * hidden + i) - mean;
    squares += d * d;
  }
  const float inv = rsqrtf(blockSum(squares, scratch) / float(hidden) + eps);
  for (int64_t i = threadIdx.x; i < hidden; i += blockDim.x)
    store(out, row * hidden + i,
          (load(x, row * hidden + i) - mean) * inv * load(weight, i) +
              load(bias, i));
}

__global__ void appendKvKernel(const half_t *k, const half_t *v, int64_t stride,
                               int64_t T, int64_t start, int64_t kvHeads,
                               int64_t headDim, int64_t maxSeq, half_t *kCache,
                               half_t *vCache) {
  const int64_t row = blockIdx.x; // b * T + t
  const int64_t b = row / T, t = row % T;
  for (int64_t i = threadIdx.x; i < kvHeads * headDim; i += blockDim.x) {
    const int64_t h = i / headDim, d = i % headDim;
    const int64_t slot = ((b * kvHeads + h) * maxSeq + start + t) * headDim + d;
    kCache[slot] = k[row * stride + i];
    vCache[slot] = v[row * stride + i];
  }
}

/// RoPE and appendKvKernel in one pass, a block per (row, head) and a
/// thread per rotated pair (decode has one row: one block per row would
/// leave the whole step to one SM). q is rotated in place, k straight into
/// the cache (the forwards read k only from there), and the kv heads'
/// blocks copy v.
__global__ void ropeAppendKvKernel(half_t *q, const half_t *k, const half_t *v,
                                   int64_t qStride, int64_t kvStride, int64_t T,
                                   int64_t start, int64_t heads,
                                   int64_t kvHeads, int64_t headDim,
                                   float theta, float linearFactor,
                                   int64_t maxSeq, half_t *kCache,
                                   half_t *vCache) {
  const int64_t row = blockIdx.x; // b * T + t
  const int64_t h = blockIdx.y;   // q heads, then kv heads
  const int64_t b = row / T, t = row % T;
  const int64_t half = headDim / 2;
  const float position = float(start + t) / linearFactor;
  for (int64_t i = threadIdx.x; i < half; i += blockDim.x) {
    const float invFreq = 1.0f / powf(theta, float(2 * i) / float(headDim));
    float sinA, cosA;
    sincosf(position * invFreq, &sinA, &cosA);
    cosA = roundHalf(cosA); // transformers casts cos/sin to the model dtype
    sinA = roundHalf(sinA);
    if (h < heads) {
      half_t *base = q + row * qStride + h * headDim;
      const float a = load(base, i), c = load(base, i + half);
      store(base, i, a * cosA - c * sinA);
      store(base, i + half, c * cosA + a * sinA);
      continue;
    }
    const int64_t kh = h - heads;
    const int64_t slot = ((b * kvHeads + kh) * maxSeq + start + t) * headDim;
    const half_t *kRow = k + row * kvStride + kh * headDim;
    const float a = load(kRow, i), c = load(kRow, i + half);
    store(kCache, slot + i, a * cosA - c * sinA);
    store(kCache, slot + i + half, c * cosA + a * sinA);
    const half_t *vRow = v + row * kvStride + kh * headDim;
    vCache[slot + i] = vRow[i];
    vCache[slot + i + half] = vRow[i + half];
  }
}

constexpr int kAttentionWarps = 16;
constexpr int kMaxPerLane = 8; // head_dim <= 256
constexpr int kKeysPerStep = 4;

/// grid (T, heads, batch), kAttentionWarps warps. Each warp folds every
/// kAttentionWarps-th group of kKeysPerStep keys into its own running (max,
/// sum, accumulator); the warps' partial results are merged at the end.
/// Decode has one query per head, so the keys are all the parallelism
/// there is: 16 warps and 4 independent keys per step keep enough loads in
/// flight (with 4 warps and one key at a time, a 7B decode step spent most
/// of its time here, each warp waiting on one K and one V load per key).
__global__ void attentionKernel(const half_t *q, int64_t qStride,
                                const half_t *kCache, const half_t *vCache,
                                int64_t T, int64_t start, int64_t heads,
                                int64_t kvHeads, int64_t headDim,
                                int64_t maxSeq, const int32_t *scatter,
                                half_t *out) {
  qmm::allow_dependent_grids();
  const int64_t t = blockIdx.x, h = blockIdx.y, b = blockIdx.z;
  const int64_t kvh = h / (heads / kvHeads);
  const int warp = threadIdx.x / 32, lane = threadIdx.x % 32;
  const int perLane = int(headDim / 32);
  const float scale = rsqrtf(float(headDim));
  const int64_t row = b * T + t;
  const int64_t keys = start + t + 1;

  float qv[kMaxPerLane], acc[kMaxPerLane];
  for (int j = 0; j < perLane; ++j) {
    qv[j] = load(q, row * qStride + h * headDim + lane + 32 * j) * scale;
    acc[j] = 0.0f;
  }
  float runningMax = -INFINITY, runningSum = 0.0f;
  const half_t *kBase = kCache + (b * kvHeads + kvh) * maxSeq * headDim;
  const half_t *vBase = vCache + (b * kvHeads + kvh) * maxSeq * headDim;
  for (int64_t s0 = int64_t(warp) * kKeysPerStep; s0 < keys;
       s0 += int64_t(kAttentionWarps) * kKeysPerStep) {
    float dot[kKeysPerStep];
#pragma unroll
    for (int u = 0; u < kKeysPerStep; ++u) {
      dot[u] = 0.0f;
      if (s0 + u < keys)
        for (int j = 0; j < perLane; ++j)
          dot[u] += qv[j] * load(kBase, (s0 + u) * headDim + lane + 32 * j);
    }
#pragma unroll
    for (int u = 0; u < kKeysPerStep; ++u)
      for (int offset = 16; offset > 0; offset /= 2)
        dot[u] += __shfl_xor_sync(0xffffffffu, dot[u], offset);
    float newMax = runningMax;
#pragma unroll
    for (int u = 0; u < kKeysPerStep; ++u)
      if (s0 + u < keys)
        newMax = fmaxf(newMax, dot[u]);
    const float correction = __expf(runningMax - newMax);
    float p[kKeysPerStep];
    runningSum *= correction;
#pragma unroll
    for (int u = 0; u < kKeysPerStep; ++u) {
      p[u] = s0 + u < keys ? __expf(dot[u] - newMax) : 0.0f;
      runningSum += p[u];
    }
    for (int j = 0; j < perLane; ++j) {
      float value = acc[j] * correction;
#pragma unroll
      for (int u = 0; u < kKeysPerStep; ++u)
        if (s0 + u < keys)
          value += p[u] * load(vBase, (s0 + u) * headDim + lane + 32 * j);
      acc[j] = value;
    }
    runningMax = newMax;
  }

  __shared__ float warpMax[kAttentionWarps], warpSum[kAttentionWarps];
  __shared__ float warpAcc[kAttentionWarps][32 * kMaxPerLane];
  if (lane == 0) {
    warpMax[warp] = runningMax;
    warpSum[warp] = runningSum;
  }
  for (int j = 0; j < perLane; ++j)
    warpAcc[warp][lane + 32 * j] = acc[j];
  __syncthreads();
  float globalMax = -INFINITY;
  for (int w = 0; w < kAttentionWarps; ++w)
    globalMax = fmaxf(globalMax, warpMax[w]);
  for (int64_t d = threadIdx.x; d < headDim; d += blockDim.x) {
    float sum = 0.0f, value = 0.0f;
    for (int w = 0; w < kAttentionWarps; ++w) {
      if (warpSum[w] == 0.0f)
        continue; // this warp saw no key
      const float weight = __expf(warpMax[w] - globalMax);
      sum += warpSum[w] * weight;
      value += warpAcc[w][d] * weight;
    }
    // With `scatter`, column c of the output goes to column scatter[c]:
    // o's input gathered by its act-order permutation.
    const int64_t column = h * headDim + d;
    store(out, row * heads * headDim + (scatter ? scatter[column] : column),
          value / sum);
  }
}

/// The attention for head sizes of 8 * L with L a power of two (32, 64,
/// 128, 256), split over the keys (flash-decoding): decode has one query
/// per head, so the grid (T, heads, batch x splits) puts `splits` blocks on
/// each (query, head), each folding its chunk of keys. L lanes hold a key's
/// head_dim (16 bytes each, one load), so a warp reads 32 / L keys per load
/// and kSplitKeyBatch of those are in flight per lane. With splits > 1
/// every block writes its partial (max, sum, accumulator) to `partials`,
/// and the last block of a (query, head) to arrive (an atomic ticket in
/// `tickets`, reset to 0 by it) merges them; with one split the block
/// writes the output itself. The fp32 math of attentionKernel; only the
/// order of the sums differs.
constexpr int kSplitWarps = 4;
constexpr int kSplitKeyBatch = 4;

__device__ inline void loadHalf8(const half_t *p, float (&v)[8]) {
  const uint4 raw = *reinterpret_cast<const uint4 *>(p);
  const __half2 *h = reinterpret_cast<const __half2 *>(&raw);
#pragma unroll
  for (int i = 0; i < 4; ++i) {
    const float2 f = __half22float2(h[i]);
    v[2 * i] = f.x;
    v[2 * i + 1] = f.y;
  }
}

template <int L>
__global__ void __launch_bounds__(32 * kSplitWarps)
    attentionSplitKernel(const half_t *q, int64_t qStride, const half_t *kCache,
                         const half_t *vCache, int64_t T, int64_t start,
                         int64_t heads, int64_t kvHeads, int64_t maxSeq,
                         int splits, int64_t chunk, const int32_t *scatter,
                         half_t *out, float *partials, unsigned *tickets) {
  qmm::allow_dependent_grids();
  constexpr int kHeadDim = 8 * L;
  constexpr int kSegments = 32 / L; // keys side by side in a warp
  constexpr int kGroups = kSplitWarps * kSegments;
  const int64_t t = blockIdx.x, h = blockIdx.y;
  const int64_t b = blockIdx.z / splits;
  const int split = int(blockIdx.z % splits);
  const int64_t kvh = h / (heads / kvHeads);
  const int warp = threadIdx.x / 32, lane = threadIdx.x % 32;
  const int segment = lane / L, part = lane % L;
  const int64_t row = b * T + t;
  const int64_t keys = start + t + 1;
  const int64_t k0 = split * chunk, k1 = min(keys, k0 + chunk);

  const float scale = rsqrtf(float(kHeadDim));
  float qv[8], acc[8];
  loadHalf8(q + row * qStride + h * kHeadDim + part * 8, qv);
#pragma unroll
  for (int i = 0; i < 8; ++i) {
    qv[i] *= scale;
    acc[i] = 0.0f;
  }
  float runningMax = -INFINITY, runningSum = 0.0f;
  const half_t *kBase = kCache + (b * kvHeads + kvh) * maxSeq * kHeadDim;
  const half_t *vBase = vCache + (b * kvHeads + kvh) * maxSeq * kHeadDim;
  constexpr int kStride = kSplitWarps * kSegments;
  // The trip count is the warp's (not the lane's), so the shuffles below
  // see every lane of the warp.
  for (int64_t base = k0 + warp * kSegments; base < k1;
       base += int64_t(kStride) * kSplitKeyBatch) {
    float dot[kSplitKeyBatch];
    bool valid[kSplitKeyBatch];
#pragma unroll
    for (int u = 0; u < kSplitKeyBatch; ++u) {
      const int64_t key = base + segment + int64_t(u) * kStride;
      valid[u] = key < k1;
      float kv[8] = {};
      if (valid[u])
        loadHalf8(kBase + key * kHeadDim + part * 8, kv);
      dot[u] = 0.0f;
#pragma unroll
      for (int i = 0; i < 8; ++i)
        dot[u] += qv[i] * kv[i];
    }
#pragma unroll
    for (int u = 0; u < kSplitKeyBatch; ++u)
#pragma unroll
      for (int offset = L / 2; offset > 0; offset /= 2)
        dot[u] += __shfl_xor_sync(0xffffffffu, dot[u], offset);
    float newMax = runningMax;
#pragma unroll
    for (int u = 0; u < kSplitKeyBatch; ++u)
      if (valid[u])
        newMax = fmaxf(newMax, dot[u]);
    if (newMax == -INFINITY)
      continue; // no key for this segment in this step
    const float correction = __expf(runningMax - newMax);
    runningSum *= correction;
#pragma unroll
    for (int i = 0; i < 8; ++i)
      acc[i] *= correction;
#pragma unroll
    for (int u = 0; u < kSplitKeyBatch; ++u) {
      if (!valid[u])
        continue;
      const float p = __expf(dot[u] - newMax);
      runningSum += p;
      float vv[8];
      loadHalf8(vBase + (base + segment + int64_t(u) * kStride) * kHeadDim +
                    part * 8,
                vv);
#pragma unroll
      for (int i = 0; i < 8; ++i)
        acc[i] += p * vv[i];
    }
    runningMax = newMax;
  }

  // The block's groups (warp, segment) merged through shared memory.
  __shared__ float groupMax[kGroups], groupSum[kGroups];
  __shared__ float groupAcc[kGroups][kHeadDim];
  __shared__ bool lastBlock;
  const int group = warp * kSegments + segment;
  if (part == 0) {
    groupMax[group] = runningMax;
    groupSum[group] = runningSum;
  }
#pragma unroll
  for (int i = 0; i < 8; ++i)
    groupAcc[group][part * 8 + i] = acc[i];
  __syncthreads();
  float blockMax = -INFINITY;
  for (int g = 0; g < kGroups; ++g)
    blockMax = fmaxf(blockMax, groupMax[g]);
  const int64_t head = row * heads + h;
  for (int d = threadIdx.x; d < kHeadDim; d += blockDim.x) {
    float sum = 0.0f, value = 0.0f;
    if (blockMax != -INFINITY)
      for (int g = 0; g < kGroups; ++g) {
        const float weight = __expf(groupMax[g] - blockMax); // 0 if none
        sum += groupSum[g] * weight;
        value += groupAcc[g][d] * weight;
      }
    if (splits == 1) {
      // With `scatter`, column c of the output goes to column scatter[c].
      const int64_t column = h * kHeadDim + d;
      store(out, row * heads * kHeadDim + (scatter ? scatter[column] : column),
            value / sum);
    } else {
      float *mine = partials + (head * splits + split) * (kHeadDim + 2);
      if (d == 0) {
        mine[0] = blockMax;
        mine[1] = sum;
      }
      mine[2 + d] = value;
    }
  }
  if (splits == 1)
    return;
  // Publish the partial, then take a ticket; the last block merges.
  __threadfence();
  __syncthreads();
  if (threadIdx.x == 0)
    lastBlock = atomicAdd(&tickets[head], 1u) == unsigned(splits - 1);
  __syncthreads();
  if (!lastBlock)
    return;
  __threadfence();
  // Other blocks' writes: read past L1 (__ldcg).
  const float *all = partials + head * splits * (kHeadDim + 2);
  float globalMax = -INFINITY;
  for (int sp = 0; sp < splits; ++sp)
    globalMax = fmaxf(globalMax, __ldcg(all + sp * (kHeadDim + 2)));
  for (int d = threadIdx.x; d < kHeadDim; d += blockDim.x) {
    float sum = 0.0f, value = 0.0f;
    for (int sp = 0; sp < splits; ++sp) {
      const float *p = all + sp * (kHeadDim + 2);
      const float partSum = __ldcg(p + 1);
      if (partSum == 0.0f)
        continue; // a chunk past the last key
      const float weight = __expf(__ldcg(p) - globalMax);
      sum += partSum * weight;
      value += __ldcg(p + 2 + d) * weight;
    }
    const int64_t column = h * kHeadDim + d;
    store(out, row * heads * kHeadDim + (scatter ? scatter[column] : column),
          value / sum);
  }
  if (threadIdx.x == 0)
    tickets[head] = 0; // ready for the next launch
}

// silu(gate) * up as transformers' LlamaMLP rounds it (silu in fp16 first).
__device__ inline float siluTimes(float gate, float up) {
  return roundHalf(gate / (1.0f + __expf(-gate))) * up;
}

// out[m][k] = silu(gate[m][perm[k]]) * up[m][perm[k]] (perm null: k), gate
// and up rows `stride` apart: the product, the act-order gather and the
// split of the joined gate-up linear's output in one pass. Each thread
// reads its inputs before it writes, so out may be up itself when perm is
// null and stride is cols.
__global__ void siluMulRowsKernel(const half_t *gate, const half_t *up,
                                  int64_t stride, const int32_t *perm,
                                  int64_t cols, int64_t count, half_t *out) {
  qmm::allow_dependent_grids();
  const int64_t i = int64_t(blockIdx.x) * blockDim.x + threadIdx.x;
  if (i >= count)
    return;
  const int64_t row = i / cols, col = i - row * cols;
  const int64_t j = row * stride + (perm ? perm[col] : col);
  store(out, i, siluTimes(load(gate, j), load(up, j)));
}

__global__ void biasActKernel(half_t *y, const half_t *bias, int64_t rows,
                              int64_t cols, bool relu) {
  const int64_t i = int64_t(blockIdx.x) * blockDim.x + threadIdx.x;
  if (i >= rows * cols)
    return;
  float v = load(y, i);
  if (bias)
    v = roundHalf(v + load(bias, i % cols));
  if (relu)
    v = fmaxf(v, 0.0f);
  store(y, i, v);
}

__global__ void residualAddKernel(half_t *x, const half_t *delta,
                                  int64_t count) {
  const int64_t i = int64_t(blockIdx.x) * blockDim.x + threadIdx.x;
  if (i < count)
    store(x, i, load(x, i) + load(delta, i));
}

__global__ void gatherLastRowsKernel(const half_t *x, int64_t T, int64_t hidden,
                                     half_t *out) {
  const int64_t b = blockIdx.x;
  for (int64_t i = threadIdx.x; i < hidden; i += blockDim.x)
    out[b * hidden + i] = x[(b * T + T - 1) * hidden + i];
}

__device__ inline uint64_t mix(uint64_t x) { // splitmix64
  x += 0x9e3779b97f4a7c15ull;
  x = (x ^ (x >> 30)) * 0xbf58476d1ce4e5b9ull;
  x = (x ^ (x >> 27)) * 0x94d049bb133111ebull;
  return x ^ (x >> 31);
}

__global__ void fillRandomHalfKernel(half_t *out, int64_t count, uint64_t seed,
                                     float scale, bool positive) {
  const int64_t i = int64_t(blockIdx.x) * blockDim.x + threadIdx.x;
  if (i >= count)
    return;
  const float u = float(mix(seed ^ mix(uint64_t(i))) >> 40) / float(1 << 24);
  store(out, i, positive ? scale * (0.5f + u) : scale * (2.0f * u - 1.0f));
}

__global__ void fillRandomBitsKernel(int32_t *out, int64_t count,
                                     uint64_t seed) {
  const int64_t i = int64_t(blockIdx.x) * blockDim.x + threadIdx.x;
  if (i < count)
    out[i] = int32_t(uint32_t(mix(seed ^ mix(uint64_t(i)))));
}

} // namespace

void embed(const int32_t *tokens, int64_t rows, int64_t T, int64_t start,
           const half_t *table, const half_t *positions, int64_t offset,
           int64_t hidden, half_t *out, cudaStream_t stream) {
  embedKernel<<<unsigned(rows), 256, 0, stream>>>(
      tokens, T, start, table, positions, offset, hidden, out);
}

void rmsNorm(const half_t *x, const half_t *weight, int64_t rows,
             int64_t hidden, float eps, half_t *out, cudaStream_t stream,
             const int32_t *perm) {
  // Without a delta the kernels only read x.
  launchRmsNorm(const_cast<half_t *>(x), nullptr, weight, rows, hidden, eps,
                out, stream, perm);
}

void addRmsNorm(half_t *x, const half_t *delta, const half_t *weight,
                int64_t rows, int64_t hidden, float eps, half_t *out,
                cudaStream_t stream, const int32_t *perm) {
  launchRmsNorm(x, delta, weight, rows, hidden, eps, out, stream, perm);
}

void layerNorm(const half_t *x, const half_t *weight, const half_t *bias,
               int64_t rows, int64_t hidden, float eps, half_t *out,
               cudaStream_t stream) {
  layerNormKernel<<<unsigned(rows), 256, 0, stream>>>(x, weight, bias, hidden,
                                                      eps, out);
}

void ropeAppendKv(half_t *q, const half_t *k, const half_t *v, int64_t qStride,
                  int64_t kvStride, int64_t batch, int64_t T, int64_t start,
                  int64_t heads, int64_t kvHeads, int64_t headDim, float theta,
                  float linearFactor, int64_t maxSeq, half_t *kCache,
                  half_t *vCache, cudaStream_t stream) {
  const dim3 grid{unsigned(batch * T), unsigned(heads + kvHeads)};
  const unsigned threads = unsigned(std::min<int64_t>(headDim / 2, 256));
  ropeAppendKvKernel<<<grid, threads, 0, stream>>>(
      q, k, v, qStride, kvStride, T, start, heads, kvHeads, headDim, theta,
      linearFactor, maxSeq, kCache, vCache);
}

void appendKv(const half_t *k, const half_t *v, int64_t stride, int64_t batch,
              int64_t T, int64_t start, int64_t kvHeads, int64_t headDim,
              int64_t maxSeq, half_t *kCache, half_t *vCache,
              cudaStream_t stream) {
  appendKvKernel<<<unsigned(batch * T), 1024, 0, stream>>>(
      k, v, stride, T, start, kvHeads, headDim, maxSeq, kCache, vCache);
}

void attention(const half_t *q, int64_t qStride, const half_t *kCache,
               const half_t *vCache, int64_t batch, int64_t T, int64_t start,
               int64_t heads, int64_t kvHeads, int64_t headDim, int64_t maxSeq,
               half_t *out, cudaStream_t stream, const int32_t *scatter,
               const AttentionWorkspace &workspace) {
  const int64_t lanesPerKey = headDim / 8;
  if (headDim % 8 == 0 && (lanesPerKey == 4 || lanesPerKey == 8 ||
                           lanesPerKey == 16 || lanesPerKey == 32)) {
    // Split the keys where (query, head) pairs alone would leave the SMs
    // short of warps (decode): about kTargetBlocks blocks of 4 warps (8 per
    // SM on an H100; with 2 per SM, batch 8 of a 7B model decoded 9% slower
    // than the 16-warp kernel), at least one full step of keys each (a
    // warp's keys times the batch in flight, 32 for head_dim 128), and no
    // more partials than the workspace holds.
    constexpr int64_t kTargetBlocks = 1024;
    const int64_t pairs = T * heads * batch;
    const int64_t maxKeys = start + T;
    const int64_t stepKeys = kSplitWarps * (32 / lanesPerKey) * kSplitKeyBatch;
    int64_t splits = 1;
    if (workspace.partials && workspace.tickets && pairs < kTargetBlocks &&
        pairs <= workspace.pairs)
      splits =
          std::max<int64_t>(1, std::min({(kTargetBlocks + pairs - 1) / pairs,
                                         (maxKeys + stepKeys - 1) / stepKeys,
                                         int64_t(workspace.maxSplits)}));
    const int64_t chunk = (maxKeys + splits - 1) / splits;
    const dim3 grid{unsigned(T), unsigned(heads), unsigned(batch * splits)};
    auto launch = [&](auto kernel) {
      kernel<<<grid, 32 * kSplitWarps, 0, stream>>>(
          q, qStride, kCache, vCache, T, start, heads, kvHeads, maxSeq,
          int(splits), chunk, scatter, out, workspace.partials,
          workspace.tickets);
    };
    switch (lanesPerKey) {
    case 4:
      return launch(attentionSplitKernel<4>);
    case 8:
      return launch(attentionSplitKernel<8>);
    case 16:
      return launch(attentionSplitKernel<16>);
    default:
      return launch(attentionSplitKernel<32>);
    }
  }
  const dim3 grid{unsigned(T), unsigned(heads), unsigned(batch)};
  attentionKernel<<<grid, 32 * kAttentionWarps, 0, stream>>>(
      q, qStride, kCache, vCache, T, start, heads, kvHeads, headDim, maxSeq,
      scatter, out);
}

void siluMulRows(const half_t *gate, const half_t *up, int64_t stride,
                 const int32_t *perm, int64_t rows, int64_t cols, half_t *out,
                 cudaStream_t stream) {
  siluMulRowsKernel<<<blocksFor(rows * cols, 256), 256, 0, stream>>>(
      gate, up, stride, perm, cols, rows * cols, out);
}

void biasAct(half_t *y, const half_t *bias, int64_t rows, int64_t cols,
             bool relu, cudaStream_t stream) {
  biasActKernel<<<blocksFor(rows * cols, 256), 256, 0, stream>>>(y, bias, rows,
                                                                 cols, relu);
}

// The JIT's gather kernel (runtime/device/qmm/gather_columns.cuh, which
// NVRTC compiles for lib/Jit and qmm-bench), built here by nvcc: the values
// move as 16-bit patterns.
void gatherColumns(const half_t *x, const int32_t *perm, int64_t rows,
                   int64_t cols, half_t *out, cudaStream_t stream) {
  static_assert(sizeof(half_t) == sizeof(unsigned short));
  qmm_gather_columns<<<blocksFor(rows * cols, 256), 256, 0, stream>>>(
      reinterpret_cast<const unsigned short *>(x), perm,
      reinterpret_cast<unsigned short *>(out), int(rows), int(cols));
}

void residualAdd(half_t *x, const half_t *delta, int64_t count,
                 cudaStream_t stream) {
  residualAddKernel<<<blocksFor(count, 256), 256, 0, stream>>>(x, delta, count);
}

void gatherLastRows(const half_t *x, int64_t batch, int64_t T, int64_t hidden,
                    half_t *out, cudaStream_t stream) {
  gatherLastRowsKernel<<<unsigned(batch), 256, 0, stream>>>(x, T, hidden, out);
}

void fillRandomHalf(half_t *out, int64_t count, uint64_t seed, float scale,
                    bool positive, cudaStream_t stream) {
  fillRandomHalfKernel<<<blocksFor(count, 256), 256, 0, stream>>>(
      out, count, seed, scale, positive);
}

void fillRandomBits(int32_t *out, int64_t count, uint64_t seed,
                    cudaStream_t stream) {
  fillRandomBitsKernel<<<blocksFor(count, 256), 256, 0, stream>>>(out, count,
                                                                  seed);
}

} // namespace gptq::model::cuda
