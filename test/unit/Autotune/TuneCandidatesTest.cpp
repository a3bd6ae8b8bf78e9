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

TEST(TileLegality, PipelinedTiles) {
  TileProblem problem{4, false, 4096, 4096, 128};
  // 64 x 128, 4 warps (one per 32 columns), block_k 64, 3 stages: 3 x
  // (8 KB x + 4 KB weights + 256 B scales + 64 B zeros).
  TileConfig tile{Strategy::Pipelined, 64, 128, 64, 4, 3};
  EXPECT_EQ(tileSharedBytes(tile, problem), 3 * (8192 + 4096 + 256 + 64));
  EXPECT_TRUE(checkTile(tile, problem).ok());
  PipelinedWarps warps = pipelinedWarps(tile, 4);
  EXPECT_EQ(warps.columnBlocks, 4);
  EXPECT_EQ(warps.rowBlocks, 1);
  EXPECT_EQ(warps.slices, 1);
  // 8 warps: two slices of 32 channels (8 per lane, one 4-bit unit).
  tile.warps = 8;
  EXPECT_TRUE(checkTile(tile, problem).ok());
  EXPECT_EQ(pipelinedWarps(tile, 4).slices, 2);
  // 2-bit units hold 16 values: two slices of 64 channels leave 8 per lane.
  problem.bits = 2;
  EXPECT_EQ(checkTile(tile, problem).message(),
            "pipelined tiles need block_k = a multiple of 64 that gives each "
            "of the 2 channel slice(s) 4 lanes x whole 16-value units for "
            "2-bit codes, got 64");
  problem.bits = 4;
  tile.warps = 4;
  // Act-order layouts have no pipelined kernel.
  problem.actOrder = true;
  EXPECT_FALSE(checkTile(tile, problem).ok());
  problem.actOrder = false;
  // 4 stages of this tile exceed 48 KB.
  tile.stages = 4;
  EXPECT_FALSE(checkTile(tile, problem).ok());
  tile.stages = 3;
  // 3 warps do not split 4 column blocks.
  tile.warps = 2;
  EXPECT_FALSE(checkTile(tile, problem).ok());
  tile.warps = 4;
  // 3 bits: warps hold at most 32 rows, so 64 rows need two row blocks.
  problem.bits = 3;
  tile.blockK = 128;
  tile.stages = 2;
  EXPECT_EQ(pipelinedWarps(tile, 3).rowBlocks, 2);
  EXPECT_FALSE(checkTile(tile, problem).ok()); // 4 warps, 8 blocks needed
  tile.warps = 8;
  EXPECT_TRUE(checkTile(tile, problem).ok())
      << checkTile(tile, problem).message();
  // One group spanning a K that block_k does not divide.
  problem = TileProblem{4, false, 4064, 4096, -1};
  tile = TileConfig{Strategy::Pipelined, 64, 128, 64, 4, 3};
  EXPECT_FALSE(checkTile(tile, problem).ok());
  // Group 32 under block_k 64: each lane's 16 channels lie in one group.
  problem = TileProblem{4, false, 4096, 4096, 32};
  EXPECT_TRUE(checkTile(tile, problem).ok());
}

TEST(DefaultConfigs, PipelinedForBatches) {
  ProblemShape shape;
  shape.inFeatures = 4096;
  shape.outFeatures = 4096;
  shape.groupSize = 128;
  shape.rows = 256;
  auto config = defaultTileConfig("sm_90a", shape);
  ASSERT_TRUE(config.ok());
  EXPECT_EQ(config->strategy, Strategy::Pipelined);
  // Narrow layers at M = 64 stay on the stream kernel; wide ones do not.
  shape.rows = 64;
  EXPECT_EQ(defaultTileConfig("sm_90a", shape)->strategy, Strategy::Stream);
  shape.outFeatures = 22016;
  EXPECT_EQ(defaultTileConfig("sm_90a", shape)->strategy, Strategy::Pipelined);
  // Act-order batches keep the mma kernel.
  shape.rows = 256;
  shape.actOrder = true;
  EXPECT_EQ(defaultTileConfig("sm_90a", shape)->strategy, Strategy::Mma);
  // Every default is legal for its problem.
  for (int bits : {2, 3, 4, 8})
    for (int64_t group : {-1, 32, 64, 128})
      for (int64_t rows : {64, 256, 1024, 4096}) {
        ProblemShape s;
        s.bits = bits;
        s.groupSize = group;
        s.rows = rows;
        s.inFeatures = 4096;
        s.outFeatures = 12288;
        auto c = defaultTileConfig("sm_90a", s);
        ASSERT_TRUE(c.ok());
        TileProblem p{bits, false, 4096, 12288, group};
        EXPECT_TRUE(checkTile(*c, p).ok())
            << bits << " " << group << " " << rows << ": "
            << checkTile(*c, p).message();
      }
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
            EXPECT_NE(c.strategy, Strategy::Stream);
          if (actOrder)
            EXPECT_NE(c.strategy, Strategy::Pipelined);
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
