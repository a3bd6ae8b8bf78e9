//===- PackResult.cpp - A solver result in checkpoint layout --------------===//

#include "PackResult.h"

#include "gptq/Support/Half.h"

#include <cmath>

namespace gptq::tools {

Expected<format::QuantizedLinear> packResult(const quant::GptqResult &result,
                                             int bits, int64_t groupSize,
                                             format::CheckpointFormat format) {
  const int64_t N = result.N, K = result.K, groups = result.numGroups();
  format::QuantizedLinear layer;
  layer.K = K;
  layer.N = N;
  layer.bits = bits;
  layer.groupSize = groupSize;
  layer.format = format;

  std::vector<int32_t> codesKN(K * N);
  for (int64_t n = 0; n < N; ++n)
    for (int64_t k = 0; k < K; ++k)
      codesKN[k * N + n] = result.codes[n * K + k];
  Expected<std::vector<int32_t>> qweight =
      format::packWeights(codesKN, K, N, bits);
  if (!qweight)
    return qweight.status().withContext("packing qweight");
  layer.qweight = qweight.take();

  std::vector<int32_t> zeros(groups * N);
  layer.scales.resize(groups * N);
  for (int64_t n = 0; n < N; ++n)
    for (int64_t group = 0; group < groups; ++group) {
      // Zero points are integers held in floats by the solver.
      zeros[group * N + n] =
          static_cast<int32_t>(std::lround(result.zeros[n * groups + group]));
      layer.scales[group * N + n] =
          halfToFloat(floatToHalf(result.scales[n * groups + group]));
    }
  Expected<std::vector<int32_t>> qzeros =
      format::packZeros(zeros, groups, N, bits, format);
  if (!qzeros)
    return qzeros.status().withContext("packing qzeros");
  layer.qzeros = qzeros.take();
  layer.gIdx = result.gIdx;
  return layer;
}

Status addQuantizedTensors(format::SafetensorsWriter &writer,
                           const std::string &prefix,
                           const format::QuantizedLinear &layer) {
  const int64_t N = layer.N, K = layer.K, groups = layer.numGroups();
  GPTQ_RETURN_IF_ERROR(writer.addInt32(
      prefix + "qweight", {K * layer.bits / 32, N}, layer.qweight));
  GPTQ_RETURN_IF_ERROR(writer.addInt32(
      prefix + "qzeros", {groups, N * layer.bits / 32}, layer.qzeros));
  GPTQ_RETURN_IF_ERROR(
      writer.addFloat16(prefix + "scales", {groups, N}, layer.scales));
  return writer.addInt32(prefix + "g_idx", {K}, layer.gIdx);
}

} // namespace gptq::tools
