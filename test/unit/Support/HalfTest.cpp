//===- HalfTest.cpp - fp16/bf16 host conversions ---------------------------===//

#include "gptq/Support/Half.h"

#include <gtest/gtest.h>

#include <cmath>
#include <random>

using namespace gptq;

TEST(Half, EveryHalfRoundTripsThroughFloat) {
  for (uint32_t bits = 0; bits < 65536; ++bits) {
    float value = halfToFloat(uint16_t(bits));
    if (std::isnan(value))
      continue;
    ASSERT_EQ(floatToHalf(value), bits) << "half bits " << bits;
  }
}

TEST(Half, RoundsToNearestEven) {
  // 1 + 2^-11 lies exactly between 1 and the next half (1 + 2^-10): ties go
  // to the even mantissa, i.e. 1.0.
  EXPECT_EQ(floatToHalf(1.0f + 0.00048828125f), 0x3c00);
  // 1 + 3 * 2^-11 lies between 1+2^-10 (odd) and 1+2^-9 (even): rounds up.
  EXPECT_EQ(floatToHalf(1.0f + 3 * 0.00048828125f), 0x3c02);
  EXPECT_EQ(floatToHalf(65520.0f), 0x7c00); // overflow to +inf
  EXPECT_EQ(floatToHalf(65504.0f), 0x7bff); // largest finite half
  EXPECT_EQ(floatToHalf(-0.0f), 0x8000);
  EXPECT_EQ(floatToHalf(5.9604644775390625e-8f), 0x0001); // smallest subnormal
}

TEST(Half, MatchesCompilerConversionOnRandomFloats) {
  std::mt19937 rng(1234);
  std::normal_distribution<float> normal(0.0f, 100.0f);
  for (int i = 0; i < 100000; ++i) {
    float value = normal(rng) * std::pow(2.0f, float(int(rng() % 40) - 30));
    _Float16 reference = static_cast<_Float16>(value);
    uint16_t referenceBits;
    std::memcpy(&referenceBits, &reference, 2);
    ASSERT_EQ(floatToHalf(value), referenceBits) << value;
  }
}

TEST(Bf16, RoundTripAndRounding) {
  for (uint32_t bits = 0; bits < 65536; ++bits) {
    float value = bf16ToFloat(uint16_t(bits));
    if (std::isnan(value))
      continue;
    ASSERT_EQ(floatToBf16(value), bits);
  }
  // 1 + 2^-8 is a tie between 1 and 1 + 2^-7: even mantissa wins.
  EXPECT_EQ(floatToBf16(1.00390625f), 0x3f80);
  EXPECT_EQ(floatToBf16(1.01171875f), 0x3f82); // 1 + 3*2^-8 rounds up
}
