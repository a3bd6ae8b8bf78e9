//===- TuneCandidatesTest.cpp - gptq-tune's search space ------------------===//

#include "gptq/Autotune/TuneCandidates.h"
#include "gptq/Autotune/AutotuneCache.h"
#include "gptq/Autotune/TileLegality.h"

#include <gtest/gtest.h>

#include <set>
#include <tuple>

using namespace gptq::autotune;

namespace {

TEST(TileLegality, FieldRulesMatchTheVerifierMessages) {
  TileConfig config{Strategy::Mma, 16, 64, 64, 3, 1};
  EXPECT_EQ(checkTileFields(config).message(),
            "warps must be 1, 2, 4 or 8, got 3");
  config = {Strategy::Mma, 8, 64, 64, 4, 1};
  EXPECT_EQ(checkTileFields(config).message(),
            "block_m must be a positive multiple of 16, got 8");
  config = {Strategy::Mma, 16, 48, 64, 4, 1};
  EXPECT_EQ(checkTileFields(config).message(),
            "block_n must be a positive multiple of 8 * warps = 32, got 48");
  config = {Strategy::Mma, 16, 64, 48, 4, 1};
  EXPECT_EQ(checkTileFields(config).message(),
            "block_k must be a positive multiple of 32, got 48");
  config = {Strategy::Mma, 16, 64, 64, 4, 0};
  EXPECT_EQ(checkTileFields(config).message(),
            "stages must be at least 1, got 0");
}

TEST(TileLegality, SharedMemoryLimits) {
  TileProblem problem{4, false, 4096, 4096};
  // Stream tiles keep weights in registers: only the 16x32 fp32 partial
  // sums are shared; more than 4 register buffers are refused.
  TileConfig stream{Strategy::Stream, 16, 32, 128, 8, 4};
  EXPECT_EQ(tileSharedBytes(stream, problem), 16 * 32 * 4);
  EXPECT_TRUE(checkTile(stream, problem).ok());
  stream.stages = 6;
  EXPECT_FALSE(checkTile(stream, problem).ok());
  stream.stages = 4;
  stream.blockM = 8;
  EXPECT_TRUE(checkTile(stream, problem).ok());
  TileConfig mma{Strategy::Mma, 64, 128, 64, 4, 1};
  EXPECT_EQ(tileSharedBytes(mma, problem), (64 + 128) * 72 * 2);
  EXPECT_TRUE(checkTile(mma, problem).ok());
  mma.blockK = 128;
  EXPECT_FALSE(checkTile(mma, problem).ok());
}

TEST(TuneCandidates, DefaultFirstAllLegalNoDuplicates) {
  for (int bits : {2, 3, 4, 8})
    for (bool actOrder : {false, true})
      for (int64_t rows : {1, 16, 64, 256, 1024, 4096}) {
        TileProblem problem{bits, actOrder, 4096, 12288};
        // A fixed legal "default" (the real heuristics change as kernels
        // are tuned; the candidate space must not depend on them).
        const TileConfig defaultTile =
            rowBucket(rows) <= 64
                ? TileConfig{Strategy::Stream,     16, 32,
                             bits == 3 ? 128 : 64, 4,  2}
                : TileConfig{Strategy::Mma, 64, 128, 64, 4, 1};
        ASSERT_TRUE(checkTile(defaultTile, problem).ok());
        const TileConfig *defaultConfig = &defaultTile;
        auto candidates =
            tuneCandidates(problem, rowBucket(rows), *defaultConfig);
        ASSERT_GE(candidates.size(), 2u) << bits << " " << rows;
        EXPECT_TRUE(candidates[0] == *defaultConfig);
        std::set<std::tuple<int, int64_t, int64_t, int64_t, int64_t, int64_t>>
            seen;
        for (const TileConfig &c : candidates) {
          EXPECT_TRUE(checkTile(c, problem).ok()) << describeTile(c);
          EXPECT_TRUE(seen.insert({int(c.strategy), c.blockM, c.blockN,
                                   c.blockK, c.warps, c.stages})
                          .second)
              << describeTile(c);
          if (rowBucket(rows) > 256)
            EXPECT_EQ(c.strategy, Strategy::Mma);
          if (rowBucket(rows) < 16)
            EXPECT_EQ(c.strategy, Strategy::Stream);
        }
      }
}

TEST(TuneCandidates, TruncationKeepsTheDefaultsNeighbourhood) {
  TileProblem problem{4, false, 4096, 4096};
  const TileConfig defaultTile{Strategy::Stream, 16, 32, 128, 4, 4};
  const TileConfig *defaultConfig = &defaultTile;
  auto all = tuneCandidates(problem, 1, *defaultConfig);
  auto few = tuneCandidates(problem, 1, *defaultConfig, 5);
  ASSERT_EQ(few.size(), 5u);
  for (size_t i = 0; i < few.size(); ++i)
    EXPECT_TRUE(few[i] == all[i]);
  // The first neighbours differ from the default in one field.
  for (size_t i = 1; i < few.size(); ++i) {
    const TileConfig &c = few[i];
    int differing = (c.strategy != defaultConfig->strategy) +
                    (c.blockM != defaultConfig->blockM) +
                    (c.blockN != defaultConfig->blockN) +
                    (c.blockK != defaultConfig->blockK) +
                    (c.warps != defaultConfig->warps) +
                    (c.stages != defaultConfig->stages);
    EXPECT_EQ(differing, 1) << describeTile(c);
  }
  // Deterministic.
  auto again = tuneCandidates(problem, 1, *defaultConfig);
  ASSERT_EQ(again.size(), all.size());
  for (size_t i = 0; i < all.size(); ++i)
    EXPECT_TRUE(again[i] == all[i]);
}

} // namespace
