// weight-read-bench: the time to read the 4-bit packed weights of the
// PEERS.md shapes with no arithmetic at all, timed like qmm-bench (CUDA
// events, a 256 MB memset flushing L2 before every repetition, medians),
// beside the copy ceiling measured in the same run.
//
// Three readers: a plain grid-stride sweep over the weight bytes, the
// decode kernel's access pattern (runtime/device/qmm/stream.cuh: a CTA per
// 32 columns, its warps splitting K, each lane loading 16 bytes of 4
// columns per packed word row straight into registers, `Stages - 1` steps
// ahead) at the occupancies the decode tiles run at, and (sm_90) Hopper's
// bulk copies: one thread per CTA streams 16 KB units (16 packed rows of a
// 256-column block, one cp.async.bulk per row) into a ring of shared-memory
// stages that mbarriers track, the CTAs sharing the units evenly. None is a
// lower bound in theory, but a decode kernel that does its dequantize and
// mma on top of the same loads will not beat the fastest of them: they
// show how much of the gap between the decode kernels and the copy-ceiling
// floor is the read itself (kernel start, the dirty lines the L2 flush
// leaves, the DRAM ramp of a ~20 us kernel) rather than the arithmetic.
// The header also prints an empty kernel timed the same way: the launch
// and event overhead that every time in these tables includes.
#include "common/BenchTiming.h"

#include <cuda_runtime.h>

#include <algorithm>
#include <cstdint>
#include <cstdio>
#include <cstdlib>

#define CHECK_CUDA(call)                                                       \
  do {                                                                         \
    cudaError_t error_ = (call);                                               \
    if (error_ != cudaSuccess) {                                               \
      std::fprintf(stderr, "%s:%d: %s\n", __FILE__, __LINE__,                  \
                   cudaGetErrorString(error_));                                \
      std::exit(1);                                                            \
    }                                                                          \
  } while (0)

namespace {

__device__ __forceinline__ uint4 loadStreaming(const uint32_t *p) {
  uint4 v;
  asm volatile("ld.global.nc.L1::no_allocate.v4.u32 {%0,%1,%2,%3}, [%4];"
               : "=r"(v.x), "=r"(v.y), "=r"(v.z), "=r"(v.w)
               : "l"(p));
  return v;
}

/// Fills `words` with a hash of the index: timing never reads zeros.
__global__ void fill(uint32_t *words, size_t count) {
  for (size_t i = blockIdx.x * size_t(blockDim.x) + threadIdx.x; i < count;
       i += size_t(gridDim.x) * blockDim.x)
    words[i] = uint32_t(i) * 2654435761u ^ 0x5bd1e995u;
}

/// Plain sweep: four 16-byte loads in flight per thread.
__global__ void sweepRead(const uint4 *data, size_t count, uint32_t *sink) {
  uint32_t acc = 0;
  const size_t stride = size_t(gridDim.x) * blockDim.x;
  size_t i = blockIdx.x * size_t(blockDim.x) + threadIdx.x;
  for (; i + 3 * stride < count; i += 4 * stride) {
    const uint4 a = __ldg(data + i), b = __ldg(data + i + stride);
    const uint4 c = __ldg(data + i + 2 * stride),
                d = __ldg(data + i + 3 * stride);
    acc ^= a.x ^ a.w ^ b.y ^ b.z ^ c.x ^ c.w ^ d.y ^ d.z;
  }
  for (; i < count; i += stride)
    acc ^= __ldg(data + i).x;
  if (acc == 0x12345678u) // never true for the fill pattern; keeps the loads
    *sink = acc;
}

/// The decode kernel's pattern for 4-bit words: `Warps` warps split K, lane
/// (g, t) loads columns 4g..4g+3 of 4 consecutive word rows per step
/// (block_k 128), `Stages` register buffers.
template <int Warps, int Stages>
__global__ void __launch_bounds__(Warps * 32)
    decodePatternRead(const uint32_t *qweight, int n, int wordRows,
                      uint32_t *sink) {
  constexpr int kUnits = 4;
  const int warp = threadIdx.x / 32, lane = threadIdx.x % 32;
  const int g = lane / 4, t = lane % 4;
  const int steps = wordRows / (4 * kUnits);
  const uint32_t *base =
      qweight + int64_t(t) * kUnits * n + blockIdx.x * 32 + 4 * g;
  const int64_t stride = int64_t(4) * kUnits * n;
  uint4 buffer[Stages][kUnits];
  uint32_t acc = 0;
  auto load = [&](uint4(&b)[kUnits], int step) {
    if (step < steps)
#pragma unroll
      for (int u = 0; u < kUnits; ++u)
        b[u] = loadStreaming(base + step * stride + int64_t(u) * n);
  };
#pragma unroll
  for (int r = 0; r < Stages - 1; ++r)
    load(buffer[r], warp + r * Warps);
  for (int step = warp; step < steps; step += Stages * Warps) {
#pragma unroll
    for (int r = 0; r < Stages; ++r) {
      if (r > 0 && step + r * Warps >= steps)
        break;
      load(buffer[(r + Stages - 1) % Stages], step + (r + Stages - 1) * Warps);
#pragma unroll
      for (int u = 0; u < kUnits; ++u)
        acc ^=
            buffer[r][u].x ^ buffer[r][u].y ^ buffer[r][u].z ^ buffer[r][u].w;
    }
  }
  if (acc == 0x12345678u)
    *sink = acc;
}

/// Bulk-copy reader: the packed rows form units of `kRowsPerUnit` rows of
/// one `kChunkBytes` column block (units of a block consecutive along K);
/// CTA c takes units [c U / G, (c + 1) U / G). Thread 0 keeps `Stages`
/// units in flight, each completing one mbarrier phase; the other threads
/// only hold the CTA's place on the SM.
template <int Stages>
__global__ void bulkRead(const unsigned char *words, int64_t rowBytes,
                         int wordRows, uint32_t *sink) {
#if defined(__CUDA_ARCH__) && __CUDA_ARCH__ >= 900
  constexpr int kChunkBytes = 1024, kRowsPerUnit = 16;
  constexpr int kUnitBytes = kChunkBytes * kRowsPerUnit;
  extern __shared__ __align__(128) unsigned char ring[];
  __shared__ __align__(8) uint64_t full[Stages];
  if (threadIdx.x != 0)
    return;
  auto sharedAddress = [](const void *p) {
    return static_cast<uint32_t>(__cvta_generic_to_shared(p));
  };
  const int unitsPerBlock = wordRows / kRowsPerUnit;
  const int64_t units = rowBytes / kChunkBytes * unitsPerBlock;
  const int64_t begin = units * blockIdx.x / gridDim.x;
  const int64_t end = units * (blockIdx.x + 1) / gridDim.x;
  for (int s = 0; s < Stages; ++s)
    asm volatile("mbarrier.init.shared::cta.b64 [%0], 1;" ::"r"(
        sharedAddress(&full[s])));
  asm volatile("fence.mbarrier_init.release.cluster;" ::: "memory");
  auto issue = [&](int64_t unit, int slot) {
    const uint32_t barrier = sharedAddress(&full[slot]);
    asm volatile(
        "mbarrier.arrive.expect_tx.shared::cta.b64 _, [%0], %1;" ::"r"(barrier),
        "r"(kUnitBytes)
        : "memory");
    const int64_t block = unit / unitsPerBlock;
    const int64_t row0 = unit % unitsPerBlock * kRowsPerUnit;
    const unsigned char *source = words + row0 * rowBytes + block * kChunkBytes;
    const uint32_t destination = sharedAddress(ring + slot * kUnitBytes);
    for (int r = 0; r < kRowsPerUnit; ++r)
      asm volatile("cp.async.bulk.shared::cluster.global.mbarrier::complete_"
                   "tx::bytes [%0], [%1], %2, [%3];" ::"r"(destination +
                                                           r * kChunkBytes),
                   "l"(source + r * rowBytes), "r"(kChunkBytes), "r"(barrier)
                   : "memory");
  };
  for (int s = 0; s < Stages && begin + s < end; ++s)
    issue(begin + s, s);
  uint32_t acc = 0;
  for (int64_t unit = begin; unit < end; ++unit) {
    const int j = int(unit - begin), slot = j % Stages;
    const uint32_t parity = (j / Stages) & 1;
    uint32_t done = 0;
    while (!done)
      asm volatile("{ .reg .pred p;\n"
                   "mbarrier.try_wait.parity.shared::cta.b64 p, [%1], %2;\n"
                   "selp.u32 %0, 1, 0, p; }"
                   : "=r"(done)
                   : "r"(sharedAddress(&full[slot])), "r"(parity)
                   : "memory");
    acc ^=
        reinterpret_cast<volatile uint32_t *>(ring + slot * kUnitBytes)[j & 63];
    if (unit + Stages < end)
      issue(unit + Stages, slot);
  }
  if (acc == 0x12345678u)
    *sink = acc;
#endif
}

__global__ void emptyKernel() {}

void *flushBuffer;
const size_t kFlushBytes = size_t(256) << 20;

/// One decode-pattern configuration at `ctasPerSm` resident CTAs (limited
/// with dynamic shared memory, as the decode tiles' registers limit them).
template <int Warps, int Stages>
double timeDecodePattern(const uint32_t *qweight, int n, int wordRows,
                         uint32_t *sink, int ctasPerSm, int reps) {
  const int smem = 200 * 1024 / ctasPerSm;
  CHECK_CUDA(cudaFuncSetAttribute(decodePatternRead<Warps, Stages>,
                                  cudaFuncAttributeMaxDynamicSharedMemorySize,
                                  smem));
  return gptq::bench::medianMicroseconds(
      [&] {
        decodePatternRead<Warps, Stages>
            <<<n / 32, Warps * 32, smem>>>(qweight, n, wordRows, sink);
        CHECK_CUDA(cudaGetLastError());
      },
      flushBuffer, kFlushBytes, reps);
}

} // namespace

int main() {
  int device = 0;
  cudaDeviceProp properties;
  if (cudaGetDeviceCount(&device) != cudaSuccess || device == 0) {
    std::printf("No CUDA device: weight-read-bench skipped\n");
    return 0;
  }
  CHECK_CUDA(cudaGetDeviceProperties(&properties, 0));
  CHECK_CUDA(cudaMalloc(&flushBuffer, kFlushBytes));
  uint32_t *sink;
  CHECK_CUDA(cudaMalloc(&sink, 4));
  const int reps = 15;

  // The copy ceiling, as qmm-bench measures it.
  const double ceiling = // TB/s, read + write
      gptq::bench::copyCeilingBytesPerUs(flushBuffer, kFlushBytes) / 1e6;

  const double empty = gptq::bench::medianMicroseconds(
      [&] {
        emptyKernel<<<properties.multiProcessorCount, 128>>>();
        CHECK_CUDA(cudaGetLastError());
      },
      flushBuffer, kFlushBytes, reps);
  // Bulk copies are sm_90 instructions.
  const bool bulk = properties.major >= 9;

  std::printf("# weight-read-bench: %s (%d SMs); copy ceiling %.2f TB/s (read "
              "+ write); medians of %d, L2 flushed\n",
              properties.name, properties.multiProcessorCount, ceiling, reps);
  std::printf("# an empty kernel, timed the same way: %.1f µs (in every time "
              "below)\n",
              empty);
  std::printf("# 4-bit packed weights only (K/8 x N words); floor = bytes / "
              "copy ceiling; decode pattern: warps x register buffers @ "
              "CTAs per SM; bulk: 16 KB cp.async.bulk units, 4 stages @ 2 "
              "CTAs per SM\n\n");
  std::printf("| shape (K×N) | MB | floor µs | sweep µs | decode pattern "
              "4w×2@3 | 4w×3@3 | 8w×2@2 | 8w×3@2 | bulk | floor ÷ best |\n");
  std::printf("|---|---|---|---|---|---|---|---|---|---|\n");
  struct Shape {
    const char *name;
    int k, n;
  };
  const Shape shapes[] = {
      {"7B.qkv", 4096, 12288},     {"7B.o", 4096, 4096},
      {"7B.gateup", 4096, 22016},  {"7B.down", 11008, 4096},
      {"70B.qkv", 8192, 10240},    {"70B.o", 8192, 8192},
      {"70B.gateup", 8192, 57344}, {"70B.down", 28672, 8192}};
  for (const Shape &shape : shapes) {
    const int wordRows = shape.k / 8;
    const size_t words = size_t(wordRows) * shape.n;
    const double bytes = words * 4.0;
    uint32_t *qweight;
    CHECK_CUDA(cudaMalloc(&qweight, words * 4));
    fill<<<1024, 256>>>(qweight, words);
    CHECK_CUDA(cudaGetLastError());
    const double sweep = gptq::bench::medianMicroseconds(
        [&] {
          sweepRead<<<properties.multiProcessorCount * 8, 256>>>(
              reinterpret_cast<const uint4 *>(qweight), words / 4, sink);
          CHECK_CUDA(cudaGetLastError());
        },
        flushBuffer, kFlushBytes, reps);
    const double p[4] = {
        timeDecodePattern<4, 2>(qweight, shape.n, wordRows, sink, 3, reps),
        timeDecodePattern<4, 3>(qweight, shape.n, wordRows, sink, 3, reps),
        timeDecodePattern<8, 2>(qweight, shape.n, wordRows, sink, 2, reps),
        timeDecodePattern<8, 3>(qweight, shape.n, wordRows, sink, 2, reps)};
    // Units of 16 packed rows of a 256-column (1 KB) block.
    const bool bulkFits = bulk && shape.n % 256 == 0 && wordRows % 16 == 0;
    double bulkUs = 0.0;
    if (bulkFits) {
      constexpr int kStages = 4;
      const int smem = kStages * 16 * 1024;
      CHECK_CUDA(cudaFuncSetAttribute(
          bulkRead<kStages>, cudaFuncAttributeMaxDynamicSharedMemorySize,
          smem));
      bulkUs = gptq::bench::medianMicroseconds(
          [&] {
            bulkRead<kStages><<<2 * properties.multiProcessorCount, 32, smem>>>(
                reinterpret_cast<const unsigned char *>(qweight),
                int64_t(shape.n) * 4, wordRows, sink);
            CHECK_CUDA(cudaGetLastError());
          },
          flushBuffer, kFlushBytes, reps);
    }
    double best = std::min({sweep, p[0], p[1], p[2], p[3]});
    if (bulkFits)
      best = std::min(best, bulkUs);
    char bulkCell[32] = "–";
    if (bulkFits)
      std::snprintf(bulkCell, sizeof bulkCell, "%.1f", bulkUs);
    const double floorUs = bytes / (ceiling * 1e6);
    std::printf("| %s (%d×%d) | %.1f | %.1f | %.1f | %.1f | %.1f | %.1f | "
                "%.1f | %s | %.0f%% |\n",
                shape.name, shape.k, shape.n, bytes / 1e6, floorUs, sweep, p[0],
                p[1], p[2], p[3], bulkCell, 100.0 * floorUs / best);
    CHECK_CUDA(cudaFree(qweight));
  }
  return 0;
}
