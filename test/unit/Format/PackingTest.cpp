//===- PackingTest.cpp - AutoGPTQ bit packing -----------------------------===//

#include "gptq/Format/Packing.h"

#include <gtest/gtest.h>

#include <random>

using namespace gptq;
using namespace gptq::format;

namespace {

std::vector<int32_t> randomCodes(int64_t count, int bits, uint32_t seed) {
  std::mt19937 rng(seed);
  std::uniform_int_distribution<int32_t> dist(0, (1 << bits) - 1);
  std::vector<int32_t> codes(count);
  for (int32_t &code : codes)
    code = dist(rng);
  return codes;
}

class PackingRoundTrip : public ::testing::TestWithParam<int> {};

TEST_P(PackingRoundTrip, WeightsAndZeros) {
  const int bits = GetParam();
  const int64_t K = 96, N = 64, groups = 3; // 96*3 and 64*3 fill whole words
  std::vector<int32_t> codes = randomCodes(K * N, bits, 17 + bits);
  auto qweight = packWeights(codes, K, N, bits);
  ASSERT_TRUE(qweight.ok()) << qweight.message();
  EXPECT_EQ(int64_t(qweight->size()), K * bits / 32 * N);
  auto unpacked = unpackWeights(*qweight, K, N, bits);
  ASSERT_TRUE(unpacked.ok()) << unpacked.message();
  EXPECT_EQ(*unpacked, codes);

  // v2 holds 0..maxq; v1 holds 1..maxq+1.
  std::vector<int32_t> zeros = randomCodes(groups * N, bits, 99 + bits);
  for (CheckpointFormat format :
       {CheckpointFormat::GptqV1, CheckpointFormat::GptqV2}) {
    std::vector<int32_t> input = zeros;
    if (format == CheckpointFormat::GptqV1)
      for (int32_t &zero : input)
        zero += 1;
    auto qzeros = packZeros(input, groups, N, bits, format);
    ASSERT_TRUE(qzeros.ok()) << qzeros.message();
    EXPECT_EQ(int64_t(qzeros->size()), groups * N * bits / 32);
    auto back = unpackZeros(*qzeros, groups, N, bits, format);
    ASSERT_TRUE(back.ok()) << back.message();
    EXPECT_EQ(*back, input) << checkpointFormatName(format);
  }
  // The same stored stream read as v1 is one more than as v2.
  auto asV2 = packZeros(zeros, groups, N, bits, CheckpointFormat::GptqV2);
  auto readV1 = unpackZeros(*asV2, groups, N, bits, CheckpointFormat::GptqV1);
  ASSERT_TRUE(readV1.ok());
  for (size_t i = 0; i < zeros.size(); ++i)
    EXPECT_EQ((*readV1)[i], zeros[i] + 1);
}

INSTANTIATE_TEST_SUITE_P(Bits, PackingRoundTrip, ::testing::Values(2, 3, 4, 8));

TEST(Packing, FourBitLayoutByHand) {
  // One column, K = 8: value j sits in nibble j of the word.
  std::vector<int32_t> codes = {1, 2, 3, 4, 5, 6, 7, 15};
  auto qweight = packWeights(codes, 8, 1, 4);
  ASSERT_TRUE(qweight.ok());
  EXPECT_EQ(uint32_t((*qweight)[0]), 0xF7654321u);
}

TEST(Packing, ThreeBitValueTenStraddlesWords) {
  // One column, K = 32 -> 3 words. Value 10 occupies stream bits 30..32:
  // its low two bits are bits 30-31 of word 0, its high bit is bit 0 of
  // word 1. Value 21 occupies bits 63..65: bit 31 of word 1 and bits 0-1 of
  // word 2.
  std::vector<int32_t> codes(32, 0);
  codes[10] = 5; // 0b101: low bits 01 -> word0 bit30, high bit 1 -> word1 bit0
  codes[21] = 6; // 0b110: low bit 0 -> word1 bit31, high bits 11 -> word2 0-1
  codes[0] = 7;
  codes[31] = 3; // bits 93..95 -> word 2 bits 29..31
  auto qweight = packWeights(codes, 32, 1, 3);
  ASSERT_TRUE(qweight.ok()) << qweight.message();
  ASSERT_EQ(qweight->size(), 3u);
  EXPECT_EQ(uint32_t((*qweight)[0]), 0x40000007u);
  EXPECT_EQ(uint32_t((*qweight)[1]), 0x00000001u);
  EXPECT_EQ(uint32_t((*qweight)[2]), 0x60000003u);
  auto back = unpackWeights(*qweight, 32, 1, 3);
  ASSERT_TRUE(back.ok());
  EXPECT_EQ(*back, codes);

  // With codes[21] = 7 all three of its bits are set: word1 bit 31 too.
  codes[21] = 7;
  qweight = packWeights(codes, 32, 1, 3);
  EXPECT_EQ(uint32_t((*qweight)[1]), 0x80000001u);
}

TEST(Packing, ColumnsAreIndependentStreams) {
  // K = 8 rows of 4 bits, N = 2 columns: qweight is [1][2], one word per
  // column.
  std::vector<int32_t> codes(16);
  for (int k = 0; k < 8; ++k) {
    codes[k * 2 + 0] = k;
    codes[k * 2 + 1] = 15 - k;
  }
  auto qweight = packWeights(codes, 8, 2, 4);
  ASSERT_TRUE(qweight.ok());
  EXPECT_EQ(uint32_t((*qweight)[0]), 0x76543210u);
  EXPECT_EQ(uint32_t((*qweight)[1]), 0x89ABCDEFu);
}

TEST(Packing, Errors) {
  std::vector<int32_t> codes(64, 1);
  auto badBits = packWeights(codes, 8, 8, 5);
  ASSERT_FALSE(badBits.ok());
  EXPECT_NE(badBits.message().find("bits 5"), std::string::npos);

  auto partialWord = packWeights(codes, 4, 16, 4); // 4*4 = 16 bits
  ASSERT_FALSE(partialWord.ok());
  EXPECT_NE(partialWord.message().find("multiple of 32"), std::string::npos);

  auto wrongSize = packWeights(codes, 8, 4, 4);
  ASSERT_FALSE(wrongSize.ok());
  EXPECT_NE(wrongSize.message().find("expected 32 elements"),
            std::string::npos);

  codes[19] = 16;
  auto outOfRange = packWeights(codes, 8, 8, 4);
  ASSERT_FALSE(outOfRange.ok());
  EXPECT_NE(outOfRange.message().find("index 19"), std::string::npos)
      << outOfRange.message();
  codes[19] = -1;
  EXPECT_FALSE(packWeights(codes, 8, 8, 4).ok());

  auto wrongQweight = unpackWeights(std::vector<int32_t>(3), 8, 8, 4);
  EXPECT_FALSE(wrongQweight.ok());
}

TEST(Packing, ZeroPointZeroIsNotStorableInV1) {
  std::vector<int32_t> zeros(2 * 16, 3);
  zeros[1 * 16 + 5] = 0;
  auto v1 = packZeros(zeros, 2, 16, 2, CheckpointFormat::GptqV1);
  ASSERT_FALSE(v1.ok());
  const std::string &message = v1.message();
  EXPECT_NE(message.find("cannot store a zero point of 0"), std::string::npos)
      << message;
  EXPECT_NE(message.find("group 1 column 5"), std::string::npos) << message;
  EXPECT_NE(message.find("gptq_v2"), std::string::npos) << message;

  auto v2 = packZeros(zeros, 2, 16, 2, CheckpointFormat::GptqV2);
  ASSERT_TRUE(v2.ok()) << v2.message();
  auto back = unpackZeros(*v2, 2, 16, 2, CheckpointFormat::GptqV2);
  EXPECT_EQ(*back, zeros);

  // v1 can hold 2^bits (stored as all ones), v2 cannot.
  std::vector<int32_t> top(16, 4);
  EXPECT_TRUE(packZeros(top, 1, 16, 2, CheckpointFormat::GptqV1).ok());
  EXPECT_FALSE(packZeros(top, 1, 16, 2, CheckpointFormat::GptqV2).ok());
}

TEST(Packing, FindCorruptV1ZerosSeesTheAllOnesTail) {
  // Simulate AutoGPTQ's writer on 3-bit zeros where column 7 had zero 0: it
  // ORs 0xffffffff << 21 into word 0, so columns 7..9 read as all ones, and
  // the straddling column 10 gets its two low bits set (its high bit, in
  // word 1, is untouched and stays 0).
  const int64_t N = 32;
  std::vector<int32_t> zeros(N, 2); // stored 1
  auto packed = packZeros(zeros, 1, N, 3, CheckpointFormat::GptqV1);
  ASSERT_TRUE(packed.ok());
  std::vector<int32_t> corrupt = *packed;
  corrupt[0] = int32_t(uint32_t(corrupt[0]) | (0xffffffffu << 21));
  auto found = findCorruptV1Zeros(corrupt, 1, N, 3);
  ASSERT_TRUE(found.ok()) << found.message();
  std::vector<ZeroLocation> expected = {{0, 7}, {0, 8}, {0, 9}, {0, 10}};
  EXPECT_EQ(*found, expected);
  auto clean = findCorruptV1Zeros(*packed, 1, N, 3);
  ASSERT_TRUE(clean.ok());
  EXPECT_TRUE(clean->empty());
}

TEST(Packing, FormatNames) {
  EXPECT_STREQ(checkpointFormatName(CheckpointFormat::GptqV1), "gptq_v1");
  EXPECT_STREQ(checkpointFormatName(CheckpointFormat::GptqV2), "gptq_v2");
  EXPECT_EQ(*parseCheckpointFormat("gptq"), CheckpointFormat::GptqV1);
  EXPECT_EQ(*parseCheckpointFormat("gptq_v1"), CheckpointFormat::GptqV1);
  EXPECT_EQ(*parseCheckpointFormat("gptq_v2"), CheckpointFormat::GptqV2);
  auto bad = parseCheckpointFormat("awq");
  ASSERT_FALSE(bad.ok());
  EXPECT_NE(bad.message().find("'awq'"), std::string::npos);
}

} // namespace
