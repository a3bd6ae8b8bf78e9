//===- DefaultConfigs.cpp - tile configurations without a tuning cache ----===//

#include "gptq/Autotune/DefaultConfigs.h"

#include <fmt/format.h>

#include <algorithm>

namespace gptq::autotune {

int64_t rowBucket(int64_t rows) {
  if (rows < 0)
    return 16;
  for (int64_t bound : {1, 16, 64, 256, 1024})
    if (rows <= bound)
      return bound;
  return 4096;
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

/// Decode and small batches (M <= 64): the weight is read once (per 16 or
/// 32 rows) and used by few rows, so the kernel is a weight stream (see
/// runtime/device/qmm/stream.cuh). Each CTA's 4 warps split K; each warp
/// keeps `stages - 1` steps of weights in flight through a cp.async ring.
static TileConfig streamTileConfig(const ProblemShape &shape, int64_t bucket) {
  constexpr int64_t kSms = 132; // H100 SXM; A100 has 108, same order
  TileConfig config;
  config.strategy = Strategy::Stream;
  config.blockM = bucket <= 16 ? 16 : 32;
  // 64 columns halve the x traffic per weight byte (it matters at M = 16),
  // but only where that still leaves two CTAs for every SM. At M = 1 with
  // 4- and 8-bit codes 32 columns measured faster (H100, 70B gate-up:
  // 4-bit 161 -> 148 us with 2 ring slots, 8-bit 309 -> 273 us); 2-bit
  // measured faster with 64 (103 vs 120 us), 3-bit was not measured.
  const bool narrowDecode = bucket == 1 && (shape.bits == 4 || shape.bits == 8);
  config.blockN = !narrowDecode && shape.outFeatures % 64 == 0 &&
                          shape.outFeatures / 64 >= 2 * kSms
                      ? 64
                      : 32;
  config.warps = 4;
  // Units per lane per step: as many as keep a lane's step within 32 values
  // (one quantization group; x in registers is then at most 32 registers
  // per 16 rows) and within four 16-byte weight copies.
  const int64_t unitValues = streamUnitValues(shape.bits);
  const int64_t unitWords = shape.bits == 3 ? 3 : 1;
  const int64_t vectors = config.blockN / 32;
  const int64_t maxLaneValues = config.blockM == 16 ? 32 : 16;
  int64_t units = 4;
  while (units > 1 && (units * unitValues > maxLaneValues ||
                       units * vectors * unitWords > 4))
    units /= 2;
  config.blockK = 4 * units * unitValues;
  // Ring depth: as many slots as fit 40 KB of static shared memory (each
  // slot holds, per lane, the weight vectors and one scale/zero vector per
  // column vector), at most 6.
  const int64_t slotBytes = 32 * 16 * (units * unitWords * vectors + vectors);
  config.stages = std::min<int64_t>(6, 40960 / (config.warps * slotBytes));
  // 4-bit decode over many CTAs (at least 8 per SM, so SMs stay full
  // without a deep ring) measured faster with 2 slots than 4 (148 vs
  // 163 us, 70B gate-up, same occupancy; likely because the smaller ring
  // leaves more of the SM's L1 to x). Smaller grids were measured only
  // with 4.
  if (bucket == 1 && shape.bits == 4 &&
      shape.outFeatures / config.blockN >= 8 * kSms)
    config.stages = 2;
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
  (void)arch; // sm_80 and sm_90a share the mma.sync family for now.

  if (shape.bits != 2 && shape.bits != 3 && shape.bits != 4 && shape.bits != 8)
    return Status::error(
        fmt::format("bits = {} must be 2, 3, 4 or 8", shape.bits));
  const int64_t bucket = rowBucket(shape.rows);
  if (bucket <= 64)
    return streamTileConfig(shape, bucket);

  // Larger batches: 64 rows so each dequantized weight tile in shared memory
  // feeds four mma row tiles.
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
