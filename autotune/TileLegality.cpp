//===- TileLegality.cpp - tiles the code generator accepts ---------------===//

#include "gptq/Autotune/TileLegality.h"

#include <fmt/format.h>

#include <algorithm>

namespace gptq::autotune {

Status checkTileFields(const TileConfig &config) {
  // Stream tiles split K across their warps, so a narrow grid can fill an
  // SM with one 16-warp CTA instead of a cluster.
  const bool stream16 =
      config.warps == 16 && config.strategy == Strategy::Stream;
  // TMA tiles: one or two consumer warpgroups and one producer warp.
  const bool tmaWarps = config.strategy == Strategy::WgmmaTma &&
                        (config.warps == 5 || config.warps == 9);
  // Stream tiles whose warps own 32 columns each (block_n = 32 x warps) take
  // any warp count up to 16, so that a grid can match the SMs (e.g. 7 warps:
  // N = 57344 in 256 CTAs, two per SM of 132).
  const bool streamColumns = config.strategy == Strategy::Stream &&
                             config.warps >= 2 && config.warps <= 16 &&
                             config.blockN == 32 * config.warps;
  if (config.warps != 1 && config.warps != 2 && config.warps != 4 &&
      config.warps != 8 && !stream16 && !streamColumns && !tmaWarps)
    return Status::error(fmt::format(
        "warps must be 1, 2, 4 or 8 (16 for stream tiles; 2 to 16 for stream "
        "tiles of 32 columns per warp; 5 or 9 for wgmma_tma tiles), got {}",
        config.warps));
  // mma.sync m16n8k16: mma tiles take rows in 16s and each warp owns
  // block_n / warps columns in 8s; stream tiles put x rows on the n8 side
  // (rows in 8s) and split K, not N, across warps; pipelined warps own
  // 32-column blocks. block_k in 32s so every bit width unpacks whole int32
  // words.
  // wgmma tiles own 64-column tiles per warpgroup.
  const bool stream = config.strategy == Strategy::Stream;
  const bool pipelined = config.strategy == Strategy::Pipelined;
  const bool wgmma = config.strategy == Strategy::Wgmma ||
                     config.strategy == Strategy::WgmmaTma;
  const int64_t rowQuantum = stream ? 8 : 16;
  if (config.blockM <= 0 || config.blockM % rowQuantum != 0)
    return Status::error(fmt::format("block_m must be a positive multiple of "
                                     "{}, got {}",
                                     rowQuantum, config.blockM));
  const int64_t columnQuantum = wgmma                 ? 64
                                : stream || pipelined ? 32
                                                      : 8 * config.warps;
  if (config.blockN <= 0 || config.blockN % columnQuantum != 0)
    return Status::error(fmt::format(
        stream || pipelined || wgmma
            ? "block_n must be a positive multiple of {}, got {}"
            : "block_n must be a positive multiple of 8 * warps = {}, got {}",
        columnQuantum, config.blockN));
  if (config.blockK <= 0 || config.blockK % 32 != 0)
    return Status::error(fmt::format(
        "block_k must be a positive multiple of 32, got {}", config.blockK));
  if (config.stages < 1)
    return Status::error(
        fmt::format("stages must be at least 1, got {}", config.stages));
  // A cluster holds at most 8 CTAs portably; the mma kernel has no
  // cross-CTA reduction.
  if (config.splitK < 1 || config.splitK > 8)
    return Status::error(
        fmt::format("split_k must be 1 to 8, got {}", config.splitK));
  if (config.splitK > 1 && config.strategy == Strategy::Mma)
    return Status::error(fmt::format(
        "mma tiles do not split K across CTAs (split_k = {}); use a stream "
        "or pipelined tile",
        config.splitK));
  return Status::success();
}

PipelinedWarps pipelinedWarps(const TileConfig &config, int bits) {
  PipelinedWarps warps;
  warps.columnBlocks = config.blockN / 32;
  const int64_t maxRows = bits == 3 ? 32 : 64;
  warps.warpRows = std::min(config.blockM, maxRows);
  warps.rowBlocks = warps.warpRows > 0 ? config.blockM / warps.warpRows : 0;
  const int64_t perSlice = warps.columnBlocks * warps.rowBlocks;
  warps.slices = perSlice > 0 ? config.warps / perSlice : 0;
  return warps;
}

/// Bytes of one stage buffer of a pipelined tile: x tile, packed weight
/// tile, the scale rows and zero-point words a step can touch (16-byte
/// aligned parts, as pipelined::Geometry lays them out).
static int64_t pipelinedStageBytes(const TileConfig &config,
                                   const TileProblem &problem) {
  const int64_t groupSize =
      problem.groupSize > 0 ? problem.groupSize : problem.inFeatures;
  const int64_t scaleRows = groupSize >= config.blockK || groupSize <= 0
                                ? 1
                                : config.blockK / groupSize;
  const int64_t xBytes = config.blockM * config.blockK * 2;
  const int64_t weightBytes =
      config.blockK * problem.bits / 32 * config.blockN * 4;
  const int64_t scaleBytes = scaleRows * config.blockN * 2;
  const int64_t zeroBytes =
      (scaleRows * config.blockN * problem.bits / 8 + 15) / 16 * 16;
  return xBytes + weightBytes + scaleBytes + zeroBytes;
}

/// Bytes of one stage buffer of a wgmma tile (wgmma::Geometry): the x tile
/// (block_m rows of 128 bytes), 8 word rows of packed weights, the scale
/// rows and zero words of a step (two for groups of 32), rounded up to
/// 1024 bytes so every x tile starts where the 128-byte swizzle needs.
static int64_t wgmmaStageBytes(const TileConfig &config,
                               const TileProblem &problem) {
  const int64_t groupSize =
      problem.groupSize > 0 ? problem.groupSize : problem.inFeatures;
  const int64_t scaleRows = groupSize >= 64 ? 1 : 2;
  const int64_t bytes = config.blockM * 128 + 8 * config.blockN * 4 +
                        scaleRows * config.blockN * 2 +
                        scaleRows * config.blockN / 8 * 4;
  return (bytes + 1023) / 1024 * 1024;
}

/// Bytes of one stage buffer of a wgmma_tma tile (tma::Geometry): the x
/// boxes (block_m rows of 128 bytes per 64 channels), block_k / 8 word rows
/// of packed weights, one scale row and one row of zero words, rounded up
/// to 1024 bytes.
static int64_t tmaStageBytes(const TileConfig &config) {
  const int64_t bytes = config.blockK / 64 * config.blockM * 128 +
                        config.blockK / 8 * config.blockN * 4 +
                        config.blockN * 2 + config.blockN / 8 * 4;
  return (bytes + 1023) / 1024 * 1024;
}

int64_t launchDynamicSharedBytes(const TileConfig &config,
                                 const TileProblem &problem) {
  // TMA tiles always take their buffers dynamically (plus 1024 bytes to
  // align them).
  if (config.strategy == Strategy::WgmmaTma)
    return config.stages * tmaStageBytes(config) + 1024;
  if (config.strategy != Strategy::Wgmma)
    return 0;
  const int64_t buffers = config.stages * wgmmaStageBytes(config, problem);
  return buffers > kStaticSharedBytesLimit ? buffers + 1024 : 0;
}

int64_t tileSharedBytes(const TileConfig &config, const TileProblem &problem) {
  if (config.strategy == Strategy::WgmmaTma)
    return launchDynamicSharedBytes(config, problem);
  if (config.strategy == Strategy::Wgmma) {
    const int64_t dynamicBytes = launchDynamicSharedBytes(config, problem);
    return dynamicBytes > 0 ? dynamicBytes
                            : config.stages * wgmmaStageBytes(config, problem);
  }
  if (config.strategy == Strategy::Pipelined)
    return config.stages * pipelinedStageBytes(config, problem);
  if (config.strategy == Strategy::Mma) {
    // SharedTile<T, Rows, Cols> pads each row by 8 elements (16 bytes) to
    // spread mma fragment reads over the banks: the activation block
    // (block_m rows) and the dequantized weight block (block_n rows), fp16
    // or bf16.
    return (config.blockM + config.blockN) * (config.blockK + 8) * 2;
  }
  // Stream: only the fp32 partial sums of the output tile; the weights
  // stream through registers.
  (void)problem;
  return config.blockM * config.blockN * 4;
}

/// The stream and pipelined kernels take a partial last K step but no
/// partial column block.
static Status checkWholeColumnBlocks(const TileConfig &config,
                                     const TileProblem &problem) {
  if (problem.outFeatures % config.blockN != 0)
    return Status::error(
        fmt::format("N = {} must be a multiple of block_n = {}",
                    problem.outFeatures, config.blockN));
  if (problem.inFeatures % 32 != 0)
    return Status::error(
        fmt::format("K = {} must be a multiple of 32", problem.inFeatures));
  return Status::success();
}

/// The static shared-memory limit, with what to change named.
static Status checkSharedBytes(const char *strategy, int64_t sharedBytes,
                               const char *advice) {
  if (sharedBytes > kStaticSharedBytesLimit)
    return Status::error(
        fmt::format("{} tile needs {} bytes of shared memory, over the 48 KB "
                    "static limit; use {}",
                    strategy, sharedBytes, advice));
  return Status::success();
}

/// The stream building block's static_asserts (runtime/device/qmm/
/// stream.cuh), so that a bad tile fails with a message instead of in NVRTC.
static Status checkStreamTile(const TileConfig &config,
                              const TileProblem &problem) {
  const int64_t unitValues = streamUnitValues(problem.bits);
  if (config.blockM != 8 && config.blockM != 16 && config.blockM != 32)
    return Status::error(fmt::format(
        "stream tiles need block_m = 8, 16 or 32, got {}", config.blockM));
  // Up to 64 columns the warps split K; wider tiles give each warp 32 or
  // 64 columns of its own (column warps).
  const bool columnWarps =
      config.blockN == 32 * config.warps || config.blockN == 64 * config.warps;
  if (config.blockN != 32 && config.blockN != 64 &&
      !(config.warps > 1 && columnWarps))
    return Status::error(fmt::format(
        "stream tiles need block_n = 32 or 64, or warps x 32 or warps x 64 "
        "(each warp its own columns), got {} with {} warps",
        config.blockN, config.warps));
  GPTQ_RETURN_IF_ERROR(checkWholeColumnBlocks(config, problem));
  const int64_t laneValues = config.blockK / 4;
  if (config.blockK % (4 * unitValues) != 0 || laneValues > 32)
    return Status::error(fmt::format(
        "stream tiles need block_k = 4 lanes x a whole number of {}-value "
        "units for {}-bit codes, at most 128, got {}",
        unitValues, problem.bits, config.blockK));
  // Register buffers per lane: one computed while the others load; each
  // holds a step's weights, so more than four would only spill.
  if (config.stages < 2 || config.stages > 4)
    return Status::error(
        fmt::format("stream tiles need stages = 2, 3 or 4 (register buffers: "
                    "one in use, the others loading), got {}",
                    config.stages));
  return checkSharedBytes("stream", tileSharedBytes(config, problem),
                          "fewer stages or warps");
}

/// pipelined.cuh's static_asserts (Geometry and pipelined_matmul).
static Status checkPipelinedTile(const TileConfig &config,
                                 const TileProblem &problem) {
  if (problem.actOrder)
    return Status::error(
        "pipelined tiles need a layout without act-order (they read one "
        "group per step); use an mma tile, or a stream tile after "
        "qmm-reorder-act-order");
  const PipelinedWarps warps = pipelinedWarps(config, problem.bits);
  if (config.blockM % warps.warpRows != 0)
    return Status::error(fmt::format(
        "pipelined tiles split block_m into warp row blocks of {} rows at "
        "{} bits; got block_m = {}",
        warps.warpRows, problem.bits, config.blockM));
  if (warps.slices < 1 ||
      warps.slices * warps.columnBlocks * warps.rowBlocks != config.warps)
    return Status::error(fmt::format(
        "pipelined tiles need warps = (block_n / 32) x (warp row blocks) x "
        "(channel slices): {} column block(s) and {} row block(s) do not "
        "divide {} warps",
        warps.columnBlocks, warps.rowBlocks, config.warps));
  const int64_t unitValues = streamUnitValues(problem.bits);
  const int64_t sliceK = config.blockK / warps.slices;
  const int64_t laneValues = sliceK / 4;
  if (config.blockK % 64 != 0 || sliceK * warps.slices != config.blockK ||
      laneValues < unitValues || laneValues % unitValues != 0)
    return Status::error(fmt::format(
        "pipelined tiles need block_k = a multiple of 64 that gives each of "
        "the {} channel slice(s) 4 lanes x whole {}-value units for {}-bit "
        "codes, got {}",
        warps.slices, unitValues, problem.bits, config.blockK));
  GPTQ_RETURN_IF_ERROR(checkWholeColumnBlocks(config, problem));
  const int64_t groupSize =
      problem.groupSize > 0 ? problem.groupSize : problem.inFeatures;
  if (!(groupSize % config.blockK == 0 || config.blockK % groupSize == 0) ||
      (groupSize < config.blockK && groupSize % laneValues != 0))
    return Status::error(fmt::format(
        "pipelined tiles need block_k = {} to cover whole groups of {} "
        "channels or lie inside one",
        config.blockK, groupSize));
  if (config.stages < 2)
    return Status::error(fmt::format(
        "pipelined tiles need stages >= 2 (one buffer computed, the others "
        "loading), got {}",
        config.stages));
  const int64_t sharedBytes = tileSharedBytes(config, problem);
  GPTQ_RETURN_IF_ERROR(checkSharedBytes("pipelined", sharedBytes,
                                        "fewer stages or smaller blocks"));
  if ((warps.slices > 1 || config.splitK > 1) &&
      config.blockM * config.blockN * 4 > sharedBytes)
    return Status::error(fmt::format(
        "pipelined tile's {} channel slice(s) and split_k = {} reduce {} "
        "bytes of partial sums in its {} bytes of stage buffers; use more "
        "stages, fewer slices or split_k = 1",
        warps.slices, config.splitK, config.blockM * config.blockN * 4,
        sharedBytes));
  return Status::success();
}

/// What both warpgroup-mma families decode: 4-bit codes in their natural
/// order (no act-order). `strategy` names the family in the message.
static Status checkNaturalFourBit(const char *strategy,
                                  const TileProblem &problem) {
  if (problem.actOrder || problem.bits != 4)
    return Status::error(fmt::format(
        "{} tiles need a 4-bit layout without act-order, got {} bits{}",
        strategy, problem.bits, problem.actOrder ? " with act-order" : ""));
  return Status::success();
}

/// wgmma.cuh's static_asserts (wgmma::Geometry and wgmma_matmul).
static Status checkWgmmaTile(const TileConfig &config,
                             const TileProblem &problem) {
  GPTQ_RETURN_IF_ERROR(checkNaturalFourBit("wgmma", problem));
  if (config.blockK != 64)
    return Status::error(fmt::format(
        "wgmma tiles need block_k = 64 (one 128-byte swizzled x row per "
        "step), got {}",
        config.blockK));
  const int64_t blockM = config.blockM;
  if (blockM != 16 && blockM != 32 && blockM != 64 && blockM != 128 &&
      blockM != 256)
    return Status::error(fmt::format(
        "wgmma tiles need block_m = 16, 32, 64, 128 or 256 (wgmma's N), "
        "got {}",
        blockM));
  const int64_t warpGroups = config.warps / 4;
  if (config.warps % 4 != 0 || warpGroups < 1 ||
      (config.blockN != 64 * warpGroups && config.blockN != 128 * warpGroups))
    return Status::error(fmt::format(
        "wgmma tiles need warps = 4 per warpgroup and block_n = one or two "
        "64-column tiles per warpgroup, got {} warps and block_n = {}",
        config.warps, config.blockN));
  GPTQ_RETURN_IF_ERROR(checkWholeColumnBlocks(config, problem));
  const int64_t groupSize =
      problem.groupSize > 0 ? problem.groupSize : problem.inFeatures;
  if (groupSize != 32 && groupSize % 64 != 0)
    return Status::error(fmt::format(
        "wgmma tiles need groups of 32 channels or a multiple of 64, got {}",
        groupSize));
  if (config.stages < 2)
    return Status::error(fmt::format(
        "wgmma tiles need stages >= 2 (one buffer computed, the others "
        "loading), got {}",
        config.stages));
  const int64_t buffers = config.stages * wgmmaStageBytes(config, problem);
  if (buffers + 1024 > kMaxSharedBytesPerBlock)
    return Status::error(fmt::format(
        "wgmma tile needs {} bytes of shared memory, over the {} a CTA may "
        "have; use fewer stages or smaller blocks",
        buffers + 1024, kMaxSharedBytesPerBlock));
  if (config.splitK > 1 && config.blockM * config.blockN * 4 > buffers)
    return Status::error(fmt::format(
        "wgmma tile's split_k = {} reduces {} bytes of partial sums in its "
        "{} bytes of stage buffers; use more stages or split_k = 1",
        config.splitK, config.blockM * config.blockN * 4, buffers));
  return Status::success();
}

/// wgmma_tma.cuh's static_asserts (tma::Geometry and wgmma_tma_matmul),
/// and what its tensor maps need.
static Status checkWgmmaTmaTile(const TileConfig &config,
                                const TileProblem &problem) {
  GPTQ_RETURN_IF_ERROR(checkNaturalFourBit("wgmma_tma", problem));
  if (config.blockK != 64 && config.blockK != 128)
    return Status::error(fmt::format(
        "wgmma_tma tiles need block_k = 64 or 128 (one or two 128-byte "
        "swizzled x boxes per step), got {}",
        config.blockK));
  const int64_t blockM = config.blockM;
  if (blockM != 16 && blockM != 32 && blockM != 64 && blockM != 128)
    return Status::error(fmt::format(
        "wgmma_tma tiles need block_m = 16, 32, 64 or 128 (wgmma's N and the "
        "x box's rows), got {}",
        blockM));
  const int64_t warpGroups = (config.warps - 1) / 4;
  if ((config.warps != 5 && config.warps != 9) ||
      config.blockN != 64 * warpGroups)
    return Status::error(fmt::format(
        "wgmma_tma tiles need warps = 4 per consumer warpgroup + 1 producer "
        "(5 or 9) and block_n = 64 per warpgroup, got {} warps and block_n = "
        "{}",
        config.warps, config.blockN));
  GPTQ_RETURN_IF_ERROR(checkWholeColumnBlocks(config, problem));
  if (problem.inFeatures % config.blockK != 0)
    return Status::error(fmt::format(
        "wgmma_tma tiles need K = {} to be a multiple of block_k = {} (whole "
        "steps)",
        problem.inFeatures, config.blockK));
  const int64_t groupSize =
      problem.groupSize > 0 ? problem.groupSize : problem.inFeatures;
  if (groupSize % config.blockK != 0)
    return Status::error(fmt::format(
        "wgmma_tma tiles need groups of a multiple of block_k = {} channels "
        "(one scale row per step), got {}; use a wgmma tile",
        config.blockK, groupSize));
  if (config.stages < 2)
    return Status::error(fmt::format(
        "wgmma_tma tiles need stages >= 2 (one buffer computed, the others "
        "loading), got {}",
        config.stages));
  const int64_t sharedBytes = launchDynamicSharedBytes(config, problem);
  if (sharedBytes > kMaxSharedBytesPerBlock)
    return Status::error(fmt::format(
        "wgmma_tma tile needs {} bytes of shared memory, over the {} a CTA "
        "may have; use fewer stages or smaller blocks",
        sharedBytes, kMaxSharedBytesPerBlock));
  const int64_t buffers = config.stages * tmaStageBytes(config);
  if (config.splitK > 1 && config.blockM * config.blockN * 4 > buffers)
    return Status::error(fmt::format(
        "wgmma_tma tile's split_k = {} reduces {} bytes of partial sums in "
        "its {} bytes of stage buffers; use more stages or split_k = 1",
        config.splitK, config.blockM * config.blockN * 4, buffers));
  return Status::success();
}

Status checkTileForProblem(const TileConfig &config,
                           const TileProblem &problem) {
  if (!problem.arch.empty())
    GPTQ_RETURN_IF_ERROR(checkTileForArch(config, problem.arch));
  if (config.strategy == Strategy::Stream)
    return checkStreamTile(config, problem);
  if (config.strategy == Strategy::Pipelined)
    return checkPipelinedTile(config, problem);
  if (config.strategy == Strategy::Wgmma)
    return checkWgmmaTile(config, problem);
  if (config.strategy == Strategy::WgmmaTma)
    return checkWgmmaTmaTile(config, problem);
  // The mma K loop has no remainder step and its grid no partial column
  // block.
  if (problem.inFeatures % config.blockK != 0 ||
      problem.outFeatures % config.blockN != 0)
    return Status::error(fmt::format(
        "K = {} and N = {} must be multiples of block_k = {} and block_n = {}",
        problem.inFeatures, problem.outFeatures, config.blockK, config.blockN));
  return checkSharedBytes("mma", tileSharedBytes(config, problem),
                          "smaller blocks");
}

Status checkTile(const TileConfig &config, const TileProblem &problem) {
  GPTQ_RETURN_IF_ERROR(checkTileFields(config));
  return checkTileForProblem(config, problem);
}

int archVersion(const std::string &arch) {
  if (arch.size() < 5 || arch.compare(0, 3, "sm_") != 0)
    return 0;
  int version = 0;
  size_t i = 3;
  for (; i < arch.size() && arch[i] >= '0' && arch[i] <= '9'; ++i)
    version = 10 * version + (arch[i] - '0');
  const bool suffixOk =
      i == arch.size() || (i + 1 == arch.size() && arch[i] == 'a');
  return i > 3 && suffixOk ? version : 0;
}

Status checkTileForArch(const TileConfig &config, const std::string &arch) {
  if (config.strategy == Strategy::Wgmma && arch != "sm_90a")
    return Status::error(fmt::format(
        "wgmma tiles need sm_90a (Hopper's warpgroup mma), not {}", arch));
  if (config.strategy == Strategy::WgmmaTma && arch != "sm_90a")
    return Status::error(fmt::format(
        "wgmma_tma tiles need sm_90a (Hopper's warpgroup mma and TMA), not {}",
        arch));
  if (config.splitK > 1 && archVersion(arch) < 90)
    return Status::error(fmt::format(
        "split_k = {} needs thread-block clusters (sm_90 or newer), not {}",
        config.splitK, arch));
  return Status::success();
}

} // namespace gptq::autotune
