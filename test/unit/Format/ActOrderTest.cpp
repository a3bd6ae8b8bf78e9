//===- ActOrderTest.cpp - reordering act-order weights by group -----------===//

#include "gptq/Format/ActOrder.h"
#include "gptq/Format/Packing.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <numeric>
#include <random>

using namespace gptq::format;

namespace {

/// g_idx as GPTQ's act-order writes it: channel order[i] is the i-th
/// quantized and belongs to group i / groupSize.
std::vector<int32_t> actOrderGIdx(int64_t K, int64_t groupSize,
                                  std::mt19937 &rng) {
  std::vector<int32_t> order(K);
  std::iota(order.begin(), order.end(), 0);
  std::shuffle(order.begin(), order.end(), rng);
  std::vector<int32_t> gIdx(K);
  for (int64_t i = 0; i < K; ++i)
    gIdx[order[i]] = int32_t(i / groupSize);
  return gIdx;
}

TEST(ActOrderTest, PermutationGroupsChannelsStably) {
  std::mt19937 rng(7);
  const int64_t K = 512, groupSize = 128;
  std::vector<int32_t> gIdx = actOrderGIdx(K, groupSize, rng);
  auto perm = actOrderPermutation(gIdx, groupSize);
  ASSERT_TRUE(perm.ok()) << perm.message();
  ASSERT_EQ(perm->size(), size_t(K));
  for (int64_t k = 0; k < K; ++k) {
    EXPECT_EQ(gIdx[(*perm)[k]], k / groupSize) << "k' = " << k;
    // Stable: within a group, original channels keep their order.
    if (k % groupSize != 0)
      EXPECT_LT((*perm)[k - 1], (*perm)[k]);
  }
}

TEST(ActOrderTest, PermutationOfPlainGroupsIsIdentity) {
  std::vector<int32_t> gIdx(256);
  for (int k = 0; k < 256; ++k)
    gIdx[k] = k / 32;
  auto perm = actOrderPermutation(gIdx, 32);
  ASSERT_TRUE(perm.ok()) << perm.message();
  for (int k = 0; k < 256; ++k)
    EXPECT_EQ((*perm)[k], k);
}

TEST(ActOrderTest, PermutationRejectsUnevenGroups) {
  std::vector<int32_t> gIdx(64, 0);
  gIdx[5] = 1; // group 0 has 63 channels, group 1 one
  auto perm = actOrderPermutation(gIdx, 32);
  ASSERT_FALSE(perm.ok());
  EXPECT_NE(perm.message().find("group 0 holds 63 channels, not 32"),
            std::string::npos)
      << perm.message();
  gIdx[5] = 9;
  perm = actOrderPermutation(gIdx, 32);
  ASSERT_FALSE(perm.ok());
  EXPECT_NE(perm.message().find("g_idx[5] = 9 is outside 0..1"),
            std::string::npos)
      << perm.message();
}

TEST(ActOrderTest, PermutedRowsMoveCodesForEveryWidth) {
  std::mt19937 rng(11);
  const int64_t K = 256, N = 64;
  for (int bits : {2, 3, 4, 8}) {
    std::uniform_int_distribution<int32_t> code(0, (1 << bits) - 1);
    std::vector<int32_t> codes(K * N);
    for (auto &c : codes)
      c = code(rng);
    auto qweight = packWeights(codes, K, N, bits);
    ASSERT_TRUE(qweight.ok()) << qweight.message();
    auto perm = actOrderPermutation(actOrderGIdx(K, 32, rng), 32);
    ASSERT_TRUE(perm.ok()) << perm.message();
    auto moved = permutePackedRows(*qweight, K, N, bits, *perm);
    ASSERT_TRUE(moved.ok()) << moved.message();
    auto back = unpackWeights(*moved, K, N, bits);
    ASSERT_TRUE(back.ok()) << back.message();
    for (int64_t k = 0; k < K; ++k)
      for (int64_t n = 0; n < N; ++n)
        ASSERT_EQ((*back)[k * N + n], codes[(*perm)[k] * N + n])
            << bits << " bits, k' = " << k << ", n = " << n;
  }
}

TEST(ActOrderTest, PermutedRowsRejectBadPermutations) {
  std::vector<int32_t> qweight(32 * 8, 0); // K = 256, N = 8, 4 bits
  std::vector<int32_t> perm(256);
  std::iota(perm.begin(), perm.end(), 0);
  perm[3] = 2; // duplicate
  auto moved = permutePackedRows(qweight, 256, 8, 4, perm);
  ASSERT_FALSE(moved.ok());
  EXPECT_NE(moved.message().find("perm[3] = 2 is not part of a permutation"),
            std::string::npos)
      << moved.message();
  perm.pop_back();
  moved = permutePackedRows(qweight, 256, 8, 4, perm);
  ASSERT_FALSE(moved.ok());
  EXPECT_NE(moved.message().find("255 entries for K = 256"), std::string::npos)
      << moved.message();
}

} // namespace
