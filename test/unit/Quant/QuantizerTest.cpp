//===- QuantizerTest.cpp - The per-row min/max quantizer ------------------===//
//
// Hand-computed rows (values chosen so the float arithmetic is exact and the
// rounding rules are visible), then properties on random rows: every bit
// width, MSE search, and the v1-storable zero-point rule.
//
//===----------------------------------------------------------------------===//

#include "gptq/Quant/Quantizer.h"

#include "QuantTestUtils.h"

#include <gtest/gtest.h>

#include <cmath>
#include <vector>

using namespace gptq;
using namespace gptq::quant;

namespace {

Quantizer makeQuantizer(int bits, bool sym, bool mse = false,
                        bool v1StorableZeros = false) {
  QuantizerConfig config;
  config.bits = bits;
  config.sym = sym;
  config.mseSearch = mse;
  config.v1StorableZeros = v1StorableZeros;
  Expected<Quantizer> quantizer = Quantizer::create(config);
  EXPECT_TRUE(quantizer.ok()) << quantizer.message();
  return quantizer.take();
}

std::vector<int32_t> codesOf(const Quantizer &quantizer,
                             const std::vector<float> &row,
                             const QuantParams &params) {
  std::vector<int32_t> codes;
  for (float value : row)
    codes.push_back(quantizer.code(value, params));
  return codes;
}

double squaredError(const Quantizer &quantizer, const float *row, int64_t count,
                    const QuantParams &params) {
  double error = 0.0;
  for (int64_t i = 0; i < count; ++i) {
    double diff = double(quantizer.quantize(row[i], params)) - row[i];
    error += diff * diff;
  }
  return error;
}

TEST(Quantizer, AsymmetricRowByHand) {
  // 4 bits: xmin -3, xmax 4.5 -> scale 7.5/15 = 0.5, zero round(6) = 6.
  Quantizer quantizer = makeQuantizer(4, /*sym=*/false);
  std::vector<float> row = {1.0f, -3.0f, 4.5f, 0.74f, 2.25f};
  QuantParams params = quantizer.findParams(row.data(), row.size());
  EXPECT_EQ(params.scale, 0.5f);
  EXPECT_EQ(params.zero, 6.0f);
  // 2.25 / 0.5 = 4.5 ties to 4 (half to even).
  EXPECT_EQ(codesOf(quantizer, row, params),
            (std::vector<int32_t>{8, 0, 15, 7, 10}));
  EXPECT_EQ(quantizer.quantize(0.74f, params), 0.5f);
  EXPECT_EQ(Quantizer::dequantize(15, params), 4.5f);
}

TEST(Quantizer, RangeAlwaysContainsZero) {
  // All positive: xmin becomes 0, so zero = 0 and 0 is exactly representable.
  Quantizer quantizer = makeQuantizer(3, /*sym=*/false);
  std::vector<float> row = {3.5f, 7.0f, 5.0f};
  QuantParams params = quantizer.findParams(row.data(), row.size());
  EXPECT_EQ(params.scale, 1.0f);
  EXPECT_EQ(params.zero, 0.0f);
  EXPECT_EQ(codesOf(quantizer, row, params),
            (std::vector<int32_t>{4, 7, 5})); // 3.5 ties to 4
  // All negative: xmax becomes 0, zero = maxq.
  std::vector<float> negative = {-7.0f, -1.0f};
  params = quantizer.findParams(negative.data(), negative.size());
  EXPECT_EQ(params.scale, 1.0f);
  EXPECT_EQ(params.zero, 7.0f);
}

TEST(Quantizer, ZeroPointTiesRoundHalfToEven) {
  // 2 bits, xmin -5, xmax 1: scale 6/3 = 2, -xmin/scale = 2.5 -> zero 2
  // (half away from zero would give 3).
  Quantizer quantizer = makeQuantizer(2, /*sym=*/false);
  std::vector<float> row = {-5.0f, 1.0f, -1.0f, -3.0f};
  QuantParams params = quantizer.findParams(row.data(), row.size());
  EXPECT_EQ(params.scale, 2.0f);
  EXPECT_EQ(params.zero, 2.0f);
  // -2.5 -> -2, 0.5 -> 0, -0.5 -> -0, -1.5 -> -2.
  EXPECT_EQ(codesOf(quantizer, row, params),
            (std::vector<int32_t>{0, 2, 2, 0}));
  // 1.5 -> 2 (the tie upward), clamped to maxq.
  EXPECT_EQ(quantizer.code(3.0f, params), 3);
  EXPECT_EQ(quantizer.code(0.99f, params), 2);
}

TEST(Quantizer, SymmetricRowByHand) {
  // 4 bits: xmax = max(|-7.5|, 3) = 7.5, range [-7.5, 7.5], scale 1, zero 8.
  Quantizer quantizer = makeQuantizer(4, /*sym=*/true);
  std::vector<float> row = {-7.5f, 2.5f, 0.5f, -1.5f, 3.0f};
  QuantParams params = quantizer.findParams(row.data(), row.size());
  EXPECT_EQ(params.scale, 1.0f);
  EXPECT_EQ(params.zero, 8.0f);
  EXPECT_EQ(codesOf(quantizer, row, params),
            (std::vector<int32_t>{0, 10, 8, 6, 11}));
}

TEST(Quantizer, SymmetricNonNegativeRowKeepsZeroMinimum) {
  // The reference only mirrors xmin when it is negative: a non-negative row
  // keeps [0, xmax], so with zero = (maxq+1)/2 its upper half clips.
  Quantizer quantizer = makeQuantizer(2, /*sym=*/true);
  std::vector<float> row = {0.0f, 1.5f, 3.0f};
  QuantParams params = quantizer.findParams(row.data(), row.size());
  EXPECT_EQ(params.scale, 1.0f);
  EXPECT_EQ(params.zero, 2.0f);
  EXPECT_EQ(codesOf(quantizer, row, params), (std::vector<int32_t>{2, 3, 3}));
  EXPECT_EQ(quantizer.quantize(3.0f, params), 1.0f);
}

TEST(Quantizer, AllZeroRowUsesUnitRange) {
  // Range [-1, 1]: scale 2/maxq. The asymmetric zero point round(1 / scale)
  // is computed in float, and float(1 / float(2/maxq)) lands just below the
  // tie maxq/2 for 3, 4 and 8 bits (3.4999998, 7.4999995, 127.49999), as in
  // the reference's fp32; only 2 bits hits 1.5 exactly and ties to even.
  std::vector<float> row(8, 0.0f);
  const std::pair<int, float> asymmetricZero[] = {
      {2, 2.0f}, {3, 3.0f}, {4, 7.0f}, {8, 127.0f}};
  for (auto [bits, zero] : asymmetricZero) {
    float maxq = float((1 << bits) - 1);
    for (bool sym : {false, true}) {
      Quantizer quantizer = makeQuantizer(bits, sym);
      QuantParams params = quantizer.findParams(row.data(), row.size());
      EXPECT_EQ(params.scale, 2.0f / maxq) << bits << " bits";
      EXPECT_EQ(params.zero, sym ? (maxq + 1.0f) / 2.0f : zero)
          << bits << " bits, sym " << sym;
      EXPECT_EQ(quantizer.quantize(0.0f, params), 0.0f);
    }
  }
}

TEST(Quantizer, SymmetricZeroPointPerBitWidth) {
  std::vector<float> row = {-1.0f, 0.25f, 0.5f};
  const std::pair<int, float> expected[] = {
      {2, 2.0f}, {3, 4.0f}, {4, 8.0f}, {8, 128.0f}};
  for (auto [bits, zero] : expected) {
    Quantizer quantizer = makeQuantizer(bits, /*sym=*/true);
    QuantParams params = quantizer.findParams(row.data(), row.size());
    EXPECT_EQ(params.zero, zero);
    EXPECT_FLOAT_EQ(params.scale, 2.0f / float((1 << bits) - 1));
  }
}

TEST(Quantizer, EightBitByHand) {
  Quantizer quantizer = makeQuantizer(8, /*sym=*/false);
  std::vector<float> row = {-1.0f, 254.0f, 100.5f, 101.5f};
  QuantParams params = quantizer.findParams(row.data(), row.size());
  EXPECT_EQ(params.scale, 1.0f);
  EXPECT_EQ(params.zero, 1.0f);
  EXPECT_EQ(codesOf(quantizer, row, params),
            (std::vector<int32_t>{0, 255, 101, 103}));
}

TEST(Quantizer, EveryBitWidthCoversTheRow) {
  std::vector<float> row = test::randomNormal(257, 7);
  for (int bits : {2, 3, 4, 8}) {
    for (bool sym : {false, true}) {
      Quantizer quantizer = makeQuantizer(bits, sym);
      QuantParams params = quantizer.findParams(row.data(), row.size());
      ASSERT_GT(params.scale, 0.0f);
      float halfStep = params.scale / 2.0f * (1.0f + 1e-5f);
      for (float value : row) {
        int32_t code = quantizer.code(value, params);
        ASSERT_GE(code, 0);
        ASSERT_LE(code, quantizer.maxq());
        // Min/max leaves at most one value clipped (the symmetric range's
        // extra negative level sits at -scale·zero, the top at
        // scale·(maxq-zero)); everything rounds to within half a step.
        EXPECT_LE(std::fabs(quantizer.quantize(value, params) - value),
                  sym ? params.scale : halfStep)
            << bits << " bits, sym " << sym << ", x " << value;
      }
    }
  }
}

TEST(Quantizer, MseSearchNeverWorseInItsNorm) {
  // Rows with an outlier: shrinking the range should help the bulk.
  for (int bits : {2, 3, 4, 8}) {
    for (bool sym : {false, true}) {
      Quantizer plain = makeQuantizer(bits, sym);
      Quantizer mse = makeQuantizer(bits, sym, /*mse=*/true);
      int improved = 0;
      for (uint32_t seed = 0; seed < 20; ++seed) {
        std::vector<float> row = test::randomNormal(128, 100 + seed);
        row[seed % 128] *= 6.0f;
        QuantParams a = plain.findParams(row.data(), row.size());
        QuantParams b = mse.findParams(row.data(), row.size());
        double errorPlain = 0.0, errorMse = 0.0;
        for (float value : row) {
          errorPlain +=
              std::pow(std::fabs(plain.quantize(value, a) - value), 2.4);
          errorMse += std::pow(std::fabs(mse.quantize(value, b) - value), 2.4);
        }
        EXPECT_LE(errorMse, errorPlain * (1 + 1e-9));
        improved += errorMse < errorPlain;
        if (sym)
          EXPECT_EQ(b.zero, a.zero);
      }
      // At 8 bits the rounding error is so small that clipping a 6-sigma
      // outlier rarely pays.
      if (bits <= 4)
        EXPECT_GT(improved, 10) << bits << " bits, sym " << sym;
    }
  }
}

TEST(Quantizer, V1StorableNeverEmitsZeroPointZero) {
  for (int bits : {2, 3, 4, 8}) {
    for (bool mse : {false, true}) {
      Quantizer quantizer =
          makeQuantizer(bits, /*sym=*/false, mse, /*v1StorableZeros=*/true);
      for (uint32_t seed = 0; seed < 40; ++seed) {
        // Mostly non-negative rows, some with a slightly negative minimum:
        // all of them would get zero = 0 without the rule.
        std::vector<float> row = test::randomNormal(64, seed, 1.0f, 0.5f);
        for (float &value : row)
          value = std::fabs(value);
        if (seed % 2)
          row[seed % 64] = -0.001f * float(seed);
        QuantParams params = quantizer.findParams(row.data(), row.size());
        EXPECT_GE(params.zero, 1.0f) << bits << " bits, seed " << seed;
        EXPECT_LE(params.zero, float(quantizer.maxq()));
        EXPECT_EQ(params.zero, std::nearbyint(params.zero));
        for (float value : row) {
          int32_t code = quantizer.code(value, params);
          EXPECT_GE(code, 0);
          EXPECT_LE(code, quantizer.maxq());
        }
      }
    }
  }
}

TEST(Quantizer, V1StorableChangesOnlyRowsWithZeroPointZero) {
  Quantizer plain = makeQuantizer(4, /*sym=*/false);
  Quantizer storable =
      makeQuantizer(4, /*sym=*/false, false, /*v1StorableZeros=*/true);
  std::vector<float> row = {-1.0f, 0.5f, 2.0f};
  QuantParams a = plain.findParams(row.data(), row.size());
  QuantParams b = storable.findParams(row.data(), row.size());
  EXPECT_EQ(a.zero, 5.0f);
  EXPECT_EQ(a.scale, b.scale);
  EXPECT_EQ(a.zero, b.zero);
  // Symmetric zero points are always storable.
  Quantizer sym = makeQuantizer(4, /*sym=*/true, false, true);
  std::vector<float> positive = {0.5f, 3.0f};
  EXPECT_EQ(sym.findParams(positive.data(), 2).zero, 8.0f);
}

TEST(Quantizer, V1StorableWidensByHand) {
  // 4 bits, [0, 14]: unconstrained scale 14/15, zero 0. Zero 1 spans
  // [-s, 14 s], so the widened scale is 14/14 = 1; it also represents the
  // row's values exactly, so no smaller candidate can beat it.
  Quantizer quantizer =
      makeQuantizer(4, /*sym=*/false, false, /*v1StorableZeros=*/true);
  std::vector<float> row = {0.0f, 14.0f, 3.0f, 7.0f};
  QuantParams params = quantizer.findParams(row.data(), row.size());
  EXPECT_EQ(params.zero, 1.0f);
  EXPECT_EQ(params.scale, 1.0f);
  EXPECT_EQ(codesOf(quantizer, row, params),
            (std::vector<int32_t>{1, 15, 4, 8}));
}

TEST(Quantizer, V1StorableErrorCloseToUnconstrained) {
  // Worst case for the rule: every row non-negative, so every row moves.
  // The widening alone costs about (maxq/(maxq-1))^2 in squared error; the
  // scale refinement must save at least half of that.
  for (int bits : {2, 3, 4, 8}) {
    Quantizer plain = makeQuantizer(bits, /*sym=*/false);
    Quantizer storable =
        makeQuantizer(bits, /*sym=*/false, false, /*v1StorableZeros=*/true);
    double errorPlain = 0.0, errorStorable = 0.0;
    for (uint32_t seed = 0; seed < 200; ++seed) {
      std::vector<float> row = test::randomNormal(128, 1000 + seed);
      for (float &value : row)
        value = std::fabs(value);
      errorPlain += squaredError(plain, row.data(), row.size(),
                                 plain.findParams(row.data(), row.size()));
      errorStorable +=
          squaredError(storable, row.data(), row.size(),
                       storable.findParams(row.data(), row.size()));
    }
    double maxq = double((1 << bits) - 1);
    double bound = (maxq / (maxq - 1)) * (maxq / (maxq - 1));
    double ratio = errorStorable / errorPlain;
    std::printf("v1-storable error ratio, %d bits, all rows moved: %.4f "
                "(widening bound %.4f)\n",
                bits, ratio, bound);
    EXPECT_LE(ratio, 1.0 + (bound - 1.0) / 2.0) << bits << " bits";
  }
  // Typical weights (zero-mean rows): the rule almost never applies.
  for (int bits : {2, 4}) {
    Quantizer plain = makeQuantizer(bits, /*sym=*/false);
    Quantizer storable =
        makeQuantizer(bits, /*sym=*/false, false, /*v1StorableZeros=*/true);
    double errorPlain = 0.0, errorStorable = 0.0;
    for (uint32_t seed = 0; seed < 200; ++seed) {
      std::vector<float> row = test::randomNormal(32, 5000 + seed);
      errorPlain += squaredError(plain, row.data(), row.size(),
                                 plain.findParams(row.data(), row.size()));
      errorStorable +=
          squaredError(storable, row.data(), row.size(),
                       storable.findParams(row.data(), row.size()));
    }
    EXPECT_LE(errorStorable / errorPlain, 1.01) << bits << " bits";
  }
}

TEST(Quantizer, RejectsBadConfigurations) {
  for (int bits : {0, 1, 5, 6, 7, 16}) {
    QuantizerConfig config;
    config.bits = bits;
    Expected<Quantizer> quantizer = Quantizer::create(config);
    ASSERT_FALSE(quantizer.ok());
    EXPECT_NE(quantizer.message().find("unsupported bits"), std::string::npos)
        << quantizer.message();
  }
  QuantizerConfig config;
  config.mseSearch = true;
  config.mseGrid = 0;
  EXPECT_FALSE(Quantizer::create(config).ok());
  config.mseGrid = 100;
  config.mseMaxShrink = 1.5f;
  EXPECT_FALSE(Quantizer::create(config).ok());
  config.mseMaxShrink = 0.8f;
  config.mseNorm = -1.0f;
  EXPECT_FALSE(Quantizer::create(config).ok());
}

} // namespace
