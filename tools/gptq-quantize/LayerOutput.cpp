//===- LayerOutput.cpp - Write a quantized layer as GPTQ tensors ----------===//
//
// The solver works row-major in nn.Linear's [N][K]; the checkpoint is laid
// out along K first (qweight [K·bits/32][N], scales [G][N]), so codes,
// scales and zero points are transposed here before packing.
//
//===----------------------------------------------------------------------===//

#include "LayerOutput.h"

#include "gptq/Format/Safetensors.h"

#include <fmt/format.h>

#include <cmath>

namespace gptq::tools {

Status writeLayerOutput(const std::string &path,
                        const quant::GptqResult &result,
                        const LayerOutputSettings &settings) {
  const int64_t N = result.N, K = result.K, groups = result.numGroups();

  std::vector<int32_t> codesKN(K * N);
  for (int64_t n = 0; n < N; ++n)
    for (int64_t k = 0; k < K; ++k)
      codesKN[k * N + n] = result.codes[n * K + k];
  Expected<std::vector<int32_t>> qweight =
      format::packWeights(codesKN, K, N, settings.bits);
  if (!qweight)
    return qweight.status().withContext("packing qweight");

  std::vector<int32_t> zeros(groups * N);
  std::vector<float> scales(groups * N);
  for (int64_t n = 0; n < N; ++n)
    for (int64_t group = 0; group < groups; ++group) {
      // Zero points are integers held in floats by the solver.
      zeros[group * N + n] =
          static_cast<int32_t>(std::lround(result.zeros[n * groups + group]));
      scales[group * N + n] = result.scales[n * groups + group];
    }
  Expected<std::vector<int32_t>> qzeros =
      format::packZeros(zeros, groups, N, settings.bits, settings.format);
  if (!qzeros)
    return qzeros.status().withContext("packing qzeros");

  format::SafetensorsWriter writer;
  GPTQ_RETURN_IF_ERROR(
      writer.addInt32("qweight", {K * settings.bits / 32, N}, *qweight));
  GPTQ_RETURN_IF_ERROR(
      writer.addInt32("qzeros", {groups, N * settings.bits / 32}, *qzeros));
  GPTQ_RETURN_IF_ERROR(writer.addFloat16("scales", {groups, N}, scales));
  GPTQ_RETURN_IF_ERROR(writer.addInt32("g_idx", {K}, result.gIdx));
  GPTQ_RETURN_IF_ERROR(
      writer.addFloat32("loss", {}, {static_cast<float>(result.loss)}));

  auto flag = [](bool value) { return value ? "true" : "false"; };
  writer.setMetadata("format", format::checkpointFormatName(settings.format));
  writer.setMetadata("bits", std::to_string(settings.bits));
  writer.setMetadata("group_size", std::to_string(settings.groupSize));
  writer.setMetadata("desc_act", flag(settings.descAct));
  writer.setMetadata("sym", flag(settings.sym));
  writer.setMetadata("static_groups", flag(settings.staticGroups));
  writer.setMetadata("mse", flag(settings.mseSearch));
  writer.setMetadata("damp_used", fmt::format("{}", result.dampUsed));
  writer.setMetadata("loss", fmt::format("{}", result.loss));
  writer.setMetadata("seconds", fmt::format("{:.3f}", settings.seconds));
  writer.setMetadata("N", std::to_string(N));
  writer.setMetadata("K", std::to_string(K));
  GPTQ_RETURN_IF_ERROR(writer.write(path));
  return Status::success();
}

} // namespace gptq::tools
