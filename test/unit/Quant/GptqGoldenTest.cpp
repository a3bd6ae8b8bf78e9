//===- GptqGoldenTest.cpp - The CPU solver against the golden oracle ------===//
//
// testdata/gptq_golden_public.safetensors holds six layers quantized by the
// reference implementation (AutoGPTQ's solver, fp32 on an H100) with their
// settings in __metadata__. From each case's `weight` and `hessian` the CPU
// solver must reproduce the reference's codes on >= 99.5% of entries, g_idx
// exactly, the proxy error within 0.5%, and scales/zero points to float
// tolerance on rows whose codes agree; the Hessian accumulated from
// `calib_x` must match `hessian`.
//
//===----------------------------------------------------------------------===//

#include "gptq/Format/Safetensors.h"
#include "gptq/Quant/GptqSolver.h"
#include "gptq/Quant/Hessian.h"
#include "gptq/Support/Half.h"

#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include <chrono>
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <iterator>

using namespace gptq;
using namespace gptq::quant;

namespace {

const char *const kCases[] = {"c1_b4_g128_asym",      "c2_b4_g128_sym_act",
                              "c3_b3_g64_asym_act",   "c4_b2_perchannel",
                              "c5_b8_g32_act_static", "c6_b4_g64_dead"};

const format::SafetensorsFile &goldenFile() {
  static Expected<format::SafetensorsFile> file = format::SafetensorsFile::open(
      std::string(GPTQ_TESTDATA_DIR) + "/gptq_golden_public.safetensors");
  if (!file.ok()) {
    ADD_FAILURE() << file.message();
    std::abort();
  }
  return *file;
}

std::vector<float> readFloat(const std::string &name) {
  Expected<std::vector<float>> values = goldenFile().readFloat(name);
  EXPECT_TRUE(values.ok()) << values.message();
  return values.ok() ? values.take() : std::vector<float>();
}

std::vector<int32_t> readInt32(const std::string &name) {
  Expected<std::vector<int32_t>> values = goldenFile().readInt32(name);
  EXPECT_TRUE(values.ok()) << values.message();
  return values.ok() ? values.take() : std::vector<int32_t>();
}

/// One case's settings and tensors.
struct GoldenCase {
  std::string name;
  int64_t N = 0, K = 0;
  GptqOptions options;
  std::vector<float> weight, hessian, scales, zeros, quantizedWeight;
  std::vector<int32_t> codes, gIdx;
  float proxyError = 0.0f;

  static GoldenCase load(const std::string &name) {
    GoldenCase golden;
    golden.name = name;
    const auto &metadata = goldenFile().metadata();
    auto settings = metadata.find(name);
    if (settings == metadata.end()) {
      ADD_FAILURE() << "no metadata for " << name;
      return golden;
    }
    nlohmann::json json = nlohmann::json::parse(settings->second);
    golden.N = json.at("N");
    golden.K = json.at("K");
    golden.options.bits = json.at("bits");
    golden.options.groupSize = json.at("g");
    golden.options.sym = json.at("sym");
    golden.options.actOrder = json.at("act");
    golden.options.staticGroups = json.at("static");
    golden.options.blockSize = json.at("blocksize");
    golden.options.dampPercent = json.at("percdamp");
    golden.weight = readFloat(name + ".weight");
    golden.hessian = readFloat(name + ".hessian");
    golden.scales = readFloat(name + ".scale");
    golden.zeros = readFloat(name + ".zero");
    golden.quantizedWeight = readFloat(name + ".q_weight");
    golden.codes = readInt32(name + ".codes");
    golden.gIdx = readInt32(name + ".g_idx");
    std::vector<float> proxy = readFloat(name + ".proxy_err");
    golden.proxyError = proxy.empty() ? 0.0f : proxy[0];
    return golden;
  }
};

class GoldenOracle : public testing::TestWithParam<const char *> {};

TEST(GoldenFile, HoldsTheSixCases) {
  EXPECT_EQ(goldenFile().metadata().size(), std::size(kCases));
  for (const char *name : kCases) {
    EXPECT_EQ(goldenFile().metadata().count(name), 1u) << name;
    EXPECT_NE(goldenFile().find(std::string(name) + ".hessian"), nullptr);
  }
}

TEST_P(GoldenOracle, SolverMatchesReference) {
  GoldenCase golden = GoldenCase::load(GetParam());
  const int64_t N = golden.N, K = golden.K;
  ASSERT_EQ(int64_t(golden.codes.size()), N * K);

  auto start = std::chrono::steady_clock::now();
  Expected<GptqResult> solved = createCpuSolver()->solve(
      golden.weight, N, K, golden.hessian, golden.options);
  double seconds =
      std::chrono::duration<double>(std::chrono::steady_clock::now() - start)
          .count();
  ASSERT_TRUE(solved.ok()) << solved.message();
  const GptqResult &result = *solved;
  EXPECT_EQ(result.dampUsed, golden.options.dampPercent);

  // Codes.
  int64_t agreeing = 0;
  std::vector<bool> rowAgrees(N, true);
  for (int64_t i = 0; i < N * K; ++i) {
    bool same = result.codes[i] == golden.codes[i];
    agreeing += same;
    if (!same)
      rowAgrees[i / K] = false;
  }
  double agreement = double(agreeing) / double(N * K);

  // The reference measured its proxy error on the fp16 q_weight; report ours
  // both on the same fp16 rounding and on the float values.
  std::vector<float> dequantizedHalf(N * K);
  for (int64_t i = 0; i < N * K; ++i)
    dequantizedHalf[i] = halfToFloat(floatToHalf(result.dequantized[i]));
  double oursHalf =
      proxyError(golden.weight, dequantizedHalf, golden.hessian, N, K);
  double oursFloat =
      proxyError(golden.weight, result.dequantized, golden.hessian, N, K);
  double reference = golden.proxyError;

  std::printf("%-22s codes agree %.4f%% (%ld of %ld differ), proxy_err ours "
              "%.6g (fp16 Q) / %.6g (fp32 Q), reference %.6g (%+.2e), "
              "%.3f s\n",
              golden.name.c_str(), 100.0 * agreement, long(N * K - agreeing),
              long(N * K), oursHalf, oursFloat, reference,
              (oursHalf - reference) / reference, seconds);
  EXPECT_GE(agreement, 0.995);
  EXPECT_EQ(result.gIdx, golden.gIdx);
  EXPECT_NEAR(oursHalf, reference, 0.005 * reference);
  EXPECT_NEAR(oursFloat, reference, 0.005 * reference);

  // Scales, zero points and dequantized values on rows whose codes agree.
  int64_t groups = result.numGroups();
  ASSERT_EQ(int64_t(golden.scales.size()), N * groups);
  for (int64_t n = 0; n < N; ++n) {
    if (!rowAgrees[n])
      continue;
    for (int64_t group = 0; group < groups; ++group) {
      int64_t i = n * groups + group;
      EXPECT_NEAR(result.scales[i], golden.scales[i],
                  1e-5f * std::fabs(golden.scales[i]))
          << "row " << n << " group " << group;
      EXPECT_EQ(result.zeros[i], golden.zeros[i])
          << "row " << n << " group " << group;
    }
    for (int64_t k = 0; k < K; ++k)
      EXPECT_NEAR(dequantizedHalf[n * K + k], golden.quantizedWeight[n * K + k],
                  1e-3f * std::fabs(golden.quantizedWeight[n * K + k]))
          << "row " << n << " column " << k;
  }
}

TEST_P(GoldenOracle, HessianFromCalibrationInputs) {
  GoldenCase golden = GoldenCase::load(GetParam());
  const int64_t K = golden.K;
  const format::TensorInfo *info = goldenFile().find(golden.name + ".calib_x");
  ASSERT_NE(info, nullptr);
  ASSERT_EQ(info->shape.size(), 3u);
  int64_t calls = info->shape[0], tokens = info->shape[1];
  ASSERT_EQ(info->shape[2], K);
  std::vector<float> inputs = readFloat(golden.name + ".calib_x");

  HessianAccumulator accumulator(K);
  for (int64_t call = 0; call < calls; ++call)
    accumulator.addBatch(inputs.data() + call * tokens * K, 1, tokens);
  EXPECT_EQ(accumulator.numSamples(), calls);

  const std::vector<float> &ours = accumulator.hessian();
  const std::vector<float> &reference = golden.hessian;
  double worst = 0.0, differenceSquares = 0.0, referenceSquares = 0.0;
  for (int64_t i = 0; i < K; ++i)
    for (int64_t j = 0; j < K; ++j) {
      double a = ours[i * K + j], b = reference[i * K + j];
      differenceSquares += (a - b) * (a - b);
      referenceSquares += b * b;
      double scale = std::sqrt(double(reference[i * K + i]) *
                               double(reference[j * K + j]));
      if (scale == 0.0)
        EXPECT_EQ(a, b) << "dead channel entry " << i << ", " << j;
      else
        worst = std::max(worst, std::fabs(a - b) / scale);
    }
  double relative = std::sqrt(differenceSquares / referenceSquares);
  std::printf("%-22s Hessian from calib_x: relative error %.2e (Frobenius), "
              "%.2e (worst entry / sqrt(H_ii H_jj))\n",
              golden.name.c_str(), relative, worst);
  EXPECT_LT(relative, 1e-5);
  EXPECT_LT(worst, 1e-5);
}

TEST_P(GoldenOracle, V1StorableZerosStayCloseToReference) {
  // Same solve with v1-storable zero points: none is 0, and the layer error
  // stays near the reference's (c4 is the case with zero points of 0).
  GoldenCase golden = GoldenCase::load(GetParam());
  if (golden.options.sym)
    GTEST_SKIP() << "symmetric zero points are always storable";
  GptqOptions options = golden.options;
  options.v1StorableZeros = true;
  Expected<GptqResult> solved = createCpuSolver()->solve(
      golden.weight, golden.N, golden.K, golden.hessian, options);
  ASSERT_TRUE(solved.ok()) << solved.message();
  int64_t referenceZeroPoints = 0;
  for (float zero : golden.zeros)
    referenceZeroPoints += zero == 0.0f;
  for (float zero : solved->zeros)
    ASSERT_GE(zero, 1.0f);
  double ours = proxyError(golden.weight, solved->dequantized, golden.hessian,
                           golden.N, golden.K);
  std::printf("%-22s v1-storable: %ld reference zero points were 0; "
              "proxy_err %.6g vs reference %.6g (%+.2e)\n",
              golden.name.c_str(), long(referenceZeroPoints), ours,
              golden.proxyError,
              (ours - golden.proxyError) / golden.proxyError);
  EXPECT_LT(ours, 1.01 * golden.proxyError);
}

INSTANTIATE_TEST_SUITE_P(AllCases, GoldenOracle, testing::ValuesIn(kCases),
                         [](const testing::TestParamInfo<const char *> &info) {
                           return std::string(info.param);
                         });

} // namespace
