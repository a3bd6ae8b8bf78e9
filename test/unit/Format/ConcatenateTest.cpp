//===- ConcatenateTest.cpp - quantized linears side by side ---------------===//

#include "gptq/Format/Concatenate.h"
#include "gptq/Format/Packing.h"

#include <gtest/gtest.h>

#include <numeric>
#include <random>

using namespace gptq;
using namespace gptq::format;

namespace {

/// Random codes, zero points and scales for K x N at `bits`; act-order
/// g_idx from `order` when given.
QuantizedLinear randomLinear(int64_t K, int64_t N, int bits, int64_t group,
                             CheckpointFormat format, std::mt19937 &rng,
                             const std::vector<int32_t> *order = nullptr) {
  QuantizedLinear q;
  q.K = K;
  q.N = N;
  q.bits = bits;
  q.groupSize = group;
  q.format = format;
  const int64_t G = q.numGroups();
  const int maxq = (1 << bits) - 1;
  std::uniform_int_distribution<int> code(0, maxq);
  // v1 stores zero - 1: its zero points are 1..2^bits.
  std::uniform_int_distribution<int> zero(format == CheckpointFormat::GptqV1,
                                          maxq);
  std::uniform_real_distribution<float> scale(0.001f, 0.01f);
  std::vector<int32_t> codes(size_t(K * N)), zeros(size_t(G * N));
  for (int32_t &c : codes)
    c = code(rng);
  for (int32_t &z : zeros)
    z = zero(rng);
  q.scales.resize(size_t(G * N));
  for (float &s : q.scales)
    s = scale(rng);
  q.qweight = *packWeights(codes, K, N, bits);
  q.qzeros = *packZeros(zeros, G, N, bits, format);
  if (order) {
    q.gIdx.resize(size_t(K));
    for (int64_t i = 0; i < K; ++i)
      q.gIdx[size_t((*order)[size_t(i)])] = int32_t(i / group);
  }
  return q;
}

TEST(ConcatenateTest, JoinedLinearDequantizesToThePartsSideBySide) {
  std::mt19937 rng(3);
  const int64_t K = 256;
  std::vector<int32_t> order(K);
  std::iota(order.begin(), order.end(), 0);
  std::shuffle(order.begin(), order.end(), rng);
  for (int bits : {2, 3, 4, 8})
    for (bool actOrder : {false, true})
      for (CheckpointFormat format :
           {CheckpointFormat::GptqV1, CheckpointFormat::GptqV2}) {
        SCOPED_TRACE(::testing::Message()
                     << bits << " bits, act-order " << actOrder << ", "
                     << checkpointFormatName(format));
        // q, k, v of a grouped-query layer: widths 128, 64, 64 (3-bit
        // zero rows of 12, 6 and 6 words).
        const std::vector<int32_t> *given = actOrder ? &order : nullptr;
        QuantizedLinear q = randomLinear(K, 128, bits, 64, format, rng, given);
        QuantizedLinear k = randomLinear(K, 64, bits, 64, format, rng, given);
        QuantizedLinear v = randomLinear(K, 64, bits, 64, format, rng, given);
        k.bias.assign(64, 0.5f); // only k has one
        Expected<QuantizedLinear> joined = concatenateOutputs({&q, &k, &v});
        ASSERT_TRUE(joined.ok()) << joined.message();
        EXPECT_EQ(joined->N, 256);
        EXPECT_EQ(joined->gIdx, q.gIdx);
        Expected<std::vector<float>> all = dequantize(*joined);
        ASSERT_TRUE(all.ok()) << all.message();
        int64_t column = 0;
        for (const QuantizedLinear *part : {&q, &k, &v}) {
          Expected<std::vector<float>> own = dequantize(*part);
          ASSERT_TRUE(own.ok()) << own.message();
          for (int64_t r = 0; r < K; ++r)
            for (int64_t n = 0; n < part->N; ++n)
              ASSERT_EQ((*all)[size_t(r * 256 + column + n)],
                        (*own)[size_t(r * part->N + n)])
                  << "row " << r << " column " << column + n;
          for (int64_t n = 0; n < part->N; ++n)
            EXPECT_EQ(joined->bias[size_t(column + n)],
                      part == &k ? 0.5f : 0.0f);
          column += part->N;
        }
      }
}

TEST(ConcatenateTest, WithoutBiasesTheJoinedLinearHasNone) {
  std::mt19937 rng(5);
  QuantizedLinear a =
      randomLinear(128, 64, 4, 128, CheckpointFormat::GptqV1, rng);
  QuantizedLinear b =
      randomLinear(128, 96, 4, 128, CheckpointFormat::GptqV1, rng);
  Expected<QuantizedLinear> joined = concatenateOutputs({&a, &b});
  ASSERT_TRUE(joined.ok()) << joined.message();
  EXPECT_TRUE(joined->bias.empty());
  EXPECT_EQ(joined->qweight.size(), size_t(128 / 8 * 160));
  EXPECT_EQ(joined->qzeros.size(), size_t(160 / 8));
}

TEST(ConcatenateTest, RefusesPartsThatDifferPerInputChannel) {
  std::mt19937 rng(9);
  const auto v1 = CheckpointFormat::GptqV1;
  QuantizedLinear base = randomLinear(256, 64, 4, 128, v1, rng);
  auto refused = [&](const QuantizedLinear &other, const std::string &what) {
    Status status = checkConcatenable({&base, &other});
    ASSERT_FALSE(status.ok()) << what;
    EXPECT_NE(status.message().find(what), std::string::npos)
        << status.message();
    EXPECT_FALSE(concatenateOutputs({&base, &other}).ok());
  };
  refused(randomLinear(128, 64, 4, 128, v1, rng),
          "part 1 has K 128, part 0 256");
  refused(randomLinear(256, 64, 8, 128, v1, rng), "bits 8");
  refused(randomLinear(256, 64, 4, 64, v1, rng), "group size 64");
  refused(randomLinear(256, 64, 4, 128, CheckpointFormat::GptqV2, rng),
          "zero-point format gptq_v2");
  std::vector<int32_t> order(256);
  std::iota(order.begin(), order.end(), 0);
  std::shuffle(order.begin(), order.end(), rng);
  refused(randomLinear(256, 64, 4, 128, v1, rng, &order), "another g_idx");
  QuantizedLinear broken = base;
  broken.scales.pop_back();
  refused(broken, "part 1");
  EXPECT_FALSE(checkConcatenable({}).ok());
}

} // namespace
