//===- TuneCandidates.cpp - the tile configurations gptq-tune tries -------===//

#include "gptq/Autotune/TuneCandidates.h"

#include <algorithm>

namespace gptq::autotune {

bool operator==(const TileConfig &a, const TileConfig &b) {
  return a.strategy == b.strategy && a.blockM == b.blockM &&
         a.blockN == b.blockN && a.blockK == b.blockK && a.warps == b.warps &&
         a.stages == b.stages && a.splitK == b.splitK;
}

static int differingFields(const TileConfig &a, const TileConfig &b) {
  return (a.strategy != b.strategy) + (a.blockM != b.blockM) +
         (a.blockN != b.blockN) + (a.blockK != b.blockK) +
         (a.warps != b.warps) + (a.stages != b.stages) + (a.splitK != b.splitK);
}

std::vector<TileConfig> tuneCandidates(const TileProblem &problem,
                                       int64_t rowBucket,
                                       const TileConfig &defaultConfig,
                                       size_t maxCandidates) {
  std::vector<TileConfig> space;
  // Split-K across a cluster where the target has clusters (or is not
  // named): each stream / pipelined tile also with 2, 3 and 4 CTAs.
  const bool clusters = problem.arch.empty() || archVersion(problem.arch) >= 90;
  auto consider = [&](TileConfig config) {
    for (int64_t splitK : {1, 2, 3, 4}) {
      if (splitK > 1 && (!clusters || config.strategy == Strategy::Mma))
        break;
      config.splitK = splitK;
      if (checkTile(config, problem).ok() && config != defaultConfig)
        space.push_back(config);
    }
  };
  // The stream kernel re-reads the weight once per block_m rows, so past
  // 256 rows it cannot win against mma; mma's 16-row tiles waste most of
  // an m16 fragment below 16 rows.
  if (rowBucket <= 256)
    for (int64_t blockM : {8, 16, 32})
      for (int64_t blockN : {32, 64})
        for (int64_t blockK : {32, 64, 128})
          for (int64_t warps : {2, 4, 8, 16})
            for (int64_t stages = 2; stages <= 4; ++stages)
              consider(
                  {Strategy::Stream, blockM, blockN, blockK, warps, stages});
  // Stream tiles of column warps (32 columns each, K walked side by side):
  // wide layers at M = 1, where each CTA then reads whole runs of a packed
  // row. 7 and 14 warps give N = 57344 (Llama-2 70B gate-up) 256 and 128
  // CTAs, a whole number per SM of 132.
  if (rowBucket == 1)
    for (int64_t warps : {4, 7, 8, 14, 16})
      for (int64_t blockK : {64, 128})
        for (int64_t stages = 2; stages <= 3; ++stages)
          consider({Strategy::Stream, 8, 32 * warps, blockK, warps, stages});
  if (rowBucket >= 16)
    for (int64_t blockM : {16, 32, 64, 128})
      for (int64_t blockN : {64, 128, 256})
        for (int64_t blockK : {64, 128, 256})
          for (int64_t warps : {2, 4, 8})
            for (int64_t stages = 2; stages <= 4; ++stages)
              consider(
                  {Strategy::Pipelined, blockM, blockN, blockK, warps, stages});
  // Warpgroup mma tiles where the target is named sm_90a (4-bit batches).
  if (rowBucket >= 64 && problem.arch == "sm_90a")
    for (int64_t blockM : {64, 128, 256})
      for (int64_t blockN : {64, 128, 256})
        for (int64_t warps : {4, 8})
          for (int64_t stages : {2, 3, 4, 6})
            consider({Strategy::Wgmma, blockM, blockN, 64, warps, stages});
  // TMA-fed warpgroup tiles (sm_90a, 33 to 256 rows): one or two consumer
  // warpgroups, steps of 64 or 128 channels, 3 to 8 stages.
  if (rowBucket >= 64 && rowBucket <= 256 && problem.arch == "sm_90a")
    for (int64_t blockM : {64, 128})
      for (int64_t groups : {1, 2})
        for (int64_t blockK : {64, 128})
          for (int64_t stages : {3, 4, 6, 8})
            consider({Strategy::WgmmaTma, blockM, 64 * groups, blockK,
                      4 * groups + 1, stages});
  if (rowBucket >= 16)
    for (int64_t blockM : {16, 32, 64})
      for (int64_t blockN : {32, 64, 128})
        for (int64_t blockK : {32, 64})
          for (int64_t warps : {2, 4, 8})
            consider({Strategy::Mma, blockM, blockN, blockK, warps, 1});

  std::stable_sort(space.begin(), space.end(),
                   [&](const TileConfig &a, const TileConfig &b) {
                     return differingFields(a, defaultConfig) <
                            differingFields(b, defaultConfig);
                   });
  std::vector<TileConfig> candidates;
  if (checkTile(defaultConfig, problem).ok())
    candidates.push_back(defaultConfig);
  for (const TileConfig &config : space) {
    if (maxCandidates != 0 && candidates.size() >= maxCandidates)
      break;
    candidates.push_back(config);
  }
  return candidates;
}

} // namespace gptq::autotune
