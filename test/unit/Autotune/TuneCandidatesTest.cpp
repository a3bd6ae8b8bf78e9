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
  const std::string warpsMessage =
      "warps must be 1, 2, 4 or 8 (16 for stream tiles; 2 to 16 for stream "
      "tiles of 32 columns per warp; 5 or 9 for wgmma_tma tiles), got ";
  TileConfig config{Strategy::Mma, 16, 64, 64, 3, 1};
  EXPECT_EQ(checkTileFields(config).message(), warpsMessage + "3");
  // 16 warps split K in a stream tile; the other strategies split columns.
  config = {Strategy::Mma, 16, 128, 64, 16, 1};
  EXPECT_EQ(checkTileFields(config).message(), warpsMessage + "16");
  config = {Strategy::Stream, 8, 32, 128, 16, 2};
  EXPECT_TRUE(checkTileFields(config).ok());
  // Column warps: any count from 2 to 16 at 32 columns each, and only
  // there (7 warps of 64 columns, or 7 K-splitting warps, are not tiles).
  config = {Strategy::Stream, 8, 224, 128, 7, 2};
  EXPECT_TRUE(checkTileFields(config).ok());
  config = {Strategy::Stream, 8, 448, 128, 7, 2};
  EXPECT_EQ(checkTileFields(config).message(), warpsMessage + "7");
  config = {Strategy::Stream, 8, 32, 128, 7, 2};
  EXPECT_EQ(checkTileFields(config).message(), warpsMessage + "7");
  config = {Strategy::Pipelined, 16, 224, 128, 7, 2};
  EXPECT_EQ(checkTileFields(config).message(), warpsMessage + "7");
  // A producer warp beside one or two consumer warpgroups, only for TMA
  // tiles.
  config = {Strategy::WgmmaTma, 64, 64, 64, 5, 6};
  EXPECT_TRUE(checkTileFields(config).ok());
  config = {Strategy::Wgmma, 64, 64, 64, 5, 4};
  EXPECT_EQ(checkTileFields(config).message(), warpsMessage + "5");
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

// More than 32 rows at 4 bits on sm_90a where no TMA tile applies (groups
// of 32: two scale rows per step): the wgmma kernel, with the tiles
// DefaultConfigs.cpp documents (measured on the H100).
TEST(DefaultConfigs, WgmmaForBatchesOnSm90a) {
  ProblemShape shape;
  shape.inFeatures = 4096;
  shape.outFeatures = 12288;
  shape.groupSize = 32;
  // M = 64: 64 x 64 tiles of one warpgroup, four stages, K split until
  // about 2.5 CTAs per SM (192 column blocks: 2 ways).
  shape.rows = 64;
  auto m64 = defaultTileConfig("sm_90a", shape);
  ASSERT_TRUE(m64.ok());
  EXPECT_EQ(*m64, (TileConfig{Strategy::Wgmma, 64, 64, 64, 4, 4, 2}));
  // 64 column blocks: 4 ways at most; 344: none.
  shape.outFeatures = 4096;
  EXPECT_EQ(defaultTileConfig("sm_90a", shape)->splitK, 4);
  shape.outFeatures = 22016;
  EXPECT_EQ(defaultTileConfig("sm_90a", shape)->splitK, 1);
  // Each CTA keeps at least 8 steps: K = 1024 (16 steps) splits 2 ways.
  shape.outFeatures = 4096;
  shape.inFeatures = 1024;
  EXPECT_EQ(defaultTileConfig("sm_90a", shape)->splitK, 2);
  shape.inFeatures = 4096;
  // Up to 32 rows, and the other widths, keep their kernels.
  shape.rows = 32;
  EXPECT_EQ(defaultTileConfig("sm_90a", shape)->strategy, Strategy::Stream);
  shape.rows = 64;
  shape.bits = 3;
  EXPECT_NE(defaultTileConfig("sm_90a", shape)->strategy, Strategy::Wgmma);
  shape.bits = 4;
  shape.actOrder = true;
  EXPECT_NE(defaultTileConfig("sm_90a", shape)->strategy, Strategy::Wgmma);
  shape.actOrder = false;
  // 64 column blocks of 128 split 2 ways are one CTA per SM of 132: 64 x
  // 128 tiles of two warpgroups there.
  shape.outFeatures = 8192;
  EXPECT_EQ(*defaultTileConfig("sm_90a", shape),
            (TileConfig{Strategy::Wgmma, 64, 128, 64, 8, 4, 2}));
  // M = 256: 128 x 128 tiles of four stages, split 2 ways under half the
  // SMs' worth of CTAs.
  shape.rows = 256;
  shape.outFeatures = 12288;
  EXPECT_EQ(*defaultTileConfig("sm_90a", shape),
            (TileConfig{Strategy::Wgmma, 128, 128, 64, 8, 4, 1}));
  shape.outFeatures = 4096;
  EXPECT_EQ(*defaultTileConfig("sm_90a", shape),
            (TileConfig{Strategy::Wgmma, 128, 128, 64, 8, 4, 2}));
  shape.outFeatures = 8192;
  EXPECT_EQ(*defaultTileConfig("sm_90a", shape),
            (TileConfig{Strategy::Wgmma, 128, 128, 64, 8, 4, 1}));
  shape.rows = 1000;
  shape.outFeatures = 12288;
  EXPECT_EQ(defaultTileConfig("sm_90a", shape)->blockM, 128);
  // Every default is a legal tile for its problem.
  TileProblem problem;
  problem.inFeatures = shape.inFeatures;
  problem.outFeatures = shape.outFeatures;
  problem.groupSize = 32;
  problem.arch = "sm_90a";
  EXPECT_TRUE(checkTile(*defaultTileConfig("sm_90a", shape), problem).ok());
}

// More than 32 rows at 4 bits on sm_90a, groups of a multiple of 64: the
// TMA-fed tiles at 33-64 rows on layers of at most 1.5 64-column tiles per
// SM, and from 65 rows wherever steps of 128 channels fit, with the rules
// DefaultConfigs.cpp documents.
TEST(DefaultConfigs, WgmmaTmaForBatchesOnSm90a) {
  ProblemShape shape;
  shape.inFeatures = 4096;
  shape.outFeatures = 4096;
  shape.groupSize = 128;
  shape.rows = 64;
  // 7B.o: 64 x 64 tiles, steps of 128 channels, split 2 ways; its 128
  // CTAs leave one per SM: 6 stages.
  EXPECT_EQ(*defaultTileConfig("sm_90a", shape),
            (TileConfig{Strategy::WgmmaTma, 64, 64, 128, 5, 6, 2}));
  // 70B.o (256 such CTAs, between one and two per SM): one CTA of two
  // warpgroups per 128 columns, 8 stages.
  shape.inFeatures = 8192;
  shape.outFeatures = 8192;
  EXPECT_EQ(*defaultTileConfig("sm_90a", shape),
            (TileConfig{Strategy::WgmmaTma, 64, 128, 128, 9, 8, 2}));
  // N = 8256 (not a multiple of 128): one warpgroup, 4 stages.
  shape.outFeatures = 8256;
  EXPECT_EQ(*defaultTileConfig("sm_90a", shape),
            (TileConfig{Strategy::WgmmaTma, 64, 64, 128, 5, 4, 2}));
  shape.inFeatures = 4096;
  shape.outFeatures = 4096;
  // Groups of 64: steps of 64 channels, 6 stages.
  shape.groupSize = 64;
  EXPECT_EQ(*defaultTileConfig("sm_90a", shape),
            (TileConfig{Strategy::WgmmaTma, 64, 64, 64, 5, 6, 2}));
  shape.groupSize = 128;
  // 70B.qkv (320 2-way CTAs on a long K): 4 stages split 3 ways.
  shape.inFeatures = 8192;
  shape.outFeatures = 10240;
  EXPECT_EQ(*defaultTileConfig("sm_90a", shape),
            (TileConfig{Strategy::WgmmaTma, 64, 64, 64, 5, 4, 3}));
  // 7B.qkv at K = 4096 splits 2 ways; its 384 CTAs pass two per SM, so 3
  // stages (three CTAs fit).
  shape.inFeatures = 4096;
  shape.outFeatures = 12288;
  EXPECT_EQ(*defaultTileConfig("sm_90a", shape),
            (TileConfig{Strategy::WgmmaTma, 64, 64, 128, 5, 3, 2}));
  // Gate-up widths keep the cp.async wgmma tiles, except on a long K:
  // unsplit 64 x 64 TMA tiles, 128-channel steps, 4 stages.
  shape.outFeatures = 22016;
  EXPECT_EQ(defaultTileConfig("sm_90a", shape)->strategy, Strategy::Wgmma);
  shape.inFeatures = 8192;
  shape.outFeatures = 57344;
  EXPECT_EQ(*defaultTileConfig("sm_90a", shape),
            (TileConfig{Strategy::WgmmaTma, 64, 64, 128, 5, 4, 1}));
  shape.inFeatures = 4096;
  // From 65 rows, 128-channel steps, 4 stages: two warpgroups where their
  // grid's last wave is as full as one warpgroup's (70B.o at 256 rows: 128
  // CTAs), or where they fill two waves (any layer at 1024 rows); on a
  // long K otherwise two warpgroups split 2 ways (70B.qkv: 160 CTAs),
  // on a short one a single warpgroup (7B.o: 128 CTAs of 64 columns).
  shape.rows = 256;
  shape.outFeatures = 4096;
  EXPECT_EQ(*defaultTileConfig("sm_90a", shape),
            (TileConfig{Strategy::WgmmaTma, 128, 64, 128, 5, 4, 1}));
  shape.inFeatures = 8192;
  shape.outFeatures = 10240;
  EXPECT_EQ(*defaultTileConfig("sm_90a", shape),
            (TileConfig{Strategy::WgmmaTma, 128, 128, 128, 9, 4, 2}));
  shape.outFeatures = 8192;
  EXPECT_EQ(*defaultTileConfig("sm_90a", shape),
            (TileConfig{Strategy::WgmmaTma, 128, 128, 128, 9, 4, 1}));
  // 7B.gate-up (N = 22016) too, and 7B.qkv (N = 12288) with one warpgroup.
  shape.inFeatures = 4096;
  shape.outFeatures = 22016;
  EXPECT_EQ(*defaultTileConfig("sm_90a", shape),
            (TileConfig{Strategy::WgmmaTma, 128, 128, 128, 9, 4, 1}));
  shape.outFeatures = 12288;
  EXPECT_EQ(*defaultTileConfig("sm_90a", shape),
            (TileConfig{Strategy::WgmmaTma, 128, 64, 128, 5, 4, 1}));
  // 1000 rows: two warpgroups.
  shape.rows = 1000;
  EXPECT_EQ(*defaultTileConfig("sm_90a", shape),
            (TileConfig{Strategy::WgmmaTma, 128, 128, 128, 9, 4, 1}));
  // Half a wave or less splits 2 ways (7B.o at 128 rows: 64 CTAs).
  shape.rows = 128;
  shape.outFeatures = 4096;
  EXPECT_EQ(*defaultTileConfig("sm_90a", shape),
            (TileConfig{Strategy::WgmmaTma, 128, 64, 128, 5, 4, 2}));
  // Groups of 64 (64-channel steps): the earlier 65-256-row rule, and
  // the wgmma tiles on wider layers and from 257 rows.
  shape.rows = 256;
  shape.groupSize = 64;
  shape.inFeatures = 8192;
  shape.outFeatures = 8192;
  EXPECT_EQ(*defaultTileConfig("sm_90a", shape),
            (TileConfig{Strategy::WgmmaTma, 128, 64, 64, 5, 4, 1}));
  shape.inFeatures = 4096;
  shape.outFeatures = 12288;
  EXPECT_EQ(defaultTileConfig("sm_90a", shape)->strategy, Strategy::Wgmma);
  shape.outFeatures = 4096;
  shape.rows = 1000;
  EXPECT_EQ(defaultTileConfig("sm_90a", shape)->strategy, Strategy::Wgmma);
  shape.groupSize = 128;
  // Groups of 32, one group spanning K, other architectures.
  shape.rows = 64;
  shape.groupSize = 32;
  EXPECT_EQ(defaultTileConfig("sm_90a", shape)->strategy, Strategy::Wgmma);
  shape.groupSize = -1;
  EXPECT_EQ(defaultTileConfig("sm_90a", shape)->strategy, Strategy::WgmmaTma);
  EXPECT_NE(defaultTileConfig("sm_90", shape)->strategy, Strategy::WgmmaTma);
  // A short K is not split below 8 steps per CTA.
  shape.inFeatures = 512;
  EXPECT_EQ(defaultTileConfig("sm_90a", shape)->splitK, 1);
}

// The TMA tiles' own rules (wgmma_tma.cuh's static_asserts and its maps).
TEST(TileLegality, WgmmaTmaTiles) {
  TileProblem problem;
  problem.inFeatures = 4096;
  problem.outFeatures = 4096;
  problem.groupSize = 128;
  problem.arch = "sm_90a";
  EXPECT_TRUE(
      checkTile({Strategy::WgmmaTma, 64, 64, 64, 5, 6, 2}, problem).ok());
  EXPECT_TRUE(
      checkTile({Strategy::WgmmaTma, 128, 128, 64, 9, 4}, problem).ok());
  // Every TMA tile takes its buffers dynamically.
  EXPECT_EQ(
      launchDynamicSharedBytes({Strategy::WgmmaTma, 64, 64, 64, 5, 6}, problem),
      6 * 11264 + 1024);
  EXPECT_EQ(
      checkTile({Strategy::WgmmaTma, 64, 128, 64, 5, 4}, problem).message(),
      "wgmma_tma tiles need warps = 4 per consumer warpgroup + 1 "
      "producer (5 or 9) and block_n = 64 per warpgroup, got 5 warps "
      "and block_n = 128");
  EXPECT_EQ(
      checkTile({Strategy::WgmmaTma, 256, 64, 64, 5, 2}, problem).message(),
      "wgmma_tma tiles need block_m = 16, 32, 64 or 128 (wgmma's N and the x "
      "box's rows), got 256");
  EXPECT_EQ(
      checkTile({Strategy::WgmmaTma, 128, 128, 64, 9, 12}, problem).message(),
      "wgmma_tma tile needs 259072 bytes of shared memory, over the "
      "232448 a CTA may have; use fewer stages or smaller blocks");
  problem.groupSize = 32;
  EXPECT_EQ(
      checkTile({Strategy::WgmmaTma, 64, 64, 64, 5, 6}, problem).message(),
      "wgmma_tma tiles need groups of a multiple of block_k = 64 channels "
      "(one scale row per step), got 32; use a wgmma tile");
  problem.groupSize = 64;
  EXPECT_EQ(
      checkTile({Strategy::WgmmaTma, 64, 64, 128, 5, 4}, problem).message(),
      "wgmma_tma tiles need groups of a multiple of block_k = 128 channels "
      "(one scale row per step), got 64; use a wgmma tile");
  EXPECT_EQ(
      checkTile({Strategy::WgmmaTma, 64, 64, 256, 5, 2}, problem).message(),
      "wgmma_tma tiles need block_k = 64 or 128 (one or two 128-byte "
      "swizzled x boxes per step), got 256");
  problem.groupSize = 128;
  problem.inFeatures = 4064;
  EXPECT_EQ(
      checkTile({Strategy::WgmmaTma, 64, 64, 64, 5, 6}, problem).message(),
      "wgmma_tma tiles need K = 4064 to be a multiple of block_k = 64 "
      "(whole steps)");
  problem.inFeatures = 4096;
  problem.bits = 3;
  EXPECT_EQ(
      checkTile({Strategy::WgmmaTma, 64, 64, 64, 5, 6}, problem).message(),
      "wgmma_tma tiles need a 4-bit layout without act-order, got 3 bits");
  problem.bits = 4;
  problem.arch = "sm_90";
  EXPECT_EQ(
      checkTile({Strategy::WgmmaTma, 64, 64, 64, 5, 6}, problem).message(),
      "wgmma_tma tiles need sm_90a (Hopper's warpgroup mma and TMA), not "
      "sm_90");
}

TEST(DefaultConfigs, PipelinedForBatches) {
  ProblemShape shape;
  shape.inFeatures = 4096;
  shape.outFeatures = 4096;
  shape.groupSize = 128;
  shape.rows = 256;
  // sm_90a has its own batch kernel (WgmmaForBatchesOnSm90a below); plain
  // sm_90 and sm_80 take the pipelined one.
  auto config = defaultTileConfig("sm_90", shape);
  ASSERT_TRUE(config.ok());
  EXPECT_EQ(config->strategy, Strategy::Pipelined);
  // Up to 16 known rows: 16-row pipelined tiles on 4-bit layers with
  // clusters; the stream kernel at one row, unknown M, and at N = 8192
  // with a longer K.
  shape.outFeatures = 12288;
  shape.rows = 16;
  auto m16 = defaultTileConfig("sm_90a", shape);
  ASSERT_TRUE(m16.ok());
  EXPECT_EQ(m16->strategy, Strategy::Pipelined);
  EXPECT_EQ(m16->blockM, 16);
  EXPECT_EQ(m16->blockK, 128);
  EXPECT_EQ(m16->stages, 3);
  // 2-8 rows on layers up to N = 12288 take the decode tile (8 rows),
  // wider ones the 16-row tiles.
  for (int64_t rows : {2, 8}) {
    shape.rows = rows;
    auto few = defaultTileConfig("sm_90a", shape);
    EXPECT_EQ(few->strategy, Strategy::Stream);
    EXPECT_EQ(few->blockM, 8);
    shape.outFeatures = 22016;
    EXPECT_EQ(defaultTileConfig("sm_90a", shape)->strategy,
              Strategy::Pipelined);
    shape.outFeatures = 12288;
  }
  shape.rows = 9;
  EXPECT_EQ(defaultTileConfig("sm_90a", shape)->strategy, Strategy::Pipelined);
  // One row: the decode tile, except where 256-column CTAs still number
  // 1.5 per SM (70B gate-up fused): there the stream tile of 8 column
  // warps, on every target.
  shape.rows = 1;
  shape.inFeatures = 8192;
  shape.outFeatures = 57344;
  for (const char *arch : {"sm_90a", "sm_80"}) {
    auto wideDecode = defaultTileConfig(arch, shape);
    EXPECT_EQ(wideDecode->strategy, Strategy::Stream);
    EXPECT_EQ(wideDecode->blockM, 8);
    EXPECT_EQ(wideDecode->blockN, 256);
    EXPECT_EQ(wideDecode->warps, 8);
    EXPECT_EQ(wideDecode->splitK, 1);
  }
  // 2-8 known rows at 4 bits too (8 bits only at one row).
  for (int64_t rows : {2, 8}) {
    shape.rows = rows;
    EXPECT_EQ(defaultTileConfig("sm_90a", shape)->blockN, 256) << rows;
  }
  shape.rows = 9;
  EXPECT_EQ(defaultTileConfig("sm_90a", shape)->strategy, Strategy::Pipelined);
  shape.rows = 2;
  shape.bits = 8;
  EXPECT_NE(defaultTileConfig("sm_90a", shape)->blockN, 256);
  shape.bits = 4;
  shape.rows = 1;
  // Fewer SMs' worth of 256-column CTAs (196 < 1.5 x 132): on sm_90a the
  // unsplit 16-row pipelined tile, whose grid fills two waves (N / 128 >=
  // 2 x SMs), elsewhere the decode tile.
  shape.outFeatures = 50176;
  EXPECT_EQ(defaultTileConfig("sm_90a", shape)->strategy, Strategy::Pipelined);
  EXPECT_EQ(defaultTileConfig("sm_90a", shape)->splitK, 1);
  EXPECT_EQ(defaultTileConfig("sm_80", shape)->blockN, 32);
  shape.outFeatures = 28672;
  EXPECT_EQ(defaultTileConfig("sm_90a", shape)->strategy, Strategy::Stream);
  shape.inFeatures = 4096;
  shape.outFeatures = 12288;
  for (int64_t rows : {1, -1})
    for (const char *arch : {"sm_90a", "sm_80"}) {
      shape.rows = rows;
      EXPECT_EQ(defaultTileConfig(arch, shape)->strategy, Strategy::Stream);
    }
  shape.rows = 16;
  EXPECT_EQ(defaultTileConfig("sm_80", shape)->strategy, Strategy::Stream);
  shape.outFeatures = 8192;
  shape.inFeatures = 8192;
  EXPECT_EQ(defaultTileConfig("sm_90a", shape)->strategy, Strategy::Pipelined);
  shape.inFeatures = 28672;
  EXPECT_EQ(defaultTileConfig("sm_90a", shape)->strategy, Strategy::Stream);
  shape.inFeatures = 4096;
  // N <= 4096: 64-column tiles of 2 warps, K split 6 ways.
  shape.outFeatures = 4096;
  auto narrow16 = defaultTileConfig("sm_90a", shape);
  ASSERT_TRUE(narrow16.ok());
  EXPECT_EQ(narrow16->strategy, Strategy::Pipelined);
  EXPECT_EQ(narrow16->blockN, 64);
  EXPECT_EQ(narrow16->warps, 2);
  EXPECT_EQ(narrow16->splitK, 6);
  EXPECT_EQ(defaultTileConfig("sm_80", shape)->strategy, Strategy::Stream);
  // Narrow layers (N = 4096) at M = 64 take the pipelined kernel split 3
  // ways with clusters and 4 bits; otherwise they stay on the stream
  // kernel. Wide ones take it everywhere.
  shape.rows = 64;
  EXPECT_EQ(defaultTileConfig("sm_90", shape)->strategy, Strategy::Pipelined);
  EXPECT_EQ(defaultTileConfig("sm_90", shape)->splitK, 3);
  EXPECT_EQ(defaultTileConfig("sm_80", shape)->strategy, Strategy::Stream);
  // Up to 32 rows (one 32-row block of the stream kernel) they stay.
  shape.rows = 32;
  EXPECT_EQ(defaultTileConfig("sm_90a", shape)->strategy, Strategy::Stream);
  shape.rows = 64;
  shape.bits = 2;
  EXPECT_EQ(defaultTileConfig("sm_90a", shape)->strategy, Strategy::Stream);
  shape.bits = 4;
  shape.outFeatures = 22016;
  EXPECT_EQ(defaultTileConfig("sm_90", shape)->strategy, Strategy::Pipelined);
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

TEST(TileLegality, SplitKRules) {
  TileProblem problem{4, false, 4096, 4096, 128};
  TileConfig tile{Strategy::Pipelined, 64, 128, 64, 4, 3};
  tile.splitK = 4;
  EXPECT_TRUE(checkTile(tile, problem).ok())
      << checkTile(tile, problem).message();
  tile.splitK = 9;
  EXPECT_EQ(checkTileFields(tile).message(), "split_k must be 1 to 8, got 9");
  tile.splitK = 0;
  EXPECT_FALSE(checkTileFields(tile).ok());
  // The mma kernel has no cross-CTA reduction.
  TileConfig mma{Strategy::Mma, 64, 128, 64, 4, 1};
  mma.splitK = 2;
  EXPECT_NE(checkTileFields(mma).message().find("mma tiles do not split K"),
            std::string::npos);
  // A pipelined split tile reduces its partial tile in the stage buffers:
  // 64 x 128 fp32 (32 KB) does not fit two 4-bit stages of 12.3 KB.
  tile = TileConfig{Strategy::Pipelined, 64, 128, 64, 4, 2};
  EXPECT_TRUE(checkTile(tile, problem).ok());
  tile.splitK = 2;
  EXPECT_NE(checkTile(tile, problem).message().find("split_k = 2"),
            std::string::npos);
  // Clusters exist from sm_90 on.
  tile.stages = 3;
  EXPECT_TRUE(checkTileForArch(tile, "sm_90a").ok());
  EXPECT_TRUE(checkTileForArch(tile, "sm_100").ok());
  EXPECT_EQ(checkTileForArch(tile, "sm_80").message(),
            "split_k = 2 needs thread-block clusters (sm_90 or newer), not "
            "sm_80");
  tile.splitK = 1;
  EXPECT_TRUE(checkTileForArch(tile, "sm_80").ok());
  tile.splitK = 2;
  problem.arch = "sm_86";
  EXPECT_FALSE(checkTile(tile, problem).ok());
}

TEST(TileLegality, ArchVersion) {
  EXPECT_EQ(archVersion("sm_80"), 80);
  EXPECT_EQ(archVersion("sm_90a"), 90);
  EXPECT_EQ(archVersion("sm_120"), 120);
  EXPECT_EQ(archVersion("sm_"), 0);
  EXPECT_EQ(archVersion("sm_90ab"), 0);
  EXPECT_EQ(archVersion("compute_90"), 0);
  EXPECT_EQ(archVersion(""), 0);
}

// Decode: 8-warp CTAs where every CTA is resident at once (two per SM),
// 4-warp CTAs on larger grids.
TEST(DefaultConfigs, DecodeWarpsFollowTheGrid) {
  ProblemShape shape;
  shape.groupSize = 128;
  shape.inFeatures = 8192;
  shape.rows = 1;
  auto warps = [&](int bits, int64_t n) {
    shape.bits = bits;
    shape.outFeatures = n;
    return defaultTileConfig("sm_90a", shape)->warps;
  };
  EXPECT_EQ(warps(4, 4096), 16); // 128 CTAs, K = 8192: one per SM
  EXPECT_EQ(warps(4, 8192), 8);  // 256 CTAs: two per SM
  EXPECT_EQ(warps(4, 10240), 4); // 320 CTAs
  EXPECT_EQ(warps(4, 57344), 8); // column warps (block_n 256)
  EXPECT_EQ(warps(4, 22016), 4);
  EXPECT_EQ(warps(3, 4096), 16);
  EXPECT_EQ(warps(3, 8192), 8);
  EXPECT_EQ(warps(3, 10240), 4);
  EXPECT_EQ(warps(8, 8192), 8);
  EXPECT_EQ(warps(2, 8192), 8);
  // 16 warps only where measured: not for 2- and 8-bit codes, act-order,
  // or a short K (7B.o).
  EXPECT_EQ(warps(2, 4096), 8);
  EXPECT_EQ(warps(8, 4096), 8);
  shape.actOrder = true;
  EXPECT_EQ(warps(4, 4096), 8);
  shape.actOrder = false;
  shape.inFeatures = 4096;
  EXPECT_EQ(warps(4, 4096), 8);
  // At M = 16 (unknown M: known M takes the pipelined kernel), 4-bit
  // only, with 16 values per lane (block_k 64).
  shape.inFeatures = 11008;
  shape.rows = -1;
  EXPECT_EQ(warps(4, 4096), 16);
  EXPECT_EQ(defaultTileConfig("sm_90a", shape)->blockK, 64);
  EXPECT_EQ(warps(3, 4096), 8);
}

TEST(DefaultConfigs, GridRulesFollowTheSmCount) {
  ProblemShape shape;
  shape.groupSize = 128;
  shape.rows = 1;
  shape.bits = 4;
  auto warps = [&](int64_t k, int64_t n, int64_t sms) {
    shape.inFeatures = k;
    shape.outFeatures = n;
    shape.sms = sms;
    return defaultTileConfig("sm_90a", shape)->warps;
  };
  EXPECT_EQ(shape.sms, kReferenceSms);
  // 128 column blocks: one per SM of 132, not of 108 (A100).
  EXPECT_EQ(warps(11008, 4096, 132), 16);
  EXPECT_EQ(warps(11008, 4096, 108), 8);
  // 256: two per SM of 132, not of 114 (H100 PCIe).
  EXPECT_EQ(warps(8192, 8192, 132), 8);
  EXPECT_EQ(warps(8192, 8192, 114), 4);
  // At 64 rows a 2-way split grid just over one CTA per SM splits 4 ways
  // instead: 80 column blocks on 132 SMs, not on 160.
  shape.rows = 64;
  shape.inFeatures = 8192;
  shape.outFeatures = 10240;
  shape.sms = 132;
  EXPECT_EQ(defaultTileConfig("sm_90", shape)->splitK, 4);
  shape.sms = 160;
  EXPECT_EQ(defaultTileConfig("sm_90", shape)->splitK, 2);
  // From 256 rows clusters aim at two waves of the SMs there are.
  shape.rows = 256;
  shape.outFeatures = 8192; // 4 x 64 tiles of 64 x 128
  shape.sms = 132;
  EXPECT_EQ(defaultTileConfig("sm_90", shape)->splitK, 2);
  shape.sms = 32;
  EXPECT_EQ(defaultTileConfig("sm_90", shape)->splitK, 1);
  // sm_90a's wgmma tiles: 64 tiles of 128 x 128 (twice 64 column blocks)
  // split 2 ways where they are under half the SMs.
  shape.sms = 132;
  EXPECT_EQ(defaultTileConfig("sm_90a", shape)->splitK, 1);
  shape.sms = 300;
  EXPECT_EQ(defaultTileConfig("sm_90a", shape)->splitK, 2);
}

TEST(DefaultConfigs, SplitKOnlyWithClustersAndFewColumnBlocks) {
  ProblemShape shape;
  shape.groupSize = 128;
  shape.inFeatures = 8192;
  shape.outFeatures = 8192; // 64 column blocks of 128
  shape.rows = 64;
  auto hopper = defaultTileConfig("sm_90", shape);
  ASSERT_TRUE(hopper.ok());
  EXPECT_EQ(hopper->strategy, Strategy::Pipelined);
  EXPECT_EQ(hopper->splitK, 2);
  // Without clusters the same layer keeps the stream kernel at M = 64.
  auto ampere = defaultTileConfig("sm_80", shape);
  ASSERT_TRUE(ampere.ok());
  EXPECT_EQ(ampere->strategy, Strategy::Stream);
  EXPECT_EQ(ampere->splitK, 1);
  // At 64 rows 2 ways on 96, 172 and 448 column blocks alike (measured
  // faster than 3, 2 and no split).
  shape.inFeatures = 4096;
  shape.outFeatures = 12288;
  EXPECT_EQ(defaultTileConfig("sm_90", shape)->splitK, 2);
  shape.outFeatures = 22016;
  EXPECT_EQ(defaultTileConfig("sm_90", shape)->splitK, 2);
  shape.inFeatures = 8192;
  shape.outFeatures = 57344;
  EXPECT_EQ(defaultTileConfig("sm_90", shape)->splitK, 2);
  // Other widths keep the two-wave rule: 448 column blocks do not split.
  shape.bits = 8;
  EXPECT_EQ(defaultTileConfig("sm_90", shape)->splitK, 1);
  shape.bits = 4;
  // Every CTA keeps at least 8 steps of block_k = 64: K = 1024 (16 steps)
  // of 80 column blocks splits 2 ways, not 4.
  shape.inFeatures = 1024;
  shape.outFeatures = 10240;
  EXPECT_EQ(defaultTileConfig("sm_90", shape)->splitK, 2);
  // From 256 rows at most 2 CTAs per tile: N = 4096 (128 tiles of 64 x
  // 128) splits 2 ways, not 3.
  shape.inFeatures = 4096;
  shape.outFeatures = 4096;
  shape.rows = 256;
  EXPECT_EQ(defaultTileConfig("sm_90", shape)->splitK, 2);
  // Stream tiles (decode, M = 16 on narrow layers with M unknown) never
  // split (measured slower).
  for (int64_t rows : {1, -1}) {
    shape.rows = rows;
    EXPECT_EQ(defaultTileConfig("sm_90", shape)->splitK, 1) << rows;
  }
  // Every default at these shapes is legal for its architecture.
  for (const char *arch : {"sm_80", "sm_90", "sm_90a"})
    for (int64_t n : {256, 4096, 8192, 12288})
      for (int64_t rows : {1, 16, 64, 256, 4096}) {
        ProblemShape s;
        s.groupSize = 128;
        s.inFeatures = 4096;
        s.outFeatures = n;
        s.rows = rows;
        auto c = defaultTileConfig(arch, s);
        ASSERT_TRUE(c.ok());
        TileProblem p{4, false, 4096, n, 128};
        p.arch = arch;
        EXPECT_TRUE(checkTile(*c, p).ok())
            << arch << " " << n << " " << rows << ": "
            << checkTile(*c, p).message();
      }
}

// wgmma.cuh's static rules, and its shared memory (dynamic past 48 KB).
TEST(TileLegality, WgmmaTiles) {
  TileProblem problem{4, false, 4096, 4096, 128};
  problem.arch = "sm_90a";
  // 64 x 64, one warpgroup, 4 stages of (8 KB x + 2 KB weights + 128 B
  // scales + 32 B zeros, rounded up to 1024): 45056 bytes, static.
  TileConfig tile{Strategy::Wgmma, 64, 64, 64, 4, 4};
  EXPECT_TRUE(checkTile(tile, problem).ok());
  EXPECT_EQ(tileSharedBytes(tile, problem), 4 * 11264);
  EXPECT_EQ(launchDynamicSharedBytes(tile, problem), 0);
  // 128 x 128, two warpgroups, 4 stages of 21504: dynamic, + 1024 to align.
  tile = TileConfig{Strategy::Wgmma, 128, 128, 64, 8, 4, 2};
  EXPECT_TRUE(checkTile(tile, problem).ok());
  EXPECT_EQ(launchDynamicSharedBytes(tile, problem), 4 * 21504 + 1024);
  EXPECT_EQ(tileSharedBytes(tile, problem), 4 * 21504 + 1024);
  // Groups of 32: two scale rows per step.
  problem.groupSize = 32;
  EXPECT_EQ(launchDynamicSharedBytes(tile, problem), 4 * 21504 + 1024);
  problem.groupSize = 128;
  // Only sm_90a has wgmma; only 4 bits without act-order decode for it.
  problem.arch = "sm_90";
  EXPECT_EQ(checkTile(tile, problem).message(),
            "wgmma tiles need sm_90a (Hopper's warpgroup mma), not sm_90");
  problem.arch = "sm_90a";
  problem.bits = 3;
  EXPECT_EQ(checkTile(tile, problem).message(),
            "wgmma tiles need a 4-bit layout without act-order, got 3 bits");
  problem.bits = 4;
  problem.actOrder = true;
  EXPECT_FALSE(checkTile(tile, problem).ok());
  problem.actOrder = false;
  // block_k 64, block_m a power of two 16-256, block_n 64 or 128 per
  // warpgroup, groups of 32 or multiples of 64, at most 227 KB.
  TileConfig bad = tile;
  bad.blockK = 128;
  EXPECT_NE(checkTile(bad, problem).message().find("block_k = 64"),
            std::string::npos);
  bad = tile;
  bad.blockM = 96;
  EXPECT_NE(checkTile(bad, problem).message().find("block_m = 16, 32"),
            std::string::npos);
  bad = tile;
  bad.blockN = 96;
  EXPECT_FALSE(checkTileFields(bad).ok()); // not a multiple of 64
  bad.blockN = 384;
  EXPECT_NE(checkTile(bad, problem).message().find("one or two"),
            std::string::npos);
  problem.groupSize = 96;
  problem.inFeatures = 4032;
  EXPECT_NE(checkTile(tile, problem).message().find("groups of 32"),
            std::string::npos);
  problem.groupSize = 128;
  problem.inFeatures = 4096;
  bad = tile;
  bad.blockM = 256;
  bad.stages = 7;
  EXPECT_NE(checkTile(bad, problem).message().find("over the 232448"),
            std::string::npos);
}

// wgmma candidates where the target is sm_90a, from 64 rows.
TEST(TuneCandidates, WgmmaCandidatesOnlyOnSm90a) {
  TileProblem problem{4, false, 4096, 4096, 128};
  const TileConfig pipelined{Strategy::Pipelined, 64, 128, 64, 4, 3};
  auto wgmmaCount = [&](const std::string &arch, int64_t bucket) {
    problem.arch = arch;
    int count = 0;
    for (const TileConfig &c : tuneCandidates(problem, bucket, pipelined)) {
      if (c.strategy != Strategy::Wgmma)
        continue;
      EXPECT_TRUE(checkTile(c, problem).ok()) << describeTile(c);
      ++count;
    }
    return count;
  };
  EXPECT_GT(wgmmaCount("sm_90a", 64), 0);
  EXPECT_GT(wgmmaCount("sm_90a", 256), 0);
  EXPECT_EQ(wgmmaCount("sm_90a", 16), 0);
  EXPECT_EQ(wgmmaCount("sm_90", 256), 0);
  EXPECT_EQ(wgmmaCount("sm_80", 256), 0);
}

TEST(TuneCandidates, SplitKCandidatesNeedClusters) {
  TileProblem problem{4, false, 8192, 8192, 128};
  const TileConfig pipelined{Strategy::Pipelined, 64, 128, 64, 4, 3};
  auto splits = [&](const std::string &arch) {
    problem.arch = arch;
    std::set<int64_t> seen;
    for (const TileConfig &c : tuneCandidates(problem, 64, pipelined))
      seen.insert(c.splitK);
    return seen;
  };
  EXPECT_EQ(splits("sm_90a"), (std::set<int64_t>{1, 2, 3, 4}));
  EXPECT_EQ(splits("sm_80"), (std::set<int64_t>{1}));
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
        std::set<std::tuple<int, int64_t, int64_t, int64_t, int64_t, int64_t,
                            int64_t>>
            seen;
        for (const TileConfig &c : candidates) {
          EXPECT_TRUE(checkTile(c, problem).ok()) << describeTile(c);
          EXPECT_TRUE(seen.insert({int(c.strategy), c.blockM, c.blockN,
                                   c.blockK, c.warps, c.stages, c.splitK})
                          .second)
              << describeTile(c);
          if (c.strategy == Strategy::Mma)
            EXPECT_EQ(c.splitK, 1);
          if (rowBucket(rows) > 256)
            EXPECT_NE(c.strategy, Strategy::Stream);
          if (actOrder)
            EXPECT_NE(c.strategy, Strategy::Pipelined);
          if (rowBucket(rows) < 16)
            EXPECT_EQ(c.strategy, Strategy::Stream);
        }
      }
}

// Column-warp stream tiles (block_n = 32 x warps) are tried at one row
// only, with 4, 7, 8, 14 and 16 warps where N divides.
TEST(TuneCandidates, ColumnWarpsAtOneRow) {
  TileProblem problem{4, false, 8192, 57344};
  problem.groupSize = 128;
  problem.arch = "sm_90a";
  const TileConfig defaultTile{Strategy::Stream, 8, 256, 128, 8, 2};
  ASSERT_TRUE(checkTile(defaultTile, problem).ok());
  auto columnWarps = [&](int64_t bucket) {
    std::set<int64_t> warps;
    for (const TileConfig &c : tuneCandidates(problem, bucket, defaultTile))
      if (c.strategy == Strategy::Stream && c.blockN > 64 &&
          !(c == defaultTile)) {
        EXPECT_EQ(c.blockN, 32 * c.warps) << describeTile(c);
        warps.insert(c.warps);
      }
    return warps;
  };
  // Besides the default (always first, not counted here).
  EXPECT_EQ(columnWarps(1), (std::set<int64_t>{4, 7, 8, 14, 16}));
  EXPECT_TRUE(columnWarps(16).empty());
  problem.outFeatures = 4096; // 7 and 14 warps do not divide N
  EXPECT_EQ(columnWarps(1), (std::set<int64_t>{4, 8, 16}));
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
                    (c.stages != defaultConfig->stages) +
                    (c.splitK != defaultConfig->splitK);
    EXPECT_EQ(differing, 1) << describeTile(c);
  }
  // Deterministic.
  auto again = tuneCandidates(problem, 1, *defaultConfig);
  ASSERT_EQ(again.size(), all.size());
  for (size_t i = 0; i < all.size(); ++i)
    EXPECT_TRUE(again[i] == all[i]);
}

} // namespace
