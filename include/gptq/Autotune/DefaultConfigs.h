//===- DefaultConfigs.h - tile configurations without a tuning cache -*- C++
//-*-===//
//
// The configuration a kernel gets when no autotune cache entry exists for its
// GPU, layout, shape and M bucket. Plain C++ (no MLIR) so the runtime can
// specialize kernels with the same rules the compiler uses.
//
//===----------------------------------------------------------------------===//

#ifndef GPTQ_AUTOTUNE_DEFAULTCONFIGS_H
#define GPTQ_AUTOTUNE_DEFAULTCONFIGS_H

#include "gptq/Support/Status.h"

#include <cstdint>
#include <string>

namespace gptq::autotune {

/// SMs of the GPU the defaults were measured on (H100 SXM). The grid rules
/// size against ProblemShape::sms, which defaults to it where the target
/// GPU is unknown (offline lowering, the model's embedded bundles).
constexpr int64_t kReferenceSms = 132;

/// The kernel family; mirrors qmm::KernelStrategy.
enum class Strategy { Mma, Stream, Pipelined, Wgmma, WgmmaTma };

/// One kernel's tiling; mirrors #qmm.tile (see its description for what the
/// fields mean under each strategy).
struct TileConfig {
  Strategy strategy = Strategy::Mma;
  int64_t blockM = 16;
  int64_t blockN = 64;
  int64_t blockK = 64;
  int64_t warps = 4;
  int64_t stages = 1;
  /// CTAs of one thread-block cluster that split K and sum their partial
  /// tiles through distributed shared memory (stream, pipelined, wgmma and
  /// wgmma_tma,
  /// sm_90 and newer; runtime/device/qmm/cluster.cuh). 1: one CTA per tile.
  int64_t splitK = 1;
};

/// What the configuration depends on. `rows` (M) is -1 when unknown at
/// compile time, which is treated as decode.
struct ProblemShape {
  int64_t rows = -1;
  int64_t inFeatures = 0;  // K
  int64_t outFeatures = 0; // N
  int bits = 4;
  /// Input channels per quantization group; -1 when one group spans K.
  /// Stream tiles whose step fits in a group apply scales after the mma.
  int64_t groupSize = -1;
  /// Act-order layouts (reordered ones included) have no pipelined kernel.
  bool actOrder = false;
  /// SMs of the target GPU, which the grid rules size against (the JIT and
  /// gptq-tune pass the device's; offline lowering assumes the reference).
  int64_t sms = kReferenceSms;
};

/// Input channels in one packed unit of the stream strategy: one word of
/// 2-, 4- or 8-bit codes, or the three words that hold 32 3-bit codes.
int64_t streamUnitValues(int bits);

/// The M bucket a row count falls in: 1, 16, 64, 256, 1024, 4096 (upper
/// bounds); -1 (unknown) maps to 16.
int64_t rowBucket(int64_t rows);

/// A sound configuration for `arch` (e.g. "sm_80", "sm_90a") and `shape`, or
/// an error naming why none fits (K or N not a multiple of 32).
Expected<TileConfig> defaultTileConfig(const std::string &arch,
                                       const ProblemShape &shape);

} // namespace gptq::autotune

#endif // GPTQ_AUTOTUNE_DEFAULTCONFIGS_H
