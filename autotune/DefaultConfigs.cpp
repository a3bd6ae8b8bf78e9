//===- DefaultConfigs.cpp - tile configurations without a tuning cache ----===//

#include "gptq/Autotune/DefaultConfigs.h"
#include "gptq/Autotune/TileLegality.h"

#include <fmt/format.h>

#include <algorithm>
#include <optional>

namespace gptq::autotune {

int64_t rowBucket(int64_t rows) {
  if (rows < 0)
    return 16;
  for (int64_t bound : {1, 16, 64, 256, 1024})
    if (rows <= bound)
      return bound;
  return 4096;
}

/// Split-K across a cluster (sm_90+) for pipelined grids that leave SMs
/// idle: the smallest split that gives about two waves of the 12-warp
/// (three CTAs per SM) target, at most `maxSplit` CTAs per tile, each
/// keeping at least 8 of the `steps` K steps.
static int64_t clusterSplit(const std::string &arch, int64_t ctas,
                            int64_t steps, int64_t sms, int64_t maxSplit) {
  const int64_t targetCtas = 2 * sms, kMinSteps = 8;
  if (archVersion(arch) < 90 || ctas <= 0)
    return 1;
  int64_t split = 1;
  while (split < maxSplit && ctas * split < targetCtas &&
         steps / (split + 1) >= kMinSteps)
    ++split;
  return split;
}

/// Split-K of 4-bit pipelined tiles at 33-64 rows (sm_90+), from gptq-tune
/// on the H100 (2026-11-26 17:50 UTC, M = 64, splits 1-4 of the 64 x 128
/// tile on the eight qmm-bench shapes). clusterSplit's two-wave target
/// split these grids 3-4 ways, and 2 was faster wherever the 2-way grid
/// covers the SMs evenly or fills more than one wave well: 70B.o 44.6
/// against 52.3 us (split 4), 70B.down 138.0 against 155.9, 70B.gate-up
/// 203.2 against 221.2 (no split), 7B.qkv 36.6 against 38.6 (split 3),
/// 7B.gate-up 50.4 (already 2). Two exceptions: a 2-way grid just over one
/// CTA per SM (70B.qkv, 160 CTAs on 132 SMs, some SMs doing two tiles'
/// work) lost to 4 (64.3 against 52.5; 3: 63.9), and grids of at most 32
/// column blocks (N <= 4096: 7B.o, 7B.down) ran best split 3 (20.4 and
/// 41.4 us against 25.3 and 56.9 at 2, 23.5 and 47.7 at 4). Each CTA keeps
/// at least 8 of the `steps` K steps.
static int64_t splitAt64Rows(int64_t ctas, int64_t steps, int64_t sms) {
  int64_t split = ctas <= 32                                  ? 3
                  : ctas * 2 > sms && ctas * 2 * 4 <= sms * 5 ? 4
                                                              : 2;
  while (split > 1 && steps / split < 8)
    --split;
  return split;
}

/// The largest of `candidates` that divides `extent`, or 0.
static int64_t largestDivisor(int64_t extent,
                              std::initializer_list<int64_t> candidates) {
  for (int64_t candidate : candidates)
    if (extent % candidate == 0)
      return candidate;
  return 0;
}

int64_t streamUnitValues(int bits) { return bits == 3 ? 32 : 32 / bits; }

/// Decode and small batches (M <= 64): the weight is read once (per 8, 16
/// or 32 rows) and used by few rows, so the kernel is a weight stream (see
/// runtime/device/qmm/stream.cuh): each CTA's warps split K and each lane
/// loads its weights into registers `stages - 1` steps ahead. The choices
/// below were measured on the H100 (scratch sweeps of 2026-11-26, memset
/// L2 flush, against cuBLAS in the same run):
///  - M = 1: 8-row tiles (one mma n8 tile, no wasted rows); 32 columns
///    (4-bit 70B gate-up 112 us against 117 with 64; 2-bit measured faster
///    with 64: 86 vs 91 us); two register buffers.
///  - M = 16: 16-row tiles of 32 columns; 16 values per lane and three
///    buffers, except on small grids (below).
///  - Grids of at most two CTAs per SM get 8 warps instead of 4 (7B.o,
///    M = 1: 11.2 vs 12.4 us; 7B.down 19.3 vs 24.0 us) and, at M = 16,
///    32 values per lane with two buffers (7B.o 15.2 vs 19.3 us); those of
///    at most one CTA per SM on a long K get 16 warps (7B.down).
///  - M = 64 on narrow layers (the pipelined kernel takes the wide ones):
///    32-row tiles, 16 values per lane, two buffers: still slower than
///    cuBLAS (0.6-0.8x).
/// Split-K across a cluster (split_k) did not pay for stream tiles in the
/// gptq-tune runs of 2026-11-26 (H100; N = 4096-8192, M = 1 and 16): a
/// CTA of 8 warps at ~144 registers leaves no room for a second one on its
/// SM, and 4-warp clusters of 2-4 CTAs ran 0.9-1.4x slower than the
/// defaults below, except 70B.down at M = 1 (65.2 against 65.9 us, noise).
static TileConfig streamTileConfig(const std::string &arch,
                                   const ProblemShape &shape, int64_t bucket) {
  TileConfig config;
  config.strategy = Strategy::Stream;
  config.blockM = bucket == 1 ? 8 : bucket <= 16 ? 16 : 32;
  const bool wideDecode = bucket == 1 && shape.bits == 2 &&
                          shape.outFeatures % 64 == 0 &&
                          shape.outFeatures / 64 >= 2 * shape.sms;
  // At 16 rows every CTA reads the whole of x (16 x K) from L2; 64-column
  // blocks halve that traffic. In qmm-bench (2026-11-26 05:10 UTC, H100,
  // 4 bits) that paid only where the 64-column grid is at most one CTA per
  // SM and gets 8 warps: 70B.o 35.7 -> 32.5 us, 70B.down 86.5 -> 79.8 us;
  // on wider layers with 4 warps it lost (7B.qkv 26.1 -> 31.1 us, 70B.qkv
  // 42.4 -> 49.6 us, 70B.gate-up 169.6 -> 174.1 us), and at N = 4096 it lost
  // in the scratch sweep (7B.o 15.1 -> 22.1 us).
  const bool wideBatch =
      bucket == 16 && shape.bits == 4 && shape.outFeatures % 64 == 0 &&
      shape.outFeatures >= 8192 && shape.outFeatures / 64 <= shape.sms;
  config.blockN = wideDecode || wideBatch ? 64 : 32;
  const bool smallGrid = bucket <= 16 && shape.outFeatures / config.blockN <=
                                             (wideBatch ? 1 : 2) * shape.sms;
  // At M = 1, 8 warps pay where every CTA is resident at once: 8-warp
  // decode tiles ask for two CTAs per SM (128 registers, see the emitter),
  // so up to two CTAs per SM. gptq-tune, H100, 2026-11-26, after the decode
  // kernel's instruction diet, against 4 warps: 4-bit 70B.o 19.6 against
  // 20.6 us, 70B.down 52.3 against 57.2; 3-bit 17.6 against 19.5 and 44.6
  // against 53.9; 70B.qkv (320 CTAs) 28.6 against 23.6, so larger grids
  // keep 4 warps.
  const bool eightWarps =
      smallGrid &&
      (bucket > 1 || shape.outFeatures / config.blockN <= 2 * shape.sms);
  // Grids of at most one CTA per SM on a long K get 16 warps: the SM's
  // only CTA then keeps 16 warps busy without a cross-CTA reduction
  // (gptq-tune, H100, 2026-11-26, 7B.down K = 11008: M = 1 16.3 -> 15.9 us
  // at 4 bits, 15.2 -> 14.3 at 3 bits; M = 16 24.5 -> 22.7 with 16 values
  // per lane). At K = 4096 (7B.o) they lost (9.6 against 9.7-10.3 us).
  // Only where measured: 3- and 4-bit at M = 1, 4-bit at M = 16 (3-bit
  // 16-row tiles spill 404 bytes at the 128 registers 16 warps leave);
  // act-order kernels, which spill there too, keep 8.
  const bool sixteenWarps =
      eightWarps && !wideBatch && !shape.actOrder &&
      shape.outFeatures / config.blockN <= shape.sms &&
      shape.inFeatures >= 8192 &&
      (shape.bits == 4 || (shape.bits == 3 && bucket == 1));
  config.warps = sixteenWarps ? 16 : eightWarps ? 8 : 4;
  // Units per lane per step: at most 32 values (16 for M > 1 on grids that
  // fill the GPU, which leaves registers for a third buffer), at most four
  // 16-byte loads (eight on wide 16-row tiles, below), and where it can, a
  // step inside one quantization group,
  // so that scales apply after the mma.
  const int64_t unitValues = streamUnitValues(shape.bits);
  const int64_t unitWords = shape.bits == 3 ? 3 : 1;
  const int64_t vectors = config.blockN / 32;
  // 16-warp tiles at M = 16 hold 16 values per lane: at 32 they measured
  // 1.5x slower (7B.down 35.2 against 22.7 us; 128 registers per thread).
  const int64_t maxLaneValues =
      bucket == 1 || (smallGrid && !(sixteenWarps && bucket > 1)) ? 32 : 16;
  // On sm_90+, 64-column 16-row tiles take 8 loads (32 values of each of
  // the lane's two column vectors): gptq-tune over all 1,180 M = 16
  // candidates (H100, 2026-11-27 03:20 UTC) put `stream m16 n64 k128 w8 s2`
  // first on 70B.down, 62.7 against 69.8 us for the 4-load k64 tile (K = N
  // = 8192: 28.6 against 29.0). 255 registers: ptxas for sm_80 spills 4
  // bytes there, and it was not measured on an sm_80 GPU.
  const int64_t maxLoads = wideBatch && archVersion(arch) >= 90 ? 8 : 4;
  int64_t units = 4;
  while (units > 1 && (units * unitValues > maxLaneValues ||
                       units * vectors * unitWords > maxLoads ||
                       (shape.groupSize > 0 &&
                        shape.groupSize % (4 * units * unitValues) != 0)))
    units /= 2;
  config.blockK = 4 * units * unitValues;
  config.stages = bucket == 16 && !smallGrid && !wideBatch ? 3 : 2;
  return config;
}

/// What checkTile needs of `shape` on `arch` (the callers below ask only for
/// layouts without act-order).
static TileProblem tileProblem(const std::string &arch,
                               const ProblemShape &shape) {
  TileProblem problem;
  problem.bits = shape.bits;
  problem.inFeatures = shape.inFeatures;
  problem.outFeatures = shape.outFeatures;
  problem.groupSize = shape.groupSize;
  problem.arch = arch;
  return problem;
}

/// One row on very wide layers at 4 and 8 bits (and 2-8 rows at 4 bits,
/// below): a stream tile of column warps (stream.cuh), 8 warps of 32
/// columns each walking K side by side, so that each CTA reads 1 KB runs
/// of every packed row instead of the 128-byte runs of the K-splitting
/// decode tile. gptq-tune on the H100
/// (2026-11-27 10:02 UTC, N = 57344, K = 8192, group 128, 25 repetitions):
/// 4-bit 96.8 us against the 16-row pipelined default's 101.6 and the
/// decode tile's 101.2; 8-bit 173.8 against the decode tile's 184.7. 7,
/// 14 and 16 warps (224, 448, 512 columns) ran within 1% of 8; with a
/// split K, or where 256-column CTAs cannot fill the SMs (N = 8192-22016,
/// 10:00 UTC), the K-splitting tiles win by 1.1-3x. 2- and 3-bit decode
/// tiles stay ahead (2-bit 64.3 against 74.5-78.9 us, 3-bit 92.5 against
/// 100.7-105.0), as do 16 rows (the pipelined tile, 106 against 154 us).
/// 2-8 known rows at 4 bits take it too (10:45 UTC, 25 repetitions: M = 2
/// 99.0 against the pipelined tile's 103.4 us, M = 4 99.4 against 102.8,
/// M = 8 100.9 against 102.9; at N = 28672, 112 CTAs, it lost: 63.9-69.6
/// against 59.6-62.7); 8 bits there were not measured.
static std::optional<TileConfig>
columnStreamTileConfig(const std::string &arch, const ProblemShape &shape) {
  constexpr int64_t kWarps = 8, kBlockN = 32 * kWarps;
  const bool oneRow = shape.rows >= 0 && shape.rows <= 1;
  const bool fewRows = shape.rows >= 2 && shape.rows <= 8;
  if (!(oneRow && (shape.bits == 4 || shape.bits == 8)) &&
      !(fewRows && shape.bits == 4))
    return std::nullopt;
  if (shape.actOrder || shape.outFeatures % kBlockN != 0 ||
      2 * (shape.outFeatures / kBlockN) < 3 * shape.sms)
    return std::nullopt;
  TileConfig config;
  config.strategy = Strategy::Stream;
  config.blockM = 8;
  config.blockN = kBlockN;
  config.warps = kWarps;
  config.stages = 2;
  // Steps inside one quantization group, so scales apply after the mma.
  config.blockK = 128;
  while (config.blockK > 32 && shape.groupSize > 0 &&
         shape.groupSize % config.blockK != 0)
    config.blockK /= 2;
  if (!checkTile(config, tileProblem(arch, shape)).ok())
    return std::nullopt;
  return config;
}

/// Batches without act-order: the pipelined kernel (runtime/device/qmm/
/// pipelined.cuh), 64-row x 128-column tiles of 4 warps (one per 32
/// columns, each computing 64 rows), block_k 64 (128 for 3 bits, whose
/// 32-value units allow 32 rows per warp) and as many stages as 48 KB
/// hold, at most 3. Measured on the H100 (scratch sweep of 2026-11-26,
/// 4-bit g128): at M = 256 it beats the `mma` kernel on all eight qmm-bench
/// shapes (1.0-2.3x), 8-warp and 128-row variants were no faster; at
/// M = 64 it beat the stream kernel only on wide layers (N >= 12288:
/// 7B.gate-up 92 against 148 us, 70B.gate-up 360 against 588 us) and loses
/// on narrow ones, whose 32-64 CTAs leave SMs idle, unless K is split
/// across a cluster (sm_90+): then until about two waves of CTAs are there
/// (at most 4 CTAs per tile, each at least 8 steps), which measured
/// 7B.qkv M = 64 70.0 -> 47.5 us (split 3), 70B.qkv 133 -> 66 (split 4),
/// 7B.o M = 256 69.8 -> 66.7 (split 3) on the H100. Returns nothing where
/// no such tile is legal (e.g. one group spanning a K that is not a
/// multiple of block_k).
static std::optional<TileConfig> pipelinedTileConfig(const std::string &arch,
                                                     const ProblemShape &shape,
                                                     int64_t bucket) {
  // At M = 64 the pipelined kernel needs enough column blocks: without
  // clusters N >= 12288; with split-K it also wins on N = 8192-10240
  // (gptq-tune, H100, 2026-11-26: 70B.o 64.8 against the stream kernel's
  // 88.5 us, 70B.qkv 66.1 against 119.4). At N = 4096 (32 column blocks,
  // split 4 ways) only the 4-bit natural-order loop wins (qmm-bench, H100,
  // 2026-11-26 16:00 UTC: 7B.o 23.4 against 26.9 us, 7B.down 46.8 against
  // 50.7); the permuting loop of the other widths lost there (4-bit before
  // the natural order: 7B.o 29.7 against 29.0, 7B.down 65.8 against 57.5).
  // That holds at 64 rows; a 64-row tile costs the same for fewer, while
  // the stream kernel's 32-row blocks cover up to 32 rows in one pass, so
  // the narrow layers switch only above 32 rows (between 33 and 63 not
  // measured).
  const bool clusters = archVersion(arch) >= 90;
  // Up to 16 rows (M known, 2-16) the 4-bit natural-order loop on 16-row
  // tiles (measured first with 64 channels and four stages per step; the
  // 128-channel steps below are faster still) beats the stream kernel on
  // wide layers
  // (gptq-tune, H100, 2026-11-26, M = 16: 7B.qkv 21.8 against 23.6 us,
  // 7B.gate-up 30.5 against 40.7, 70B.qkv 29.9 against 35.8, 70B.gate-up
  // 116.6 against 152.1) and ties or loses up to N = 8192 (70B.o 28.9
  // against 29.2, 7B.o 14.9 against 14.3, 7B.down 28.3 against 22.7,
  // 70B.down 81.2 against 69.8); at M = 1 the stream kernel's 8-row tiles
  // stay ahead (70B.qkv 28.9 against 24.1). Measured with clusters only.
  // Narrow layers (N <= 4096) win too on 64-column tiles of 2 warps with K
  // split 6 ways (gptq-tune, H100, 2026-11-26 17:50 UTC, M = 16: 7B.o 13.1
  // against the stream kernel's 14.3 us, 7B.down 21.2 against 22.9; split
  // 8: 13.0 and 21.9, split 4: 14.2 and 27.5; 128-column tiles 14.8 and
  // 27.7). At N = 8192, once 16-row warps scale after the mma (pipelined.
  // cuh), a K no longer than N wins as well (18:20 UTC: 70B.o 27.0 split 4
  // against the stream kernel's 29.3 us; split 3 26.6) and a long K does
  // not (70B.down, K = 28672: 71.8-75.0 against 69.7).
  const bool narrow16 =
      bucket == 16 && shape.outFeatures <= 4096 && shape.outFeatures % 64 == 0;
  const bool wide16 =
      shape.outFeatures >= 10240 ||
      (shape.outFeatures >= 8192 && shape.inFeatures <= shape.outFeatures);
  if (bucket == 16 && (!clusters || shape.bits != 4 || shape.actOrder ||
                       shape.rows < 2 || (!wide16 && !narrow16)))
    return std::nullopt;
  const int64_t minColumnsAt64 = !clusters                            ? 12288
                                 : shape.bits == 4 && shape.rows > 32 ? 4096
                                                                      : 8192;
  if (shape.actOrder || (bucket == 64 && shape.outFeatures < minColumnsAt64))
    return std::nullopt;
  TileConfig config;
  config.strategy = Strategy::Pipelined;
  config.blockM = bucket == 16 ? 16 : shape.bits == 3 ? 32 : 64;
  config.blockN = narrow16 ? 64 : 128;
  // 16-row tiles take 128 channels per step, half the barriers per weight
  // (gptq-tune, H100, 2026-11-26, M = 16, against k64 with four stages:
  // 70B.gate-up 113.1 against 116.6-119.6 us, 7B.gate-up split 2 29.3
  // against 30.5, 70B.qkv split 4 29.5 against 30.3; 7B.qkv equal).
  config.blockK = shape.bits == 3 || bucket == 16 ? 128 : 64;
  config.warps = narrow16 ? 2 : 4;
  const TileProblem problem = tileProblem(arch, shape);
  const int64_t ctas = shape.outFeatures / config.blockN *
                       ((bucket + config.blockM - 1) / config.blockM);
  // From 256 rows at most 2: the 128 CTAs of 7B.o and 7B.down at M = 256
  // measured 1.33x faster split 2 ways than 3 (gptq-tune, H100,
  // 2026-11-26: 37.0 against 49.5 us, 84.0 against 111.5).
  const int64_t steps = (shape.inFeatures + config.blockK - 1) / config.blockK;
  // 16 rows on a grid whose 2-way split fills 90-100% of one wave (N =
  // 8192 on 132 SMs: 128 CTAs) split 2 ways rather than clusterSplit's 4:
  // gptq-tune (H100, 2026-11-27 12:31 UTC, 25 repetitions, the weights
  // streaming in L2 as every launch now has them) 70B.o 24.2 against 27.1
  // us (split 3: 25.8, unsplit 34.7). A 2-way grid past one wave keeps its
  // split (70B.qkv, 160 CTAs: split 4 27.6 against 33.8 at 2).
  const bool oneWave16 = bucket == 16 && clusters && 2 * ctas <= shape.sms &&
                         20 * ctas >= 9 * shape.sms && steps / 2 >= 8;
  config.splitK =
      narrow16    ? std::min<int64_t>(6, std::max<int64_t>(1, steps / 4))
      : oneWave16 ? 2
      : bucket == 64 && shape.bits == 4 && clusters
          ? splitAt64Rows(ctas, steps, shape.sms)
          : clusterSplit(arch, ctas, steps, shape.sms, bucket >= 256 ? 2 : 4);
  for (config.stages = 3; config.stages >= 2; --config.stages)
    if (checkTile(config, problem).ok())
      return config;
  return std::nullopt;
}

/// Batches of more than 32 rows at 4 bits on sm_90a: the wgmma kernel
/// (runtime/device/qmm/wgmma.cuh). Measured against the pipelined tiles on
/// the H100 (scratch benchmark, 2026-11-27 00:20 UTC, L2 flushed, medians
/// of 20; fp16, group 128):
///  - M = 64: 64 x 64 tiles of one warpgroup, 4 stages (45 KB), K split
///    until about 2.5 CTAs per SM: 7B.qkv 30.0 against the pipelined
///    default's 37.2 us, 7B.o 20.1 against 21.6, 7B.gate-up 48.8 against
///    51.2, 7B.down 38.5 against 44.2, 70B.qkv 45.8 against 53.9, 70B.gate-up
///    196 against 208. Where 2-way split 128-column blocks come to one CTA
///    per SM (N = 8192 on 132 SMs), 64 x 128 tiles of two warpgroups split
///    2 ways instead (gptq-tune, 00:40 UTC: 70B.o 37.2 against 42.6 us,
///    70B.down 109.9 against 127.6; 1.03-1.06x from other tiles elsewhere,
///    not taken).
///  - M = 256: 128 x 128 tiles of two warpgroups, 4 stages (85 KB dynamic
///    and 128 registers: two CTAs per SM; the split ones take 137-142
///    registers, one CTA per SM), split 2 ways where the grid has fewer
///    CTAs than half the SMs: 7B.o 30.2 against
///    37.1, 7B.down 64.8 against 84.0, 70B.o 80.7 against 118, 70B.down 271
///    against 402; gptq-tune (00:40 and 01:05 UTC) on the wide layers:
///    7B.qkv 60.8 against 87.5, 7B.gate-up 97.9 against 166, 70B.qkv 116.6
///    against 148, 70B.gate-up 427.6 against 737 (3 stages: 61.1, 108.0,
///    114.7, 451.6; 5-8 stages, one CTA per SM, up to 1.2x slower; 256 x
///    128 tiles of 3 stages: 64.3, 124.2, 120.2, 466.2).
/// At 16 rows wgmma tiles (m64n16 instructions) lost to the pipelined
/// ones (7B.qkv 23.4 against 21.8 us, 70B.down 92 against 74).
static std::optional<TileConfig> wgmmaTileConfig(const std::string &arch,
                                                 const ProblemShape &shape,
                                                 int64_t bucket) {
  if (arch != "sm_90a" || shape.bits != 4 || shape.actOrder || bucket < 64 ||
      shape.rows <= 32)
    return std::nullopt;
  TileConfig config;
  config.strategy = Strategy::Wgmma;
  config.blockK = 64;
  const int64_t steps = (shape.inFeatures + 63) / 64;
  const int64_t blocks128 = shape.outFeatures / 128;
  if (shape.rows <= 64) {
    config.blockM = 64;
    config.stages = 4;
    if (shape.outFeatures % 128 == 0 && 2 * blocks128 <= shape.sms &&
        8 * blocks128 > 3 * shape.sms && steps >= 16) {
      config.blockN = 128;
      config.warps = 8;
      config.splitK = 2;
    } else {
      config.blockN = 64;
      config.warps = 4;
      const int64_t ctas = shape.outFeatures / 64;
      const int64_t target = 5 * shape.sms / 2;
      int64_t split = ctas >= target ? 1 : (target + ctas - 1) / ctas;
      config.splitK =
          std::min<int64_t>({split, 4, std::max<int64_t>(1, steps / 8)});
    }
  } else {
    config.blockM = 128;
    config.blockN = 128;
    config.warps = 8;
    config.stages = 4;
    const int64_t ctas = blocks128 * ((shape.rows + 127) / 128);
    config.splitK = ctas * 2 < shape.sms && steps >= 16 ? 2 : 1;
  }
  const TileProblem problem = tileProblem(arch, shape);
  for (; config.stages >= 2; --config.stages)
    if (checkTile(config, problem).ok())
      return config;
  return std::nullopt;
}

/// Batches of more than 32 rows at 4 bits on sm_90a: the TMA-fed warpgroup
/// tiles (runtime/device/qmm/wgmma_tma.cuh) at 33-64 rows on layers of at
/// most 1.5 64-column tiles per SM (N <= 12288 on 132 SMs) or K >= 8192,
/// and from 65
/// rows on every layer whose K and groups take 128-channel steps (with
/// groups of 64 only up to 256 rows and N <= 10240); the cp.async wgmma
/// tiles take the rest. At first (2026-11-27 14:38-15:45 UTC) only tiles
/// of one consumer warpgroup. Measured on the H100 against the default cp.async
/// wgmma tiles (scratch benchmark, 2026-11-27, 4-bit group 128, L2
/// flushed, medians of 25; steps of 64 channels at 14:38 UTC, of 128 at
/// 15:16 UTC):
///  - 33-64 rows: 64 x 64 tiles split 2 ways, steps of 128 channels, 4
///    stages (3 where the grid passes two CTAs per SM, so that three fit;
///    6 where it leaves one per SM; between one and two per SM, 64 x 128
///    tiles of two warpgroups with 8 stages; measured below):
///    7B.o 15.1 against 18.1 us, 7B.down 28.1 against 34.8, 70B.o 31.1
///    against 37.9, 70B.down 86.3 against 112.9, 7B.qkv 25.4 against 27.0.
///    Where 2-way tiles come to more than two per SM on a long K (70B.qkv:
///    320 CTAs) steps of 64, 4 stages, split 3 ways (39.6 against 41.4;
///    128-channel steps 41.0). Groups of 64 take steps of 64 channels, 6
///    stages, split 2 (7B.o 15.6). The gate-up layers (N >= 22016) ran 1-6%
///    slower, except 70B.gate-up (162.1 against 165.8): not taken.
///  - From 65 rows (any M since commit 37a9347, 2026-11-27, when one register
///    fence per step made these tiles faster than the wgmma tiles at 256
///    and 1024 rows on every shape; see the rule below), with 128-channel
///    steps: 128-row tiles of one or two warpgroups, 4 stages.
///  - 65-256 rows with steps of 64 channels (groups of 64), and the rule
///    before it: 128 x 64 tiles. Where the unsplit grid is at most one
///    CTA per SM, steps of 128 channels, 3 stages, split 2 ways (7B.o 23.4
///    against 27.6 us, 7B.down 48.2 against 57.8). Between one and two per
///    SM, steps of 64, 4 stages, unsplit (70B.o 67.0 against 74.0, 70B.down
///    226.1 against 240.8; in qmm-bench, with the weights' L2 window, 63.6
///    and 215.1 against 66.7 and 219.4 with 128-channel steps, though the
///    harness had those at 64.2 and 216.1). More than two per SM (70B.qkv,
///    320): steps of 64, 4 stages, split 2 (104.2 against 116.4;
///    128-channel steps 106.4). 7B.qkv (N = 12288: 62.6 against 61.2) and
///    the gate-up layers ran slower.
/// At 16 rows these tiles tied or lost against the 16-row defaults.
static std::optional<TileConfig> wgmmaTmaTileConfig(const std::string &arch,
                                                    const ProblemShape &shape,
                                                    int64_t bucket) {
  if (arch != "sm_90a" || shape.bits != 4 || shape.actOrder ||
      shape.rows <= 32 || shape.outFeatures % 64 != 0)
    return std::nullopt;
  TileConfig config;
  config.strategy = Strategy::WgmmaTma;
  config.blockN = 64;
  config.warps = 5;
  const int64_t columnTiles = shape.outFeatures / 64;
  const int64_t groupSize =
      shape.groupSize > 0 ? shape.groupSize : shape.inFeatures;
  const bool steps128 = shape.inFeatures % 128 == 0 && groupSize % 128 == 0;
  if (shape.rows <= 64) {
    config.blockM = 64;
    if (2 * columnTiles > 3 * shape.sms) {
      // Wide layers (gate-up) keep the cp.async wgmma tiles, except on a
      // long K: unsplit 64 x 64 tiles of 128-channel steps, 4 stages
      // (gptq-tune, H100, 2026-11-27 17:26 and 18:15 UTC, 20 repetitions:
      // 70B.gate-up 155.4 and 155.7 us against the wgmma tile's 162.2 and
      // 161.9; two warpgroups 164.7-166.0). At K = 4096 they tied or lost
      // (7B.gate-up 39.0 against 39.3, two warpgroups 45.6-45.9 against
      // 39.1).
      if (shape.inFeatures < 8192 || !steps128)
        return std::nullopt;
      config.blockK = 128;
      config.stages = 4;
      config.splitK = 1;
    } else {
      const bool crowded =
          2 * columnTiles > 2 * shape.sms && shape.inFeatures >= 8192;
      config.splitK = crowded ? 3 : 2;
      // 128-channel steps where each CTA of the split keeps 8 of them (a
      // short K keeps its split with 64-channel steps instead).
      if (!crowded && steps128 && shape.inFeatures / 128 / 2 >= 8) {
        config.blockK = 128;
        // Three stages where two CTAs per SM are not enough for the grid (so
        // three fit). Where the split grid leaves one CTA per SM, six stages
        // (gptq-tune, H100, 2026-11-27 16:40 UTC, M = 64, 20 repetitions:
        // 7B.o 13.3 against 14.1 us at four, 7B.down 24.8 against 27.8;
        // eight stages 14.2 and 25.5). Between one and two per SM, one CTA
        // of two warpgroups (128 columns, x read once for both) and eight
        // stages instead (16:48 UTC, two rounds of 25 repetitions: 70B.down
        // 79.6 and 78.8 against 84.5 and 83.7 us, 70B.o 29.1 and 28.9
        // against 30.4 and 30.5; four stages 83.1 and 30.8; split 3 or 4
        // 97.4-114.7 and 35.5-42.9). Narrower layers lost with it (7B.o:
        // 64 CTAs, 18.1 against 13.7).
        if (2 * columnTiles > 2 * shape.sms) {
          config.stages = 3;
        } else if (2 * columnTiles > shape.sms &&
                   shape.outFeatures % 128 == 0) {
          config.blockN = 128;
          config.warps = 9;
          config.stages = 8;
        } else {
          config.stages = 2 * columnTiles > shape.sms ? 4 : 6;
        }
      } else {
        config.blockK = 64;
        config.stages = crowded ? 4 : 6;
      }
    }
  } else if (steps128) {
    // From 65 rows: 128-row tiles, 128-channel steps, 4 stages (one CTA per
    // SM), each warpgroup's wgmmas behind one fence (wgmma_tma.cuh). Two
    // warpgroups (128 columns) where their grid's last wave is as full as
    // that of one-warpgroup tiles; otherwise, on a long K, two warpgroups
    // split 2 ways, and on a short one a single warpgroup. gptq-tune on the
    // H100 (2026-11-27 17:27 UTC, M = 256, two rounds of 20 repetitions;
    // against the cp.async wgmma tiles and the earlier wgmma_tma defaults):
    //  - two warpgroups (and wherever they fill two waves or more):
    //    70B.down 186.3 and 185.8 against 215.5 and 215.1 us, 70B.o 55.9
    //    and 55.8 against 64.7 and 63.9, 70B.gate-up 383.4 and 383.7
    //    against 427.0 and 429.0 (the wgmma tile), 7B.gate-up 86.3 and 87.2
    //    against 98.4 and 99.4;
    //  - split 2 ways: 7B.down 43.2 twice against 47.4 and 47.3 (one
    //    warpgroup unsplit 44.7), 70B.qkv 97.5 and 98.8 against 101.6 and
    //    101.8 (one warpgroup unsplit 100.0 and 100.1);
    //  - one warpgroup: 7B.o 20.6 and 20.4 against 22.7 and 22.9 (two split
    //    2 ways 22.8 and 22.9), 7B.qkv 53.5 and 53.7 against 60.5 and 61.5
    //    (two unsplit 57.0 and 57.2).
    // At M = 1024 (17:28 UTC, 10 repetitions) two warpgroups beat the
    // wgmma tiles on all eight shapes by 8-12% (70B.gate-up 1534.2
    // against 1682.6 us, 7B.o 56.6 against 62.4); 64-channel steps tied
    // them. Grids of at most half a wave (not measured: 65-128 rows on
    // narrow layers) split 2 ways.
    config.blockM = 128;
    config.blockK = 128;
    config.stages = 4;
    const int64_t rowBlocks = (shape.rows + 127) / 128;
    auto waves = [&](int64_t ctas) {
      return (ctas + shape.sms - 1) / shape.sms;
    };
    const int64_t ctas64 = columnTiles * rowBlocks;
    const bool twoGroups = shape.outFeatures % 128 == 0;
    // Two or more waves of two-warpgroup CTAs leave little to quantize
    // (M = 1024: 7B.gate-up 307.0 against 368.9 us with one warpgroup).
    const bool fullWaves =
        ctas64 / 2 >= 2 * shape.sms || waves(ctas64) >= 2 * waves(ctas64 / 2);
    config.splitK = 1;
    if (twoGroups && (fullWaves || shape.inFeatures >= 8192)) {
      config.blockN = 128;
      config.warps = 9;
      if (!fullWaves)
        config.splitK = 2;
    }
    const int64_t ctas = shape.outFeatures / config.blockN * rowBlocks;
    if (2 * ctas * config.splitK <= shape.sms)
      config.splitK *= 2;
  } else {
    // 65-256 rows with 64-channel steps (groups of 64).
    if (bucket > 256 || 4 * columnTiles > 5 * shape.sms)
      return std::nullopt;
    config.blockM = 128;
    const int64_t ctas = columnTiles * ((shape.rows + 127) / 128);
    const bool few = ctas <= shape.sms;
    config.splitK = few || ctas > 2 * shape.sms ? 2 : 1;
    const bool wide = few && steps128 && shape.inFeatures / 128 / 2 >= 8;
    config.blockK = wide ? 128 : 64;
    config.stages = wide ? 3 : 4;
  }
  if (shape.inFeatures / config.blockK / config.splitK < 8)
    config.splitK = 1;
  if (!checkTile(config, tileProblem(arch, shape)).ok())
    return std::nullopt;
  return config;
}

Expected<TileConfig> defaultTileConfig(const std::string &arch,
                                       const ProblemShape &shape) {
  if (shape.inFeatures <= 0 || shape.inFeatures % 32 != 0)
    return Status::error(
        fmt::format("input features K = {} must be a positive multiple of 32",
                    shape.inFeatures));
  if (shape.outFeatures <= 0 || shape.outFeatures % 32 != 0)
    return Status::error(
        fmt::format("output features N = {} must be a positive multiple of 32",
                    shape.outFeatures));
  // sm_80 and sm_90a share the mma.sync family; sm_90 adds clusters
  // (split_k).

  if (shape.bits != 2 && shape.bits != 3 && shape.bits != 4 && shape.bits != 8)
    return Status::error(
        fmt::format("bits = {} must be 2, 3, 4 or 8", shape.bits));
  const int64_t bucket = rowBucket(shape.rows);
  // Decode-sized row counts, measured with gptq-tune on the H100
  // (2026-11-26 18:55 UTC, 4 bits, 20-30 repetitions):
  //  - 2-8 known rows on layers up to N = 12288 take the decode tile (8-row
  //    stream tiles, one row block) rather than the 16-row tiles of their
  //    bucket: M = 2 1.11-1.30x faster (70B.o 20.2 against 26.2 us, 7B.qkv
  //    16.9 against 20.5, 70B.down 53.0 against 60.9), M = 8 1.01-1.24x.
  //    Wider layers keep the 16-row pipelined tiles, which win at M = 8
  //    (7B.gate-up 28.4 against 29.3, 70B.gate-up 103.5 against 114.0)
  //    though not always at M = 2 (7B.gate-up 28.2 against 26.3).
  //  - One row on 4-bit layers whose 16-row pipelined grid fills two waves
  //    without a split takes that tile: 70B.gate-up (448 tiles) 102.1-102.8
  //    against the decode tile's 104.2-104.3 us over three runs; with fewer
  //    tiles the decode tile wins or ties (N = 28672: 58.5-58.8 against
  //    58.9-59.2; K = 4096, N = 28672: 34.3 against 35.2; N = 32768, 256
  //    tiles: 62.2-62.4 against 61.4-61.6 unsplit).
  //  - Both give way, first, to the column-warp stream tile where that
  //    applies (columnStreamTileConfig: one row at 4 and 8 bits, 2-8 rows
  //    at 4 bits, on layers of at least 1.5 256-column CTAs per SM).
  if (bucket == 16 && shape.rows >= 2 && shape.rows <= 8 && shape.bits == 4 &&
      !shape.actOrder && shape.outFeatures <= 12288)
    return streamTileConfig(arch, shape, 1);
  if (std::optional<TileConfig> columns = columnStreamTileConfig(arch, shape))
    return *columns;
  if (bucket == 1 && shape.rows == 1 && shape.bits == 4 && !shape.actOrder &&
      shape.outFeatures % 128 == 0 &&
      shape.outFeatures / 128 >= 2 * shape.sms) {
    ProblemShape sixteen = shape;
    sixteen.rows = 16;
    if (std::optional<TileConfig> pipelined =
            pipelinedTileConfig(arch, sixteen, 16);
        pipelined && pipelined->splitK == 1)
      return *pipelined;
  }
  if (std::optional<TileConfig> tma = wgmmaTmaTileConfig(arch, shape, bucket))
    return *tma;
  if (std::optional<TileConfig> wgmma = wgmmaTileConfig(arch, shape, bucket))
    return *wgmma;
  if (bucket >= 16)
    if (std::optional<TileConfig> pipelined =
            pipelinedTileConfig(arch, shape, bucket))
      return *pipelined;
  if (bucket <= 64)
    return streamTileConfig(arch, shape, bucket);

  // Act-order batches, and shapes no pipelined tile fits: 64 rows so each
  // dequantized weight tile in shared memory feeds four mma row tiles.
  TileConfig config;
  config.blockM = 64;
  config.blockN = largestDivisor(shape.outFeatures, {128, 64, 32});
  config.blockK = largestDivisor(shape.inFeatures, {128, 64, 32});
  if (config.blockK > 64)
    config.blockK = 64; // keep shared memory under the 48 KB static limit
  config.warps = config.blockN / 16 >= 4 ? 4 : config.blockN / 16;
  config.stages = 1;
  return config;
}

} // namespace gptq::autotune
