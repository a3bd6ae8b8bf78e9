//===- Dequantize.cpp - CPU reference for GPTQ linear layers --------------===//
//
// Validation is strict and eager: a reference that silently reads past an
// array or trusts an out-of-range g_idx would turn a layout bug into a
// plausible-looking number instead of a message.
//
//===----------------------------------------------------------------------===//

#include "gptq/Format/Dequantize.h"

#include <fmt/format.h>

namespace gptq::format {

int64_t QuantizedLinear::numGroups() const {
  if (groupSize == -1)
    return 1;
  if (groupSize <= 0)
    return 0;
  return (K + groupSize - 1) / groupSize;
}

int64_t QuantizedLinear::groupOf(int64_t k) const {
  if (!gIdx.empty())
    return gIdx[k];
  return groupSize == -1 ? 0 : k / groupSize;
}

static Status checkCount(const char *name, size_t actual, int64_t expected,
                         const std::string &shape) {
  if (int64_t(actual) == expected)
    return Status::success();
  return Status::error(fmt::format("quantized linear: {} has {} elements, "
                                   "expected {} ({})",
                                   name, actual, expected, shape));
}

Status QuantizedLinear::validate() const {
  GPTQ_RETURN_IF_ERROR(checkPackBits(bits).withContext("quantized linear"));
  if (K <= 0 || N <= 0)
    return Status::error(
        fmt::format("quantized linear: invalid shape K={} N={}", K, N));
  if (groupSize != -1 && groupSize <= 0)
    return Status::error(fmt::format(
        "quantized linear: group size {} must be positive or -1", groupSize));
  if ((K * bits) % 32 != 0 || (N * bits) % 32 != 0)
    return Status::error(fmt::format(
        "quantized linear: K={} and N={} times {} bits must both be multiples "
        "of 32",
        K, N, bits));
  const int64_t G = numGroups();
  GPTQ_RETURN_IF_ERROR(checkCount("qweight", qweight.size(), K * bits / 32 * N,
                                  fmt::format("[{}][{}]", K * bits / 32, N)));
  GPTQ_RETURN_IF_ERROR(checkCount("qzeros", qzeros.size(), G * N * bits / 32,
                                  fmt::format("[{}][{}]", G, N * bits / 32)));
  GPTQ_RETURN_IF_ERROR(checkCount("scales", scales.size(), G * N,
                                  fmt::format("[{}][{}]", G, N)));
  if (!gIdx.empty()) {
    GPTQ_RETURN_IF_ERROR(
        checkCount("g_idx", gIdx.size(), K, fmt::format("[{}]", K)));
    for (int64_t k = 0; k < K; ++k)
      if (gIdx[k] < 0 || gIdx[k] >= G)
        return Status::error(
            fmt::format("quantized linear: g_idx[{}] = {} is outside 0..{}", k,
                        gIdx[k], G - 1));
  }
  if (!bias.empty())
    GPTQ_RETURN_IF_ERROR(
        checkCount("bias", bias.size(), N, fmt::format("[{}]", N)));
  return Status::success();
}

Expected<std::vector<float>> dequantize(const QuantizedLinear &layer) {
  GPTQ_RETURN_IF_ERROR(layer.validate());
  Expected<std::vector<int32_t>> codes =
      unpackWeights(layer.qweight, layer.K, layer.N, layer.bits);
  if (!codes)
    return codes.status();
  Expected<std::vector<int32_t>> zeros = unpackZeros(
      layer.qzeros, layer.numGroups(), layer.N, layer.bits, layer.format);
  if (!zeros)
    return zeros.status();
  const int64_t N = layer.N;
  std::vector<float> weight(layer.K * N);
  for (int64_t k = 0; k < layer.K; ++k) {
    const int64_t g = layer.groupOf(k);
    for (int64_t n = 0; n < N; ++n)
      // The integer difference is exact; one rounding, in the multiply.
      weight[k * N + n] = layer.scales[g * N + n] *
                          float((*codes)[k * N + n] - (*zeros)[g * N + n]);
  }
  return weight;
}

Expected<std::vector<float>>
referenceDequantMatmul(const std::vector<float> &x, int64_t M,
                       const QuantizedLinear &layer) {
  if (M < 0 || int64_t(x.size()) != M * layer.K)
    return Status::error(fmt::format(
        "referenceDequantMatmul: x has {} elements, expected M={} x K={}",
        x.size(), M, layer.K));
  Expected<std::vector<float>> weight = dequantize(layer);
  if (!weight)
    return weight.status();
  const int64_t K = layer.K, N = layer.N;
  std::vector<float> y(M * N, 0.0f);
  for (int64_t m = 0; m < M; ++m) {
    float *row = y.data() + m * N;
    // k-outer order streams W row by row; the fp32 sum per output is still
    // accumulated in increasing k.
    for (int64_t k = 0; k < K; ++k) {
      const float xv = x[m * K + k];
      const float *w = weight->data() + k * N;
      for (int64_t n = 0; n < N; ++n)
        row[n] += xv * w[n];
    }
    if (!layer.bias.empty())
      for (int64_t n = 0; n < N; ++n)
        row[n] += layer.bias[n];
  }
  return y;
}

} // namespace gptq::format
