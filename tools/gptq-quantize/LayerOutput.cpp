//===- LayerOutput.cpp - Write a quantized layer as GPTQ tensors ----------===//
//
// The tensors of one quantized layer (PackResult.h lays them out) plus the
// solver's loss and settings as metadata, for research and the golden
// tests.
//
//===----------------------------------------------------------------------===//

#include "LayerOutput.h"
#include "PackResult.h"

#include "gptq/Format/Safetensors.h"

#include <fmt/format.h>

namespace gptq::tools {

Status writeLayerOutput(const std::string &path,
                        const quant::GptqResult &result,
                        const LayerOutputSettings &settings) {
  const int64_t N = result.N, K = result.K;
  Expected<format::QuantizedLinear> packed =
      packResult(result, settings.bits, settings.groupSize, settings.format);
  if (!packed)
    return packed.status();
  format::SafetensorsWriter writer;
  GPTQ_RETURN_IF_ERROR(addQuantizedTensors(writer, "", *packed));
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
