//===- CudaSolverGoldenTest.cpp - The CUDA solver against the oracle ------===//
//
// The same bar as the CPU solver's golden test (test/unit/Quant/
// GptqGoldenTest.cpp): from each case's `weight` and `hessian` in
// testdata/gptq_golden_public.safetensors (AutoGPTQ, fp32, H100) the CUDA
// solver must reproduce >= 99.5% of the reference codes, g_idx exactly and
// the proxy error within 0.5%; and the device Hessian accumulated from
// `calib_x` must match the stored `hessian`.
//
//===----------------------------------------------------------------------===//

#include "gptq/Format/Safetensors.h"
#include "gptq/Quant/GptqSolver.h"
#include "gptq/QuantCuda/CudaSolver.h"
#include "gptq/Support/Half.h"

#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include <cmath>
#include <cstdio>
#include <cstdlib>

using namespace gptq;
using namespace gptq::quant;

namespace {

const char *const kCases[] = {"c1_b4_g128_asym",      "c2_b4_g128_sym_act",
                              "c3_b3_g64_asym_act",   "c4_b2_perchannel",
                              "c5_b8_g32_act_static", "c6_b4_g64_dead"};

/// GPTQ_TESTDATA_DIR in the environment overrides the configured folder:
/// on the GPU machine the checkout's sibling shared/ folder is not there.
std::string testdataDir() {
  const char *overridden = std::getenv("GPTQ_TESTDATA_DIR");
  return overridden && *overridden ? overridden : GPTQ_TESTDATA_DIR;
}

const format::SafetensorsFile &goldenFile() {
  static Expected<format::SafetensorsFile> file = format::SafetensorsFile::open(
      testdataDir() + "/gptq_golden_public.safetensors");
  if (!file.ok()) {
    ADD_FAILURE() << file.message();
    std::abort();
  }
  return *file;
}

template <typename T> std::vector<T> orEmpty(Expected<std::vector<T>> values) {
  EXPECT_TRUE(values.ok()) << values.message();
  return values.ok() ? values.take() : std::vector<T>();
}

class CudaGoldenOracle : public testing::TestWithParam<const char *> {
protected:
  void SetUp() override {
    std::string whyNot;
    if (!cudaSolverAvailable(&whyNot))
      GTEST_SKIP() << whyNot;
  }
};

TEST_P(CudaGoldenOracle, SolverMatchesReference) {
  const std::string name = GetParam();
  const auto &metadata = goldenFile().metadata();
  auto settings = metadata.find(name);
  ASSERT_NE(settings, metadata.end()) << "no metadata for " << name;
  nlohmann::json json = nlohmann::json::parse(settings->second);
  const int64_t N = json.at("N"), K = json.at("K");
  GptqOptions options;
  options.bits = json.at("bits");
  options.groupSize = json.at("g");
  options.sym = json.at("sym");
  options.actOrder = json.at("act");
  options.staticGroups = json.at("static");
  options.blockSize = json.at("blocksize");
  options.dampPercent = json.at("percdamp");
  std::vector<float> weight = orEmpty(goldenFile().readFloat(name + ".weight"));
  std::vector<float> hessian =
      orEmpty(goldenFile().readFloat(name + ".hessian"));
  std::vector<int32_t> codes = orEmpty(goldenFile().readInt32(name + ".codes"));
  std::vector<int32_t> gIdx = orEmpty(goldenFile().readInt32(name + ".g_idx"));
  std::vector<float> proxy =
      orEmpty(goldenFile().readFloat(name + ".proxy_err"));
  ASSERT_EQ(int64_t(codes.size()), N * K);
  ASSERT_FALSE(proxy.empty());

  Expected<GptqResult> solved =
      createCudaSolver()->solve(weight, N, K, hessian, options);
  ASSERT_TRUE(solved.ok()) << solved.message();
  EXPECT_EQ(solved->dampUsed, options.dampPercent);

  int64_t agreeing = 0;
  for (int64_t i = 0; i < N * K; ++i)
    agreeing += solved->codes[i] == codes[i];
  double agreement = double(agreeing) / double(N * K);
  // The reference measured its proxy error on fp16 Q.
  std::vector<float> dequantizedHalf(N * K);
  for (int64_t i = 0; i < N * K; ++i)
    dequantizedHalf[i] = halfToFloat(floatToHalf(solved->dequantized[i]));
  double ours = proxyError(weight, dequantizedHalf, hessian, N, K);
  double reference = proxy[0];
  std::printf("%-22s [cuda] codes agree %.4f%% (%ld of %ld differ), "
              "proxy_err %.6g vs reference %.6g (%+.2e)\n",
              name.c_str(), 100.0 * agreement, long(N * K - agreeing),
              long(N * K), ours, reference, (ours - reference) / reference);
  EXPECT_GE(agreement, 0.995);
  EXPECT_EQ(solved->gIdx, gIdx);
  EXPECT_NEAR(ours, reference, 0.005 * reference);
}

TEST_P(CudaGoldenOracle, HessianFromCalibrationInputs) {
  const std::string name = GetParam();
  const format::TensorInfo *info = goldenFile().find(name + ".calib_x");
  ASSERT_NE(info, nullptr);
  ASSERT_EQ(info->shape.size(), 3u);
  const int64_t calls = info->shape[0], tokens = info->shape[1],
                K = info->shape[2];
  std::vector<float> inputs =
      orEmpty(goldenFile().readFloat(name + ".calib_x"));
  std::vector<float> reference =
      orEmpty(goldenFile().readFloat(name + ".hessian"));
  ASSERT_EQ(int64_t(reference.size()), K * K);
  // The device path takes fp16 activations (what a model's linears see);
  // the file's are fp16 values, which the conversion keeps exactly.
  std::vector<uint16_t> half(inputs.size());
  for (size_t i = 0; i < inputs.size(); ++i) {
    half[i] = floatToHalf(inputs[i]);
    if (halfToFloat(half[i]) != inputs[i])
      GTEST_SKIP() << "calib_x holds values that are not fp16";
  }
  Expected<std::vector<float>> ours =
      accumulateHessianCuda(half.data(), calls, 1, tokens, K);
  ASSERT_TRUE(ours.ok()) << ours.message();
  double worst = 0.0, differenceSquares = 0.0, referenceSquares = 0.0;
  for (int64_t i = 0; i < K; ++i)
    for (int64_t j = 0; j < K; ++j) {
      double a = (*ours)[i * K + j], b = reference[i * K + j];
      differenceSquares += (a - b) * (a - b);
      referenceSquares += b * b;
      double scale =
          std::sqrt(double(reference[i * K + i]) * reference[j * K + j]);
      if (scale == 0.0)
        EXPECT_EQ(a, b) << "dead channel entry " << i << ", " << j;
      else
        worst = std::max(worst, std::fabs(a - b) / scale);
    }
  double relative = std::sqrt(differenceSquares / referenceSquares);
  std::printf("%-22s [cuda] Hessian from calib_x: relative error %.2e, "
              "worst %.2e\n",
              name.c_str(), relative, worst);
  EXPECT_LT(relative, 1e-5);
  EXPECT_LT(worst, 1e-5);
}

INSTANTIATE_TEST_SUITE_P(AllCases, CudaGoldenOracle, testing::ValuesIn(kCases),
                         [](const testing::TestParamInfo<const char *> &info) {
                           return std::string(info.param);
                         });

} // namespace
