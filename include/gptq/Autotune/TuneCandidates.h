//===- TuneCandidates.h - the tiles gptq-tune tries -----------*- C++ -*-===//
//
// The search space of gptq-tune: every tile of the code generator's families
// that the legality rules (TileLegality.h) accept for a layout, shape and M
// bucket. Plain C++ so that the space is unit-tested without a GPU.
//
//===----------------------------------------------------------------------===//

#ifndef GPTQ_AUTOTUNE_TUNECANDIDATES_H
#define GPTQ_AUTOTUNE_TUNECANDIDATES_H

#include "gptq/Autotune/DefaultConfigs.h"
#include "gptq/Autotune/TileLegality.h"

#include <cstddef>
#include <vector>

namespace gptq::autotune {

bool operator==(const TileConfig &a, const TileConfig &b);
inline bool operator!=(const TileConfig &a, const TileConfig &b) {
  return !(a == b);
}

/// Legal candidates for `problem` at `rowBucket`, the default configuration
/// `defaultConfig` first, then the others ordered by how few fields differ
/// from it (ties in enumeration order), so that truncating to
/// `maxCandidates` (0: no limit) keeps the neighbourhood of the default.
/// Deterministic.
///
/// - stream (buckets up to 256): block_m 8/16/32, block_n 32/64, block_k
///   32/64/128 (those whole in units of the bit width), warps 2/4/8/16,
///   stages 2..4;
/// - mma (buckets from 16 on): block_m 16/32/64, block_n 32/64/128,
///   block_k 32/64, warps 2/4/8, stages 1 (the mma kernel has no
///   shared-memory pipeline, so deeper stages would compile to the same
///   kernel);
/// - pipelined (buckets from 16 on, no act-order): block_m 16/32/64/128,
///   block_n 64/128/256, block_k 64/128/256, warps 2/4/8, stages 2..4;
/// - stream and pipelined tiles each with split_k 1..4 where
///   `problem.arch` has thread-block clusters (sm_90+) or is empty.
std::vector<TileConfig> tuneCandidates(const TileProblem &problem,
                                       int64_t rowBucket,
                                       const TileConfig &defaultConfig,
                                       size_t maxCandidates = 0);

} // namespace gptq::autotune

#endif // GPTQ_AUTOTUNE_TUNECANDIDATES_H
