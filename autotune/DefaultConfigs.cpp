//===- DefaultConfigs.cpp - tile configurations without a tuning cache ----===//

#include "gptq/Autotune/DefaultConfigs.h"

#include <fmt/format.h>

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

Expected<TileConfig> defaultTileConfig(const std::string &arch,
                                       const ProblemShape &shape) {
  if (shape.inFeatures <= 0 || shape.inFeatures % 32 != 0)
    return Status::error(fmt::format(
        "input features K = {} must be a positive multiple of 32",
        shape.inFeatures));
  if (shape.outFeatures <= 0 || shape.outFeatures % 32 != 0)
    return Status::error(fmt::format(
        "output features N = {} must be a positive multiple of 32",
        shape.outFeatures));
  (void)arch; // sm_80 and sm_90a share the mma.sync family for now.

  TileConfig config;
  const int64_t bucket = rowBucket(shape.rows);
  // Decode and small batches: one 16-row mma tile, wide N so each CTA
  // streams a large slice of the weight. Larger batches: 64 rows so each
  // dequantized weight tile feeds four mma row tiles.
  config.blockM = bucket <= 16 ? 16 : bucket <= 64 ? 32 : 64;
  config.blockN = largestDivisor(shape.outFeatures, {128, 64, 32});
  config.blockK = largestDivisor(shape.inFeatures, {128, 64, 32});
  if (bucket > 16 && config.blockK > 64)
    config.blockK = 64; // keep shared memory under the 48 KB static limit
  config.warps = config.blockN / 16 >= 4 ? 4 : config.blockN / 16;
  config.stages = 1;
  return config;
}

} // namespace gptq::autotune
