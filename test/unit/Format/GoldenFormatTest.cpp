//===- GoldenFormatTest.cpp - Packing and dequantization vs. AutoGPTQ -----===//
//
// The golden file holds AutoGPTQ's own packed tensors for six layers (see
// testdata/README.md). Our unpacker and dequantizer must reproduce its
// dequantized weights, our packer its words bit for bit, and our reference
// dequant-matmul its QuantLinear outputs.
//
//===----------------------------------------------------------------------===//

#include "gptq/Format/Dequantize.h"
#include "gptq/Format/Packing.h"
#include "gptq/Format/Safetensors.h"
#include "gptq/Support/Half.h"

#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include <cmath>
#include <set>

using namespace gptq;
using namespace gptq::format;

namespace {

const SafetensorsFile &golden() {
  static Expected<SafetensorsFile> file = SafetensorsFile::open(
      std::string(GPTQ_TESTDATA_DIR) + "/gptq_golden_public.safetensors");
  if (!file.ok()) {
    ADD_FAILURE() << file.message();
    std::abort();
  }
  return *file;
}

std::vector<float> floats(const std::string &name) {
  auto values = golden().readFloat(name);
  EXPECT_TRUE(values.ok()) << values.message();
  return values.ok() ? values.take() : std::vector<float>();
}

std::vector<int32_t> ints(const std::string &name) {
  auto values = golden().readInt32(name);
  EXPECT_TRUE(values.ok()) << values.message();
  return values.ok() ? values.take() : std::vector<int32_t>();
}

template <typename T>
std::vector<T> transpose(const std::vector<T> &values, int64_t rows,
                         int64_t cols) {
  std::vector<T> result(values.size());
  for (int64_t r = 0; r < rows; ++r)
    for (int64_t c = 0; c < cols; ++c)
      result[c * rows + r] = values[r * cols + c];
  return result;
}

struct Case {
  std::string name;
  int64_t N = 0, K = 0, g = 0, G = 0;
  int bits = 0;

  static Case load(const std::string &name) {
    Case c;
    c.name = name;
    nlohmann::json settings =
        nlohmann::json::parse(golden().metadata().at(name));
    c.N = settings.at("N");
    c.K = settings.at("K");
    c.bits = settings.at("bits");
    c.g = settings.at("g");
    c.G = c.g == -1 ? 1 : c.K / c.g;
    return c;
  }

  QuantizedLinear layer(CheckpointFormat format) const {
    QuantizedLinear layer;
    layer.K = K;
    layer.N = N;
    layer.bits = bits;
    layer.groupSize = g;
    layer.format = format;
    layer.qweight = ints(name + ".qweight");
    layer.qzeros = ints(
        name + (format == CheckpointFormat::GptqV1 ? ".qzeros" : ".qzeros_v2"));
    layer.scales = floats(name + ".scales");
    layer.gIdx = ints(name + ".packed_g_idx");
    return layer;
  }

  /// The true zero points [G][N] (the file stores floats [N][G]).
  std::vector<int32_t> zeros() const {
    std::vector<float> stored = floats(name + ".zero");
    std::vector<int32_t> result(G * N);
    for (int64_t n = 0; n < N; ++n)
      for (int64_t group = 0; group < G; ++group) {
        float value = stored[n * G + group];
        EXPECT_EQ(value, std::round(value));
        result[group * N + n] = int32_t(value);
      }
    return result;
  }

  bool hasZeroPointZero() const {
    for (int32_t zero : zeros())
      if (zero == 0)
        return true;
    return false;
  }
};

std::vector<std::string> caseNames() {
  std::vector<std::string> names;
  for (const auto &entry : golden().metadata())
    names.push_back(entry.first);
  return names;
}

class GoldenFormat : public ::testing::TestWithParam<std::string> {};

TEST(GoldenFormatFile, HasSixCases) {
  std::vector<std::string> names = caseNames();
  ASSERT_EQ(names.size(), 6u);
  EXPECT_EQ(names[3].substr(0, 3), "c4_");
}

TEST_P(GoldenFormat, PackingCodesReproducesQweight) {
  Case c = Case::load(GetParam());
  std::vector<int32_t> codes = transpose(ints(c.name + ".codes"), c.N, c.K);
  auto packed = packWeights(codes, c.K, c.N, c.bits);
  ASSERT_TRUE(packed.ok()) << packed.message();
  std::vector<int32_t> reference = ints(c.name + ".qweight");
  ASSERT_EQ(packed->size(), reference.size());
  for (size_t i = 0; i < reference.size(); ++i)
    ASSERT_EQ((*packed)[i], reference[i]) << "word " << i;
  auto unpacked = unpackWeights(reference, c.K, c.N, c.bits);
  ASSERT_TRUE(unpacked.ok());
  EXPECT_EQ(*unpacked, codes);
}

TEST_P(GoldenFormat, PackingZerosReproducesQzeros) {
  Case c = Case::load(GetParam());
  std::vector<int32_t> zeros = c.zeros();
  auto v2 = packZeros(zeros, c.G, c.N, c.bits, CheckpointFormat::GptqV2);
  ASSERT_TRUE(v2.ok()) << v2.message();
  EXPECT_EQ(*v2, ints(c.name + ".qzeros_v2"));

  auto v1 = packZeros(zeros, c.G, c.N, c.bits, CheckpointFormat::GptqV1);
  if (c.hasZeroPointZero()) {
    ASSERT_FALSE(v1.ok());
    EXPECT_NE(v1.message().find("cannot store a zero point of 0"),
              std::string::npos)
        << v1.message();
    return;
  }
  ASSERT_TRUE(v1.ok()) << v1.message();
  EXPECT_EQ(*v1, ints(c.name + ".qzeros"));
}

/// Distance in fp16 units in the last place (same-sign values).
int ulpDistance(float a, float b) {
  int ha = floatToHalf(a), hb = floatToHalf(b);
  if ((ha ^ hb) & 0x8000)
    return (ha & 0x7fff) == 0 && (hb & 0x7fff) == 0 ? 0 : 1 << 16;
  return std::abs(ha - hb);
}

/// Dequantizes the checkpoint's qweight/qzeros/g_idx with `format` and
/// compares with q_weight ([N][K] fp16) after rounding ours to fp16 as the
/// reference stored it. The reference computed q_weight from its fp32 solver
/// scales (`scale`); the checkpoint keeps them rounded to fp16 (`scales`),
/// which moves products by at most one fp16 ulp. Returns the columns with an
/// entry more than `allowedUlps` away; counts such entries in `mismatches`.
std::set<int64_t> mismatchedColumns(const Case &c, CheckpointFormat format,
                                    bool checkpointScales, int allowedUlps,
                                    int64_t &mismatches) {
  QuantizedLinear layer = c.layer(format);
  if (!checkpointScales)
    layer.scales = transpose(floats(c.name + ".scale"), c.N, c.G);
  auto weight = dequantize(layer);
  EXPECT_TRUE(weight.ok()) << weight.message();
  std::vector<float> reference = floats(c.name + ".q_weight");
  std::set<int64_t> columns;
  mismatches = 0;
  if (!weight.ok())
    return columns;
  for (int64_t k = 0; k < c.K; ++k)
    for (int64_t n = 0; n < c.N; ++n)
      if (ulpDistance((*weight)[k * c.N + n], reference[n * c.K + k]) >
          allowedUlps) {
        ++mismatches;
        columns.insert(n);
      }
  return columns;
}

TEST_P(GoldenFormat, DequantizeReproducesQWeight) {
  Case c = Case::load(GetParam());
  int64_t mismatches = 0;
  // v2 zero points are exact everywhere: bit-exact with the solver's scales,
  // within one fp16 ulp with the checkpoint's fp16 scales.
  EXPECT_TRUE(
      mismatchedColumns(c, CheckpointFormat::GptqV2, false, 0, mismatches)
          .empty());
  EXPECT_EQ(mismatches, 0);
  EXPECT_TRUE(
      mismatchedColumns(c, CheckpointFormat::GptqV2, true, 1, mismatches)
          .empty());
  EXPECT_EQ(mismatches, 0);

  std::set<int64_t> v1Columns =
      mismatchedColumns(c, CheckpointFormat::GptqV1, false, 0, mismatches);
  auto corrupt = findCorruptV1Zeros(ints(c.name + ".qzeros"), c.G, c.N, c.bits);
  ASSERT_TRUE(corrupt.ok()) << corrupt.message();
  if (!c.hasZeroPointZero()) {
    EXPECT_TRUE(v1Columns.empty());
    EXPECT_EQ(mismatches, 0);
    EXPECT_TRUE(corrupt->empty());
    return;
  }
  // c4: the detector must name exactly the columns whose stored zero points
  // differ from the true ones, and dequantization is exact elsewhere.
  std::set<int64_t> detected;
  for (const ZeroLocation &location : *corrupt)
    detected.insert(location.column);
  auto stored = unpackZeros(ints(c.name + ".qzeros"), c.G, c.N, c.bits,
                            CheckpointFormat::GptqV1);
  std::vector<int32_t> truth = c.zeros();
  std::set<int64_t> wrongZeros;
  for (int64_t i = 0; i < c.G * c.N; ++i)
    if ((*stored)[i] != truth[i])
      wrongZeros.insert(i % c.N);
  EXPECT_EQ(detected.size(), 13u);
  EXPECT_EQ(detected, wrongZeros);
  for (int64_t n : v1Columns)
    EXPECT_EQ(detected.count(n), 1u) << "column " << n << " wrong but unseen";
  EXPECT_GT(mismatches, 0);
  std::string report;
  for (int64_t n : detected)
    report += " " + std::to_string(n);
  RecordProperty("corrupt_v1_zero_columns", report);
  std::cout << c.name << ": corrupt v1 zero-point columns:" << report << "\n";
}

TEST_P(GoldenFormat, ReferenceMatmulMatchesTestY) {
  Case c = Case::load(GetParam());
  const TensorInfo *xInfo = golden().find(c.name + ".test_x");
  ASSERT_NE(xInfo, nullptr);
  const int64_t M = xInfo->shape[0];
  std::vector<float> x = floats(c.name + ".test_x");
  std::vector<float> reference = floats(c.name + ".test_y");
  // The reference ran the checkpoint as written (v1 with its corrupt zeros).
  auto y = referenceDequantMatmul(x, M, c.layer(CheckpointFormat::GptqV1));
  ASSERT_TRUE(y.ok()) << y.message();
  ASSERT_EQ(y->size(), reference.size());
  // The reference rounds W to fp16 and y to fp16 (relative 2^-11 each); its
  // products and partial sums add errors of that size relative to the
  // magnitude of the terms, so the bound scales with the output's RMS.
  double squares = 0.0, worst = 0.0;
  for (float value : reference)
    squares += double(value) * value;
  const double rms = std::sqrt(squares / reference.size());
  ASSERT_GT(rms, 0.0);
  for (size_t i = 0; i < reference.size(); ++i) {
    double error = std::fabs((*y)[i] - reference[i]);
    worst = std::max(worst, error / rms);
    EXPECT_LE(error, 1e-3 * std::fabs(reference[i]) + 2e-3 * rms)
        << "output " << i << ": ours " << (*y)[i] << " reference "
        << reference[i];
  }
  std::cout << c.name << ": worst |y - test_y| / rms(test_y) = " << worst
            << "\n";
  if (c.hasZeroPointZero()) {
    // test_y came from the corrupt v1 words; the true (v2) zero points must
    // therefore miss it by far more than the tolerance (here by ~9 RMS).
    auto trueY =
        referenceDequantMatmul(x, M, c.layer(CheckpointFormat::GptqV2));
    ASSERT_TRUE(trueY.ok());
    double far = 0.0;
    for (size_t i = 0; i < reference.size(); ++i)
      far = std::max(far, std::fabs((*trueY)[i] - reference[i]) / rms);
    EXPECT_GT(far, 1.0);
  }
}

TEST_P(GoldenFormat, LayerValidates) {
  Case c = Case::load(GetParam());
  QuantizedLinear layer = c.layer(CheckpointFormat::GptqV2);
  EXPECT_EQ(layer.numGroups(), c.G);
  EXPECT_TRUE(layer.validate().ok());
  layer.gIdx[c.K / 2] = int32_t(c.G);
  Status bad = layer.validate();
  ASSERT_FALSE(bad.ok());
  EXPECT_NE(bad.message().find("g_idx[" + std::to_string(c.K / 2) + "]"),
            std::string::npos)
      << bad.message();
  EXPECT_FALSE(dequantize(layer).ok());
}

INSTANTIATE_TEST_SUITE_P(Cases, GoldenFormat, ::testing::ValuesIn(caseNames()),
                         [](const auto &info) { return info.param; });

} // namespace
