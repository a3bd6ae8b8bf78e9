//===- TileLegality.h - tiles the code generator accepts --------*- C++ -*-===//
//
// One statement of the rules a #qmm.tile must satisfy, in plain C++ (no
// MLIR) so that three places agree on them: the #qmm.tile verifier and the
// qmm-tile pass (lib/Dialect/QMM, lib/Transforms), the autotune cache when
// it loads entries written by someone else, and gptq-tune when it
// enumerates candidates. Messages are phrased to follow an op name, e.g.
// "'qmm.matmul' op stream tiles need block_m = 16 or 32, got 48".
//
//===----------------------------------------------------------------------===//

#ifndef GPTQ_AUTOTUNE_TILELEGALITY_H
#define GPTQ_AUTOTUNE_TILELEGALITY_H

#include "gptq/Autotune/DefaultConfigs.h"
#include "gptq/Support/Status.h"

#include <cstdint>
#include <string>

namespace gptq::autotune {

/// Shared memory a CTA may use without the dynamic opt-in (the emitted
/// kernels declare their buffers statically).
constexpr int64_t kStaticSharedBytesLimit = 48 * 1024;
/// What an sm_90 CTA may have with the opt-in (wgmma tiles past 48 KB).
constexpr int64_t kMaxSharedBytesPerBlock = 227 * 1024;

/// What a tile is checked against besides its own fields.
struct TileProblem {
  int bits = 4;
  bool actOrder = false;
  int64_t inFeatures = 0;  // K
  int64_t outFeatures = 0; // N
  /// Input channels per quantization group; -1 when one group spans K.
  int64_t groupSize = -1;
  /// Target architecture ("sm_90a"); empty: not checked (see
  /// checkTileForArch).
  std::string arch;
};

/// How a pipelined tile divides its warps (runtime/device/qmm/
/// pipelined.cuh's Geometry): 32-column blocks, row blocks of at most 64
/// rows (32 for 3 bits) and slices of each step's channels.
struct PipelinedWarps {
  int64_t columnBlocks = 0;
  int64_t rowBlocks = 0;
  int64_t warpRows = 0;
  int64_t slices = 0;
};
PipelinedWarps pipelinedWarps(const TileConfig &config, int bits);

/// The shape-independent rules of the mma.sync m16n8k16 family that every
/// #qmm.tile obeys (the attribute verifier): warps 1/2/4/8 (also 16 for
/// stream tiles), block_m a multiple of 16 (8 for stream), block_n of
/// 8 * warps (32 for stream and pipelined, 64 for wgmma and wgmma_tma),
/// block_k of 32, stages >= 1; wgmma_tma tiles take 5 or 9 warps.
Status checkTileFields(const TileConfig &config);

/// Shared memory of one CTA of `config` on `problem` (the strategy's
/// buffers as runtime/device/qmm declares them; static, except for wgmma
/// tiles past 48 KB).
int64_t tileSharedBytes(const TileConfig &config, const TileProblem &problem);

/// The dynamic shared memory a launch of `config` must pass (and opt in
/// to): wgmma tiles whose buffers exceed 48 KB, and every wgmma_tma tile,
/// take them dynamically, plus 1024 bytes to align them; every other tile
/// 0.
int64_t launchDynamicSharedBytes(const TileConfig &config,
                                 const TileProblem &problem);

/// The rules that depend on the layout and the shape (the qmm-tile pass):
/// the stream building block's static requirements, K and N divisibility,
/// static shared memory, and the architecture's where `problem.arch` is
/// set. Assumes checkTileFields passed.
Status checkTileForProblem(const TileConfig &config,
                           const TileProblem &problem);

/// Both of the above.
Status checkTile(const TileConfig &config, const TileProblem &problem);

/// The compute capability of an architecture name ("sm_80" -> 80,
/// "sm_90a" -> 90), or 0 when it is not of that form.
int archVersion(const std::string &arch);

/// The rules that depend on the target GPU: split_k > 1 needs thread-block
/// clusters (sm_90 or newer), wgmma and wgmma_tma tiles sm_90a.
Status checkTileForArch(const TileConfig &config, const std::string &arch);

} // namespace gptq::autotune

#endif // GPTQ_AUTOTUNE_TILELEGALITY_H
